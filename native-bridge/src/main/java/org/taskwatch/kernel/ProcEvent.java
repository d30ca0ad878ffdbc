package org.taskwatch.kernel;

/**
 * An immutable process event, one record per kind. Every event names the task it is about
 * ({@code pid}, the thread id, and {@code tgid}, the process id), the parent process
 * ({@code ppid}, 0 where unknown), the CPU that sent it (-1 for the /proc poller) and the
 * kernel's CLOCK_MONOTONIC timestamp (for the poller, when its scan saw the change). Pids are
 * those of the initial pid namespace for the proc connector, and of taskwatch's own pid
 * namespace for the poller.
 */
public sealed interface ProcEvent {
    EventType type();
    int cpu();
    long timestampNanos();
    int pid();
    int tgid();
    int ppid();

    /**
     * One line for people: what happened to which pid ("fork pid 10 -> child 11", "exec pid 11",
     * "exit pid 11: exited with status 3", "thread exit pid 12: ..."). The notification message
     * and a watch's LastEvent both say this.
     */
    default String describe() {
        String what = type().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + " pid " + pid();
        if (this instanceof Fork f) {
            return what + " -> child " + f.childPid();
        }
        if (this instanceof Exit x) {
            return what + ": " + x.status().describe();
        }
        if (this instanceof ThreadExit x) {
            return what + ": " + x.status().describe();
        }
        return what;
    }

    /** A new process: {@code pid}/{@code tgid} forked it, {@code childPid}/{@code childTgid} is the new one. */
    record Fork(int cpu, long timestampNanos, int pid, int tgid, int ppid, int childPid, int childTgid)
            implements ProcEvent {
        public EventType type() { return EventType.FORK; }
    }

    /** A new thread {@code pid} in process {@code tgid}. */
    record ThreadCreate(int cpu, long timestampNanos, int pid, int tgid, int ppid) implements ProcEvent {
        public EventType type() { return EventType.THREAD_CREATE; }
    }

    record Exec(int cpu, long timestampNanos, int pid, int tgid, int ppid) implements ProcEvent {
        public EventType type() { return EventType.EXEC; }
    }

    /**
     * The process is gone: its last thread exited, {@code status} is the process's, or
     * {@link ExitStatus#UNKNOWN} when the source could not learn it (see {@link ExitStatus#known()}).
     */
    record Exit(int cpu, long timestampNanos, int pid, int tgid, int ppid, ExitStatus status) implements ProcEvent {
        public EventType type() { return EventType.EXIT; }
    }

    /** One thread ended; the process may go on. */
    record ThreadExit(int cpu, long timestampNanos, int pid, int tgid, int ppid, ExitStatus status)
            implements ProcEvent {
        public EventType type() { return EventType.THREAD_EXIT; }
    }

    /** The task renamed itself ({@code prctl(PR_SET_NAME)} or a write to {@code /proc/PID/comm}). */
    record Comm(int cpu, long timestampNanos, int pid, int tgid, int ppid, String comm) implements ProcEvent {
        public EventType type() { return EventType.COMM; }
    }

    record Uid(int cpu, long timestampNanos, int pid, int tgid, int ppid, int ruid, int euid) implements ProcEvent {
        public EventType type() { return EventType.UID; }
    }

    record Gid(int cpu, long timestampNanos, int pid, int tgid, int ppid, int rgid, int egid) implements ProcEvent {
        public EventType type() { return EventType.GID; }
    }

    record Sid(int cpu, long timestampNanos, int pid, int tgid, int ppid) implements ProcEvent {
        public EventType type() { return EventType.SID; }
    }

    record Ptrace(int cpu, long timestampNanos, int pid, int tgid, int ppid, int tracerPid, int tracerTgid)
            implements ProcEvent {
        public EventType type() { return EventType.PTRACE; }
    }

    record Coredump(int cpu, long timestampNanos, int pid, int tgid, int ppid) implements ProcEvent {
        public EventType type() { return EventType.COREDUMP; }
    }
}
