package org.taskwatch.jmx;

/** {@code org.taskwatch:type=Watch,id=N}: one watch. Point-in-time values. */
public interface WatchMXBean {
    /** process, tree, command or all. */
    String getKind();

    String getTarget();

    String getEvents();

    long getMatched();

    /** Command searches given up because the pattern backtracked too much (counted as no match). */
    long getAbandonedMatches();

    String getLastEvent();

    /**
     * The client the watch ends with ({@code JMX connection ID}, {@code Jolokia client ID}), or
     * empty: it stays until unwatched.
     */
    String getOwner();

    /**
     * How the watched process ended, as in the exit notification's {@code exitCode}: the status
     * it passed to exit (0-255), 0 when killed by a signal, -1 when unknown; null while it runs.
     */
    Integer getExitCode();

    /** The signal that killed the watched process, 0 if none, -1 when unknown; null while it runs. */
    Integer getSignal();

    /** Whether the watched process dumped core; null while it runs. */
    Boolean getCoreDumped();
}
