package org.taskwatch.nagios;

/** A check could not decide from data: the state (UNKNOWN, or CRITICAL for a missing pidfile) and why. */
final class CheckException extends Exception {
    private static final long serialVersionUID = 1L;
    private final State state;

    CheckException(String reason) {
        this(State.UNKNOWN, reason);
    }

    CheckException(State state, String reason) {
        super(reason);
        this.state = state;
    }

    State state() {
        return state;
    }
}
