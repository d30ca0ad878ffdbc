package org.taskwatch.nagios;

/** The four plugin states and their exit codes, per the monitoring-plugins guidelines. */
enum State {
    OK(0), WARNING(1), CRITICAL(2), UNKNOWN(3);

    final int code;

    State(int code) {
        this.code = code;
    }

    /** The more severe of the two; UNKNOWN ranks above CRITICAL, as it does for a check's outcome. */
    State worst(State other) {
        return other.code > code ? other : this;
    }
}
