package org.taskwatch.monitor;

/**
 * Receives delivered events, one call at a time and in order: on the delivery thread, or, for
 * {@link #direct} listeners while the rate is low, on the reader thread (never both at once).
 */
public interface MonitorListener {
    void onEvent(MonitorEvent event);

    /**
     * Events were lost: {@code count} more since the last call (-1 when the kernel did not say
     * how many), and where: "socket buffer", "sequence gap", "overrun" or "handoff".
     */
    default void onLost(long count, String cause) {}

    /**
     * Whether this listener returns promptly without waiting on other threads or the network
     * (writing to its own output, which may block as a terminal's does, is allowed). When every
     * listener says so, the reader thread delivers an event itself while nothing is queued and it
     * is not behind, instead of waking the delivery thread for each event: at an ordinary rate
     * that is half the thread wake-ups. The default, false, keeps every event on the delivery
     * thread.
     */
    default boolean direct() {
        return false;
    }

    /** A run of events delivered together has ended (nothing more is queued now): a time to flush output. */
    default void onIdle() {}
}
