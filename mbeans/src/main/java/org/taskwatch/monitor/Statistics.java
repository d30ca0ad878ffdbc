package org.taskwatch.monitor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import org.taskwatch.kernel.EventType;
import org.taskwatch.kernel.KernelCounts;
import org.taskwatch.kernel.NativeException;

/**
 * The monitor's counters. Every number is a point-in-time value. Per-type counts and
 * {@code received} are written by the reader thread only (single writer, lazySet: no lock, no
 * allocation); delivery counts by the delivery thread; anyone reads.
 *
 * <p>When the kernel counts ({@link #countInKernel}), the per-type counts, nonzero exits and the
 * per-second window come from its map instead, folded in under this object's lock by whoever reads
 * them and by a timer ({@link #fold}, at least every {@link KernelCounts#SECONDS} seconds); the
 * reader then counts only what it receives. A second is folded for good once it is two seconds
 * old (an event of that second may still be on its way through the filter); the newer ones are
 * added to each answer as they stand.
 */
public final class Statistics {
    private final AtomicLongArray byType = new AtomicLongArray(EventType.values().length);
    private final AtomicLongArray counters = new AtomicLongArray(6);
    private static final int RECEIVED = 0;
    private static final int DELIVERED = 1;
    private static final int LOST = 2;
    private static final int NONZERO_EXITS = 3;
    private static final int HANDOFF_FULL = 4;
    private static final int RECOVERED = 5;
    private final LatencyHistogram latency = new LatencyHistogram();
    private final EventWindow window = new EventWindow(System.nanoTime());
    /** By the window's kinds that come from the kernel (all but LOST): the index in a {@link KernelCounts.Second}. */
    private static final int[] WINDOW_FROM_KERNEL = new int[EventWindow.LOST];

    static {
        WINDOW_FROM_KERNEL[EventWindow.FORKS] = EventType.FORK.ordinal();
        WINDOW_FROM_KERNEL[EventWindow.EXECS] = EventType.EXEC.ordinal();
        WINDOW_FROM_KERNEL[EventWindow.EXITS] = EventType.EXIT.ordinal();
        WINDOW_FROM_KERNEL[EventWindow.NONZERO_EXITS] = KernelCounts.NONZERO_EXITS;
    }
    private volatile KernelCounts kernel; // null: counted here, by the reader
    private long foldedThrough = Long.MIN_VALUE; // guarded by this: the last second folded for good
    private List<KernelCounts.Second> unfolded = List.of(); // guarded by this: newer seconds, as last read
    private volatile String foldError = "";
    private long lastReadSecond = Long.MIN_VALUE; // guarded by this: when the kernel's counts were last read
    private volatile long unreadSeconds; // seconds whose counts may have been overwritten before they were read

    /** From now on the kernel counts: {@link #received} counts only what arrives. */
    void countInKernel(KernelCounts k) {
        this.kernel = k;
    }

    /** The last failure to read the kernel's counts, or "". */
    String foldError() {
        return foldError;
    }

    /**
     * Seconds whose counts the kernel may have overwritten before they were read (the agent did
     * not read for longer than {@link KernelCounts#SECONDS}: stopped, or stalled); 0 normally.
     */
    long unreadSeconds() {
        return unreadSeconds;
    }

    void received(EventType type, boolean nonZeroExit, long timestampNanos) {
        bump(counters, RECEIVED);
        if (kernel != null) {
            return;
        }
        bump(byType, type.ordinal());
        switch (type) {
            case FORK:
                window.record(EventWindow.FORKS, timestampNanos);
                break;
            case EXEC:
                window.record(EventWindow.EXECS, timestampNanos);
                break;
            case EXIT:
                window.record(EventWindow.EXITS, timestampNanos);
                if (nonZeroExit) {
                    bump(counters, NONZERO_EXITS);
                    window.record(EventWindow.NONZERO_EXITS, timestampNanos);
                }
                break;
            default:
                break;
        }
    }

    void delivered(long latencyMicros) {
        bump(counters, DELIVERED);
        latency.record(latencyMicros, System.nanoTime());
    }

    void lost(long n) {
        counters.addAndGet(LOST, n);
        window.lost(n, System.nanoTime());
    }

    /** System-wide counts over the last {@code windowSeconds} (1 to 3600). */
    public WindowCounts window(int windowSeconds) {
        long now = System.nanoTime();
        List<KernelCounts.Second> recent = fold();
        long[] c = window.count(windowSeconds, now);
        long from = EventWindow.second(now) - windowSeconds;
        for (KernelCounts.Second s : recent) {
            if (s.second() > from) {
                for (int kind = 0; kind < WINDOW_FROM_KERNEL.length; kind++) {
                    c[kind] += s.counts()[WINDOW_FROM_KERNEL[kind]];
                }
            }
        }
        return new WindowCounts(c[EventWindow.FORKS], c[EventWindow.EXECS], c[EventWindow.EXITS],
                c[EventWindow.NONZERO_EXITS], c[EventWindow.LOST], c[c.length - 1]);
    }

