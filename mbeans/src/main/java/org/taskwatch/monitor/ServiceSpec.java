package org.taskwatch.monitor;

import org.taskwatch.kernel.EventType;

/**
 * A declared watch as the configuration file gives it: a name, what it follows, and what is
 * expected of it. Two specs are equal when every part is: a reload keeps the state of a watch
 * whose spec did not change.
 *
 * @param name letters, digits, '_' and '-' (it is part of the MBean's name and of item keys)
 * @param kind what {@code target} is
 * @param target the regex, the pid file's path, the pid, the unit's name or the cgroup's path
 * @param descendants pidfile: follow the process's descendants too
 * @param mask the {@link EventType}s notified; always holds exit (and exec for a command watch): the state counts them
 * @param expect how many processes may run
 * @param restartWithinSeconds a start this soon after an exit of the same watch is a restart
 * @param crashLoopRestarts this many restarts ...
 * @param crashLoopWindowSeconds ... within this many seconds is a crash loop
 * @param exitWarningSeconds a non-zero exit makes the state a warning for this long
 */
public record ServiceSpec(String name, Kind kind, String target, boolean descendants, int mask, Expectation expect,
        int restartWithinSeconds, int crashLoopRestarts, int crashLoopWindowSeconds, int exitWarningSeconds) {

    /** What a declared watch follows. */
    public enum Kind {
        /** Every process whose command matches a regex: those running at start, those exec'd later, and their forks. */
        COMMAND,
        /** The process a pid file names (and its descendants, optionally), followed when the file names another. */
        PIDFILE,
        /** One process. */
        PID,
        /** A process and its descendants. */
        TREE,
        /** Every process of a systemd unit (its cgroup and below), present and to come. */
        UNIT,
        /** Every process in a cgroup and below it, present and to come. */
        CGROUP;

        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The events the state needs whatever the file says. */
    public static int requiredMask(Kind kind) {
        return kind == Kind.COMMAND || kind == Kind.UNIT || kind == Kind.CGROUP
                ? EventType.EXEC.bit() | EventType.EXIT.bit() : EventType.EXIT.bit();
    }

    /** As the file writes it: {@code command:^/usr/sbin/nginx}. */
    public String match() {
        return kind.word() + ":" + target;
    }
}
