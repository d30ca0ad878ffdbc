package org.taskwatch.monitor;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Latencies in microseconds over the last minute, for the {@code LatencyP50Micros} and {@code
 * LatencyP99Micros} attributes: a monitoring system polling them sees how the agent does now,
 * not the average of its whole life. Seven slots of ten seconds, each a histogram with buckets
 * of about 6% width (16 sub-buckets per power of two) from 1 us to about 70 minutes; a
 * percentile merges the slots of the last 60 seconds (the current one partly filled, so the
 * window covers 60 to 70 seconds). Fixed memory, no allocation per sample. Written by one
 * thread (delivery), read by any; a reader racing a slot's reuse may miscount that one slot's
 * samples for a moment, which a percentile of a minute does not notice.
 */
final class LatencyHistogram {
    static final long SLOT_NANOS = 10_000_000_000L;
    static final int WINDOW_SLOTS = 6;
    private static final int SLOTS = WINDOW_SLOTS + 1;
    private static final int SUB = 16;
    private static final int BUCKETS = 32 * SUB;
    private final AtomicLongArray counts = new AtomicLongArray(SLOTS * BUCKETS);
    private final AtomicLongArray maxima = new AtomicLongArray(SLOTS);
    /** Which ten-second period each slot holds ({@code nanos / SLOT_NANOS}); {@link #NONE}: none. */
    private final AtomicLongArray periods = new AtomicLongArray(SLOTS);
    private static final long NONE = Long.MIN_VALUE;

    LatencyHistogram() {
        for (int s = 0; s < SLOTS; s++) {
            periods.set(s, NONE);
        }
    }

    /** One sample, delivered at {@code nowNanos} ({@link System#nanoTime()}). */
    void record(long micros, long nowNanos) {
        long period = Math.floorDiv(nowNanos, SLOT_NANOS);
        int slot = Math.floorMod(period, SLOTS);
        if (periods.get(slot) != period) {
            periods.set(slot, NONE); // readers skip it while it is cleared
            for (int i = slot * BUCKETS; i < (slot + 1) * BUCKETS; i++) {
                counts.lazySet(i, 0);
            }
            maxima.set(slot, 0);
            periods.set(slot, period);
        }
        long v = Math.max(0, micros);
        int i = slot * BUCKETS + bucket(v);
        counts.lazySet(i, counts.get(i) + 1);
        if (v > maxima.get(slot)) {
            maxima.lazySet(slot, v);
        }
    }

    /** The largest sample of the last minute, 0 when none. */
    long max(long nowNanos) {
        long period = Math.floorDiv(nowNanos, SLOT_NANOS);
        long max = 0;
        for (int s = 0; s < SLOTS; s++) {
            if (inWindow(periods.get(s), period)) {
                max = Math.max(max, maxima.get(s));
            }
        }
        return max;
    }

    /**
     * The value below which {@code fraction} of the last minute's samples lie (the upper bound
     * of its bucket, at most the largest sample), 0 when there were none.
     */
    long percentile(double fraction, long nowNanos) {
        long period = Math.floorDiv(nowNanos, SLOT_NANOS);
        boolean[] use = new boolean[SLOTS];
        long total = 0;
        for (int s = 0; s < SLOTS; s++) {
            use[s] = inWindow(periods.get(s), period);
            for (int b = 0; use[s] && b < BUCKETS; b++) {
                total += counts.get(s * BUCKETS + b);
            }
        }
        if (total == 0) {
            return 0;
        }
        long max = max(nowNanos);
        long want = (long) Math.ceil(total * fraction);
        long seen = 0;
        for (int b = 0; b < BUCKETS; b++) {
            for (int s = 0; s < SLOTS; s++) {
                if (use[s]) {
                    seen += counts.get(s * BUCKETS + b);
                }
            }
            if (seen >= want) {
                return Math.min(upperBound(b), max);
            }
        }
        return max;
    }

    private static boolean inWindow(long slotPeriod, long nowPeriod) {
        return slotPeriod != NONE && slotPeriod <= nowPeriod && slotPeriod > nowPeriod - SLOTS;
    }

    static int bucket(long v) {
        if (v < SUB) {
            return (int) v;
        }
        int exp = 63 - Long.numberOfLeadingZeros(v); // >= 4
        int sub = (int) (v >>> (exp - 4)) & (SUB - 1);
        return Math.min(BUCKETS - 1, (exp - 3) * SUB + sub);
    }

    static long upperBound(int bucket) {
        if (bucket < SUB) {
            return bucket;
        }
        int exp = bucket / SUB + 3;
        int sub = bucket % SUB;
        return ((long) (SUB + sub + 1) << (exp - 4)) - 1;
    }
}
