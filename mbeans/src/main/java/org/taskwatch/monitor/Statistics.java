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
    private final AtomicLongArray counters = new AtomicLongArray(5);
    private static final int RECEIVED = 0;
    private static final int DELIVERED = 1;
    private static final int LOST = 2;
    private static final int NONZERO_EXITS = 3;
    private static final int HANDOFF_FULL = 4;
    private final LatencyHistogram latency = new LatencyHistogram();

    void received(EventType type, boolean nonZeroExit) {
        bump(counters, RECEIVED);
        bump(byType, type.ordinal());
        if (nonZeroExit) {
            bump(counters, NONZERO_EXITS);
        }
    }

    void delivered(long latencyMicros) {
        bump(counters, DELIVERED);
        latency.record(latencyMicros);
    }

    void lost(long n) {
        counters.addAndGet(LOST, n);
    }

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
    public long latencyP50Micros() { return latency.percentile(0.50); }
    public long latencyP99Micros() { return latency.percentile(0.99); }
    public long latencyMaxMicros() { return latency.max(); }
}
