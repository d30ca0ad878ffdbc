package org.taskwatch.nagios;

import org.taskwatch.check.State;

/**
 * A check could not decide from data: the state (UNKNOWN, or CRITICAL for a missing pidfile) and
 * why; {@link #unreachable()} when the agent did not answer at all (refused, no answer in time, no
 * route), which {@code --health --raw} reports as the agent failed.
 */
final class CheckException extends Exception {
    private static final long serialVersionUID = 1L;
    private final State state;
    private final boolean unreachable;

    CheckException(String reason) {
        this(State.UNKNOWN, reason);
    }

    CheckException(State state, String reason) {
        this(state, reason, false);
    }

    private CheckException(State state, String reason, boolean unreachable) {
        super(reason);
        this.state = state;
        this.unreachable = unreachable;
    }

    /** The agent did not answer: nothing listens, no answer in time, no route to it. */
    static CheckException unreachable(String reason) {
        return new CheckException(State.UNKNOWN, reason, true);
    }

    boolean unreachable() {
        return unreachable;
    }

    State state() {
        return state;
    }
}
