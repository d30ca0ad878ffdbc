package org.taskwatch.cli;

/**
 * For commands that run until SIGINT/SIGTERM: clean up (unsubscribe with IGNORE, close
 * sockets), then end the JVM with status 0, as a service manager expects of a clean stop
 * (a JVM otherwise exits 130/143 on those signals).
 */
final class Termination {
    private Termination() {}

    static void onSignal(Runnable cleanup) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                cleanup.run();
            } finally {
                Runtime.getRuntime().halt(0);
            }
        }, "taskwatch-shutdown"));
    }
}
