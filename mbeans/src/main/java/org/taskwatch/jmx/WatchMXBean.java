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

    /** The watched process's exit status (128+N when killed by signal N), or null while it runs. */
    Integer getExitCode();
}
