package org.taskwatch.kernel;

/**
 * What the reader thread calls. Runs on the reader thread: an implementation must return
 * quickly and never block (hand off anything slow), or the kernel's buffer overflows.
 */
public interface EventHandler {
    /** One event; {@code frame} is reused after this returns. */
    void onEvent(EventFrame frame);

    /**
     * Events were lost before they reached taskwatch.
     *
     * @param count how many, or -1 when the kernel did not say (ENOBUFS)
     * @param cause where they were lost: "socket buffer", "sequence gap", "overrun"
     */
    default void onLoss(long count, String cause) {}

    /** The reader caught this and goes on (or, for a socket failure, stops). */
    default void onError(Throwable error) {}
}
