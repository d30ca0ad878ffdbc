package org.taskwatch.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The latency percentiles cover the last minute, on a clock the test sets. */
class LatencyHistogramTest {
    private static final long S = 1_000_000_000L;
    private static final long T0 = 123_456 * S; // any monotonic reading

    @Test
    void emptyIsZero() {
        LatencyHistogram h = new LatencyHistogram();
        assertEquals(0, h.percentile(0.5, T0));
        assertEquals(0, h.percentile(0.99, T0));
        assertEquals(0, h.max(T0));
    }

    @Test
    void percentilesAreWithinABucketOfTheTruth() {
        LatencyHistogram h = new LatencyHistogram();
        for (int v = 1; v <= 1000; v++) {
            h.record(v, T0);
        }
        long p50 = h.percentile(0.5, T0);
        long p99 = h.percentile(0.99, T0);
        assertTrue(p50 >= 500 && p50 <= 500 * 1.07, "p50 " + p50);
        assertTrue(p99 >= 990 && p99 <= 1000, "p99 " + p99 + " (never above the largest sample)");
        assertEquals(1000, h.max(T0));
    }

    @Test
    void aMinuteLaterTheOldSamplesNoLongerCount() {
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 0; i < 100; i++) {
            h.record(50_000, T0); // a bad minute: 50 ms
        }
        assertEquals(50_000, h.max(T0 + 30 * S), "still in the window half a minute later");
        assertTrue(h.percentile(0.5, T0 + 30 * S) >= 50_000);
        for (int i = 0; i < 100; i++) {
            h.record(100, T0 + 75 * S); // a good one now
        }
        long p99 = h.percentile(0.99, T0 + 75 * S);
        assertTrue(p99 >= 100 && p99 <= 107, "only the last minute counts: p99 " + p99);
        assertEquals(100, h.max(T0 + 75 * S));
        assertEquals(0, h.percentile(0.5, T0 + 200 * S), "nothing delivered in the last minute");
    }

    @Test
    void slotsAreReusedAsTimeGoesOn() {
        LatencyHistogram h = new LatencyHistogram();
        // an hour of one sample a second, each second's value its minute's number: the window
        // always holds the last 60 to 70 seconds only
        for (int sec = 0; sec < 3600; sec++) {
            h.record(sec / 60 + 1, T0 + sec * S);
        }
        long now = T0 + 3599 * S;
        assertEquals(60, h.max(now));
        assertTrue(h.percentile(0.01, now) >= 59, "nothing older than 70 s: " + h.percentile(0.01, now));
    }
}
