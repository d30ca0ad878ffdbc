package org.taskwatch.monitor;

/** What a watch follows. */
public enum WatchKind {
    /** One process, bound to its identity (pid and start time); ends after its exit. */
    PROCESS,
    /** A process and all its descendants, alive now and to come; ends when the last one has exited. */
    TREE,
    /** Every process whose command (comm, exe path or command line) matches a regex at exec. */
    COMMAND,
    /** Every process of the system ({@code watchTree(1, ...)}). */
    ALL,
    /**
     * Every process in a cgroup and below it ({@code unit:NAME}, {@code cgroup:PATH}), present and
     * to come: found by a scan, then followed at fork and exec and by periodic rescans.
     */
    CGROUP
}
