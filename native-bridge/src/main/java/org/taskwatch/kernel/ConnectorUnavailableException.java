package org.taskwatch.kernel;

import java.io.IOException;

/** The proc connector cannot be used here; the message says why and what to do about it. */
public final class ConnectorUnavailableException extends IOException {
    private static final long serialVersionUID = 1L;

    public ConnectorUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
