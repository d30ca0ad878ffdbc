package org.taskwatch.kernel;

/**
 * One count of lost events from the reader's two measures of loss, which overlap. The socket's
 * drop counter ({@code SO_MEMINFO}) counts the messages the kernel could not queue, as they are
 * dropped; the per-CPU sequence gaps count every message missing from a CPU's sequence, dropped
 * at the socket or lost before it, once that CPU's next message arrives. While no kernel filter
 * is on, every drop is therefore also a gap, and adding the two counted each lost event twice.
 *
 * <p>So: drops seen while gaps were counted are the same events as gaps, and the loss is the
 * larger of the two (the drops come first, the gaps catch up and add what was lost elsewhere);
 * drops while a kernel filter was on (and gaps were not counted) add to it. Exact while the filter
 * stays as it is; across a filter change a drop is counted with the side its reading fell in.
 *
 * <p>Threading: the reader thread only.
 */
final class LossCount {
    private long gaps;
    private long drops;
    private long dropsSeenAsGaps;
    private long dropsNotSeenAsGaps;
    private long counted;

    /** @param drops the socket's drop counter when the reader started on it */
    LossCount(long drops) {
        this.drops = Math.max(0, drops);
    }

    /** The connector's sequence gaps now (a total); returns how many more events to report lost. */
    long gaps(long total) {
        gaps = Math.max(gaps, total);
        return more();
    }

    /**
     * The socket's drop counter now (a total; negative when it could not be read), and whether
     * sequence gaps were counted all the time since the last reading; returns how many more events
     * to report lost.
     */
    long drops(long total, boolean gapsCounted) {
        if (total > drops) {
            if (gapsCounted) {
                dropsSeenAsGaps += total - drops;
            } else {
                dropsNotSeenAsGaps += total - drops;
            }
            drops = total;
        }
        return more();
    }

    /** Lost events counted so far. */
    long total() {
        return counted;
    }

    private long more() {
        long now = Math.max(gaps, dropsSeenAsGaps) + dropsNotSeenAsGaps;
        long more = now - counted;
        counted = now;
        return more;
    }
}
