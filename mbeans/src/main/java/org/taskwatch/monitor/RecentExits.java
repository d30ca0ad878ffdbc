package org.taskwatch.monitor;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.taskwatch.kernel.IntIntMap;
import org.taskwatch.kernel.KernelCounts;
import org.taskwatch.kernel.NativeException;

/**
 * A bounded cache of the most recent process exits of the whole system, so that
 * {@code waitForExit} and {@code processStatus} can answer for a process that ended before the
 * call. Stored in primitive arrays: recording an exit allocates nothing.
 *
 * <p>Beside the ring, the exits of watched processes are {@link #keep kept} for as long as their
 * Watch MBean shows them ({@code endedWatchSeconds}), however many other exits follow: a storm
 * must not make a watched process's end unanswerable while its MBean still shows it.
 *
 * <p>When the kernel counts, it also keeps every process's exit ({@link #alsoAsk}); {@link #find}
 * answers with the later of the two.
 *
 * <p>Threading: {@link #record} and {@link #keep} on the reader thread, {@link #find} from any
 * thread; all synchronize on this (uncontended almost always, and short).
 */
final class RecentExits {
    private final int[] pids;
    private final int[] statuses;
    private final long[] timestamps;
    private final IntIntMap slotByPid;
    private int next;
    private int size;
    /** Exits of watched processes: pid to {wait status, timestamp, kept at (System.nanoTime)}, oldest first. */
    private final Map<Integer, long[]> kept = new LinkedHashMap<>();
    private final int maxKept;
    private final long keepNanos;
    private volatile KernelCounts kernel;

    /**
     * @param capacity exits of any process in the ring
     * @param maxKept watched processes' exits kept beside it at most (the watch limit)
     * @param keepSeconds how long each is kept
     */
    RecentExits(int capacity, int maxKept, int keepSeconds) {
        pids = new int[capacity];
        statuses = new int[capacity];
        timestamps = new long[capacity];
        slotByPid = new IntIntMap(capacity);
        this.maxKept = maxKept;
        this.keepNanos = TimeUnit.SECONDS.toNanos(keepSeconds);
    }

    /** Keeps a watched process's exit for {@code keepSeconds}, beside the ring. */
    synchronized void keep(int pid, int waitStatus, long timestampNanos) {
        long now = System.nanoTime();
        expire(now);
        if (keepNanos == 0 || maxKept == 0) {
            return;
        }
        kept.remove(pid); // re-inserted last: the order stays the order of keeping
        if (kept.size() >= maxKept) {
            Iterator<long[]> oldest = kept.values().iterator();
            oldest.next();
            oldest.remove();
        }
        kept.put(pid, new long[] {waitStatus, timestampNanos, now});
    }

    private void expire(long now) {
        for (Iterator<long[]> it = kept.values().iterator(); it.hasNext(); ) {
            if (now - it.next()[2] < keepNanos) {
                return;
            }
            it.remove();
        }
    }

    synchronized void record(int pid, int waitStatus, long timestampNanos) {
        if (size == pids.length) {
            int old = pids[next];
            if (slotByPid.get(old, -1) == next) {
                slotByPid.remove(old, -1);
            }
        } else {
            size++;
        }
        pids[next] = pid;
        statuses[next] = waitStatus;
        timestamps[next] = timestampNanos;
        slotByPid.put(pid, next, -1);
        next = (next + 1) % pids.length;
    }

    /**
     * Also asks {@code k} in {@link #find}: the kernel keeps every process's exit, also those a
     * kernel filter kept from the reader.
     */
    void alsoAsk(KernelCounts k) {
        this.kernel = k;
    }

    /** The most recent exit of {@code pid}: {wait status, timestamp}, or null. */
    long[] find(int pid) {
        long[] mine = findHere(pid);
        KernelCounts k = kernel;
        if (k == null) {
            return mine;
        }
        long[] theKernels;
        try {
            theKernels = k.exitOf(pid);
        } catch (NativeException e) {
            return mine; // the ring still answers for what reached the reader
        }
        return theKernels == null || mine != null && mine[1] >= theKernels[1] ? mine : theKernels;
    }

    private synchronized long[] findHere(int pid) {
        int slot = slotByPid.get(pid, -1);
        long[] inRing = slot < 0 ? null : new long[] {statuses[slot], timestamps[slot]};
        expire(System.nanoTime());
        long[] k = kept.isEmpty() ? null : kept.get(pid);
        if (k == null) {
            return inRing;
        }
        // the later of the two: a reused pid's later exit is in the ring
        return inRing != null && inRing[1] >= k[1] ? inRing : new long[] {k[0], k[1]};
    }
}
