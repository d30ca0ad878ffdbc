package org.taskwatch.monitor;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * System-wide event counts per second for the last {@link #MAX_WINDOW_SECONDS}, so that rates
 * and recent loss can be asked for any window up to an hour ({@code eventCounts},
 * {@code health}, check_taskwatch {@code --rate}). A ring of one slot per second, indexed by
 * the event's CLOCK_MONOTONIC second: recording is two array writes, no allocation, no lock.
 *
 * <p>Threading: one writer at a time (the event source's thread: {@link #record}, {@link #lost};
 * or, when the kernel counts, {@link Statistics#fold} under its lock, with {@link #lost} from the
 * reader, which writes only the current second); any thread reads. A reader racing the writer
 * may see a second's slot just reset: counts are point-in-time and may be off by the events of
 * the current second, never more.
 */
final class EventWindow {
    static final int MAX_WINDOW_SECONDS = 3600;
    static final int FORKS = 0;
    static final int EXECS = 1;
    static final int EXITS = 2;
    static final int NONZERO_EXITS = 3;
    static final int LOST = 4;
    private static final int KINDS = 5;
    private static final int SLOTS = MAX_WINDOW_SECONDS + 1; // the current, partial second too

    private final AtomicLongArray slotSecond = new AtomicLongArray(SLOTS);
    private final AtomicLongArray counts = new AtomicLongArray(SLOTS * KINDS);
    private final long startSecond;

    EventWindow(long nowNanos) {
        startSecond = second(nowNanos);
        for (int i = 0; i < SLOTS; i++) {
            slotSecond.set(i, Long.MIN_VALUE);
        }
    }

    static long second(long monotonicNanos) {
        return TimeUnit.NANOSECONDS.toSeconds(monotonicNanos);
    }

    /** Counts one event of {@code kind} at kernel time {@code timestampNanos}. */
    void record(int kind, long timestampNanos) {
        add(kind, second(timestampNanos), 1);
    }

    void lost(long n, long nowNanos) {
        add(LOST, second(nowNanos), n);
    }

    /** Adds {@code n} events of {@code kind} to second {@code sec} (the kernel's folded counts). */
    void add(int kind, long sec, long n) {
        if (n == 0) {
            return;
        }
        int slot = (int) Math.floorMod(sec, (long) SLOTS);
        long held = slotSecond.get(slot);
        if (held != sec) {
            if (held > sec) {
                return; // older than the ring (a late event from a stalled CPU): too old to count
            }
            for (int k = 0; k < KINDS; k++) {
                counts.lazySet(slot * KINDS + k, 0);
            }
            slotSecond.set(slot, sec);
        }
        int i = slot * KINDS + kind;
        counts.lazySet(i, counts.get(i) + n);
    }

    /**
     * Counts over the last {@code windowSeconds} up to {@code nowNanos}: one entry per kind, and
     * a last entry with how many seconds of that window the monitor has actually been running.
     */
    long[] count(int windowSeconds, long nowNanos) {
        if (windowSeconds <= 0 || windowSeconds > MAX_WINDOW_SECONDS) {
            throw new IllegalArgumentException("windowSeconds: must be 1 to " + MAX_WINDOW_SECONDS + ", got "
                    + windowSeconds);
        }
        long now = second(nowNanos);
        long from = now - windowSeconds; // exclusive: the window is (from, now]
        long[] out = new long[KINDS + 1];
        for (int slot = 0; slot < SLOTS; slot++) {
            long sec = slotSecond.get(slot);
            if (sec > from && sec <= now) {
                for (int k = 0; k < KINDS; k++) {
                    out[k] += counts.get(slot * KINDS + k);
                }
            }
        }
        out[KINDS] = Math.max(1, Math.min(windowSeconds, now - startSecond + 1));
        return out;
    }
}
