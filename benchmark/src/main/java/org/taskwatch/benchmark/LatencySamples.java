package org.taskwatch.benchmark;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Kernel-to-listener latencies, kept one by one so that percentiles are exact. One thread
 * records (the listener's); any thread reads a range by its {@link #mark}s. Beyond the capacity
 * samples are counted but not kept.
 */
final class LatencySamples {
    private final long[] nanos;
    private final AtomicInteger count = new AtomicInteger(); // published after the sample is written
    private volatile long dropped;

    LatencySamples(int capacity) {
        nanos = new long[capacity];
    }

    /** Records one latency; called by the one listener thread. */
    void record(long latencyNanos) {
        int n = count.get();
        if (n < nanos.length) {
            nanos[n] = latencyNanos;
            count.lazySet(n + 1);
        } else {
            dropped++; // single writer
        }
    }

    /** A position to measure from or to. */
    int mark() {
        return count.get();
    }

    long dropped() {
        return dropped;
    }

    /** p50, p99 and max in microseconds of the samples between two marks, or null when there are none. */
    long[] percentilesMicros(int from, int to) {
        if (to <= from) {
            return null;
        }
        long[] s = Arrays.copyOfRange(nanos, from, to);
        Arrays.sort(s);
        return new long[] {at(s, 0.50) / 1000, at(s, 0.99) / 1000, s[s.length - 1] / 1000};
    }

    private static long at(long[] sorted, double fraction) {
        int i = (int) Math.ceil(sorted.length * fraction) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
