package org.taskwatch.cli;

/**
 * For commands that run until SIGINT/SIGTERM: clean up (unsubscribe with IGNORE, close
 * sockets), then end the JVM with status 0, as a service manager expects of a clean stop
 * (a JVM otherwise exits 130/143 on those signals). The hook runs at every end of the JVM,
 * a command's own failure included: {@link #endWith} keeps that failure's status.
 */
final class Termination {
    private volatile int status;

    private Termination() {}

    static Termination onSignal(Runnable cleanup) {
        Termination t = new Termination();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                cleanup.run();
            } finally {
                Runtime.getRuntime().halt(t.status);
            }
        }, "taskwatch-shutdown"));
        return t;
    }

    /** The command failed after the hook was set: the JVM ends with {@code code}, not 0. */
    int endWith(int code) {
        status = code;
        return code;
    }
}
