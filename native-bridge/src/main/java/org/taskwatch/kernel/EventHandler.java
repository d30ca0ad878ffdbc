package org.taskwatch.kernel;

/**
 * What an {@link EventSource}'s thread calls: the netlink reader's, or the /proc poller's. Runs
 * on that thread: an implementation must return quickly and never block (hand off anything
 * slow), or the kernel's buffer overflows (netlink) or the next scan comes late (procfs).
 */
public interface EventHandler {
    /** Once, on the source's thread, before anything else: for what must run on that thread. */
    default void onStart() {}

    /**
     * The netlink reader received a batch of datagrams, and calls this before their first event:
     * for what must see everything the kernel queued elsewhere before those events (taskstats
     * records come before the exits they describe). The /proc poller does not call it.
     */
    default void onBatch() {}

    /** One event; {@code frame} is reused after this returns. */
    void onEvent(EventFrame frame);

    /**
     * Events were lost before they reached taskwatch. Only the netlink source counts loss: what
     * the poller misses between two scans it cannot count (it is degraded instead).
     *
     * @param count how many, or -1 when the kernel did not say (ENOBUFS)
     * @param cause where they were lost: "socket buffer", "sequence gap", "overrun"
     */
    default void onLoss(long count, String cause) {}

    /** The reader caught this and goes on (or, for a socket failure, stops). */
    default void onError(Throwable error) {}
}
