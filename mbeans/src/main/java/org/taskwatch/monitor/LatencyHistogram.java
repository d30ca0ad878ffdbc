package org.taskwatch.monitor;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Latencies in microseconds, in buckets of about 6% width (16 sub-buckets per power of two),
 * from 1 us to about 70 minutes: percentiles to within a few percent, fixed memory, no
 * allocation per sample. Written by one thread, read by any.
 */
final class LatencyHistogram {
    private static final int SUB = 16;
    private static final int BUCKETS = 32 * SUB;
    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
    private volatile long max;

    void record(long micros) {
        int b = bucket(Math.max(0, micros));
        counts.lazySet(b, counts.get(b) + 1);
        if (micros > max) {
            max = micros;
        }
    }

    long max() {
        return max;
    }

    /** The value below which {@code fraction} of samples lie (upper bucket bound), 0 when empty. */
    long percentile(double fraction) {
        long total = 0;
        for (int i = 0; i < BUCKETS; i++) {
            total += counts.get(i);
        }
        if (total == 0) {
            return 0;
        }
        long want = (long) Math.ceil(total * fraction);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts.get(i);
            if (seen >= want) {
                return Math.min(upperBound(i), max);
            }
        }
        return max;
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
