package org.taskwatch.check;

/** The four plugin states and their exit codes, per the monitoring-plugins guidelines. */
public enum State {
    OK(0), WARNING(1), CRITICAL(2), UNKNOWN(3);

    /** The plugin exit code, and the state number Nagios and Icinga read. */
    public final int code;

    State(int code) {
        this.code = code;
    }

    /** The more severe of the two; UNKNOWN ranks above CRITICAL, as it does for a check's outcome. */
    public State worst(State other) {
        return other.code > code ? other : this;
    }
}