    /**
     * Folds the kernel's complete seconds into the counters and returns the newer ones (empty
     * when the reader counts). A failure to read is kept for {@link #foldError} and the counts
     * stay as they were.
     */
    synchronized List<KernelCounts.Second> fold() {
        return fold(System.nanoTime());
    }

    /** {@link #fold()} at {@code nowNanos} (tests pass a later time to play a stopped JVM). */
    synchronized List<KernelCounts.Second> fold(long nowNanos) {
        KernelCounts k = kernel;
        if (k == null) {
            return List.of();
        }
        long nowSecond = EventWindow.second(nowNanos);
        long settled = nowSecond - 2;
        List<KernelCounts.Second> read;
        try {
            read = k.seconds(foldedThrough);
            foldError = "";
        } catch (NativeException e) {
            foldError = e.getMessage();
            return unfolded;
        }
        // the kernel keeps SECONDS seconds: read longer ago than that, some may have been overwritten
        // (a silent second and an overwritten one look alike there, so say "may")
        if (lastReadSecond != Long.MIN_VALUE && nowSecond - lastReadSecond > KernelCounts.SECONDS) {
            unreadSeconds += nowSecond - lastReadSecond - KernelCounts.SECONDS;
        }
        lastReadSecond = nowSecond;
        List<KernelCounts.Second> newer = new ArrayList<>();
        for (KernelCounts.Second s : read) {
            if (s.second() > settled) {
                newer.add(s);
                continue;
            }
            long[] c = s.counts();
            for (EventType t : EventType.values()) {
                byType.addAndGet(t.ordinal(), c[t.ordinal()]);
            }
            counters.addAndGet(NONZERO_EXITS, c[KernelCounts.NONZERO_EXITS]);
            for (int kind = 0; kind < WINDOW_FROM_KERNEL.length; kind++) {
                window.add(kind, s.second(), c[WINDOW_FROM_KERNEL[kind]]);
            }
            foldedThrough = s.second();
        }
        unfolded = newer;
        return newer;
    }

    /**
     * Events of every process over a window, whether watched or not.
     *
     * @param coveredSeconds how much of the window the monitor has been running: rates are
     *     counts divided by this
     */
    public record WindowCounts(long forks, long execs, long exits, long nonZeroExits, long lost,
            long coveredSeconds) {}

    void recovered() {
        counters.incrementAndGet(RECOVERED);
    }

    /** Exits of watched processes found after a loss, whose events never came. */
    public long recoveredExits() { return counters.get(RECOVERED); }

    void handoffFull() {
        counters.incrementAndGet(HANDOFF_FULL);
    }

    private static void bump(AtomicLongArray a, int i) {
        a.lazySet(i, a.get(i) + 1);
    }

    public long received() { return counters.get(RECEIVED); }
    public long delivered() { return counters.get(DELIVERED); }
    /** Events lost anywhere: in the kernel's socket buffer, or at a full handoff. */
    public long lost() { return counters.get(LOST); }
    /** Matched events dropped because the delivery queue was full (included in {@link #lost()}). */
    public long handoffDrops() { return counters.get(HANDOFF_FULL); }
    public long count(EventType type) {
        long newer = unfolded(type.ordinal()); // first: the fold may move seconds into byType
        return byType.get(type.ordinal()) + newer;
    }

    public long nonZeroExits() {
        long newer = unfolded(KernelCounts.NONZERO_EXITS); // first: the fold may move seconds into the counter
        return counters.get(NONZERO_EXITS) + newer;
    }

    /**
     * Folds, then sums the kernel's count {@code index} over the seconds not yet folded for good
     * (0 when the reader counts). Read the folded total after this, never before.
     */
    private long unfolded(int index) {
        long n = 0;
        for (KernelCounts.Second s : fold()) {
            n += s.counts()[index];
        }
        return n;
    }
    /** Kernel timestamp to delivery, over the last minute; 0 when nothing was delivered in it. */
    public long latencyP50Micros() { return latency.percentile(0.50, System.nanoTime()); }
    /** As {@link #latencyP50Micros}, the 99th percentile. */
    public long latencyP99Micros() { return latency.percentile(0.99, System.nanoTime()); }
    public long latencyMaxMicros() { return latency.max(System.nanoTime()); }
}
