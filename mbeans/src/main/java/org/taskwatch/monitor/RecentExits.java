package org.taskwatch.monitor;

import org.taskwatch.kernel.IntIntMap;

/**
 * A bounded cache of the most recent process exits of the whole system, so that
 * {@code waitForExit} can answer for a process that ended just before the call. Stored in
 * primitive arrays: recording an exit allocates nothing.
 *
 * <p>Threading: {@link #record} on the reader thread, {@link #find} from any thread; both
 * synchronize on this (uncontended almost always, and short).
 */
final class RecentExits {
    private final int[] pids;
    private final int[] statuses;
    private final long[] timestamps;
    private final IntIntMap slotByPid;
    private int next;
    private int size;

    RecentExits(int capacity) {
        pids = new int[capacity];
        statuses = new int[capacity];
        timestamps = new long[capacity];
        slotByPid = new IntIntMap(capacity);
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

    /** The most recent exit of {@code pid}: {wait status, timestamp}, or null. */
    synchronized long[] find(int pid) {
        int slot = slotByPid.get(pid, -1);
        return slot < 0 ? null : new long[] {statuses[slot], timestamps[slot]};
    }
}
