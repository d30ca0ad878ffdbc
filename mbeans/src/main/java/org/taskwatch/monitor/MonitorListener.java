package org.taskwatch.monitor;

/** Receives delivered events on the delivery thread, never on the reader thread. */
public interface MonitorListener {
    void onEvent(MonitorEvent event);

    /**
     * Events were lost: {@code count} more since the last call (-1 when the kernel did not say
     * how many), and where: "socket buffer", "sequence gap", "overrun" or "handoff".
     */
    default void onLost(long count, String cause) {}
}
