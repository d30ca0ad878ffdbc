package org.taskwatch.jolokia;

/** A request refused before Jolokia sees it: the HTTP status and what was wrong, in the caller's terms. */
final class Refusal extends Exception {
    private static final long serialVersionUID = 1L;

    final int status;

    Refusal(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }
}
