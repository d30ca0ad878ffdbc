package org.taskwatch.kernel;

/**
 * An {@link EventHandler} as an event source's thread calls it: whatever the handler throws is
 * counted and passed to its {@code onError}, and the source goes on. Both sources (the proc
 * connector's reader and the /proc poller) call their handler only through this.
 *
 * <p>Threading: called by the source's one thread; {@link #errors} read by anyone.
 */
final class GuardedHandler {
    private final EventHandler handler;
    private volatile long errors;

    GuardedHandler(EventHandler handler) {
        this.handler = handler;
    }

    void start() {
        try {
            handler.onStart();
        } catch (RuntimeException e) {
            errors++;
            error(e);
        }
    }

    void batch() {
        try {
            handler.onBatch();
        } catch (RuntimeException | Error e) {
            errors++;
            error(e);
        }
    }

    void event(EventFrame frame) {
        try {
            handler.onEvent(frame);
        } catch (RuntimeException | Error e) { // a handler bug must not stop the stream
            errors++;
            error(e);
        }
    }

    void loss(long count, String cause) {
        try {
            handler.onLoss(count, cause);
        } catch (RuntimeException e) {
            errors++;
            error(e);
        }
    }

    void error(Throwable t) {
        try {
            handler.onError(t);
        } catch (RuntimeException ignored) {
            // the error handler itself failed: nothing sensible is left to tell
        }
    }

    /** Exceptions the handler threw. */
    long errors() {
        return errors;
    }
}
