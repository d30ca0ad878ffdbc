package org.taskwatch.monitor;

import org.taskwatch.kernel.EventFrame;
import org.taskwatch.kernel.EventType;

/**
 * A bounded history of the fork, exec and exit events of processes that match one command
 * pattern, behind {@code summary(regex, window)}. Primitive ring buffer: recording allocates
 * nothing. Threading: {@link #record} on the reader thread, {@link #count} from any thread;
 * both synchronize on this.
 */
final class CommandHistory implements FrameSink {
    private final long[] timestamps;
    private final byte[] types;
    private final int[] statuses;
    private int next;
    private int size;
    private final long createdNanos = System.nanoTime();
    volatile long lastUsedNanos = createdNanos;
    final Watch watch;

    CommandHistory(int capacity, Watch watch) {
        timestamps = new long[capacity];
        types = new byte[capacity];
        statuses = new int[capacity];
        this.watch = watch;
    }

    @Override
    public synchronized void record(EventFrame f) {
        timestamps[next] = f.timestampNanos();
        types[next] = (byte) f.type().ordinal();
        statuses[next] = f.waitStatus();
        next = (next + 1) % timestamps.length;
        size = Math.min(size + 1, timestamps.length);
    }

    /** {forks, execs, exits, nonZeroExits, lastExitCode (-1 if none)} since {@code sinceNanos}. */
    synchronized long[] count(long sinceNanos) {
        long forks = 0, execs = 0, exits = 0, nonZero = 0, lastExit = -1, lastTs = Long.MIN_VALUE;
        for (int i = 0; i < size; i++) {
            if (timestamps[i] < sinceNanos) {
                continue;
            }
            EventType t = EventType.values()[types[i]];
            if (t == EventType.FORK) {
                forks++;
            } else if (t == EventType.EXEC) {
                execs++;
            } else if (t == EventType.EXIT) {
                exits++;
                int code = org.taskwatch.kernel.ExitStatus.fromWaitStatus(statuses[i]).shellStatus();
                if (code > 0) { // -1: a status the event source could not learn, not a failure
                    nonZero++;
                }
                if (timestamps[i] > lastTs) {
                    lastTs = timestamps[i];
                    lastExit = code;
                }
            }
        }
        return new long[] {forks, execs, exits, nonZero, lastExit};
    }

    /** How far back this history reaches: it only knows what happened since it was created. */
    long createdNanos() {
        return createdNanos;
    }
}
