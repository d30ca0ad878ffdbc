package org.taskwatch.monitor;

import java.util.concurrent.atomic.AtomicLongArray;
import org.taskwatch.kernel.EventType;

/**
 * The monitor's counters. Every number is a point-in-time value. Per-type counts and
 * {@code received} are written by the reader thread only (single writer, lazySet: no lock, no
 * allocation); delivery counts by the delivery thread; anyone reads.
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

    void received(EventType type, boolean nonZeroExit, long timestampNanos) {
        bump(counters, RECEIVED);
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
        long[] c = window.count(windowSeconds, System.nanoTime());
        return new WindowCounts(c[EventWindow.FORKS], c[EventWindow.EXECS], c[EventWindow.EXITS],
                c[EventWindow.NONZERO_EXITS], c[EventWindow.LOST], c[c.length - 1]);
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
    public long count(EventType type) { return byType.get(type.ordinal()); }
    public long nonZeroExits() { return counters.get(NONZERO_EXITS); }
    /** Kernel timestamp to delivery, over the last minute; 0 when nothing was delivered in it. */
    public long latencyP50Micros() { return latency.percentile(0.50, System.nanoTime()); }
    /** As {@link #latencyP50Micros}, the 99th percentile. */
    public long latencyP99Micros() { return latency.percentile(0.99, System.nanoTime()); }
    public long latencyMaxMicros() { return latency.max(System.nanoTime()); }
}
