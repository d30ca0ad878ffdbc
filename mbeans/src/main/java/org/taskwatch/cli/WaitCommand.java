package org.taskwatch.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Set;
import org.taskwatch.monitor.MonitorSettings;
import org.taskwatch.monitor.TaskMonitor;

/**
 * {@code taskwatch wait PID [--timeout SECONDS]}: kmonitor's wait_on_pid for any process, not
 * only children. Exits with the process's status (128+N when killed by signal N), 3 on timeout,
 * 4 when there is no such process, 1 when the connector cannot be used.
 */
final class WaitCommand {
    static final int TIMEOUT = 3;
    static final int NO_SUCH_PROCESS = 4;
    /** It ended, but the event source (the /proc poller) could not learn how: not a made-up 0. */
    static final int STATUS_UNKNOWN = 255;

    private final PrintStream out;
    private final PrintStream err;

    WaitCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(Options o) {
        o.parse(Set.of("--timeout"), Set.of());
        if (o.positional().size() != 1) {
            throw new Options.UsageException("give exactly one PID");
        }
        int pid = Options.parseInt("PID", o.positional().get(0), 1, Integer.MAX_VALUE);
        int timeoutSeconds = o.intValue("--timeout", 0, 0, Integer.MAX_VALUE);
        try (TaskMonitor monitor = TaskMonitor.start(MonitorSettings.defaults())) {
            Runtime.getRuntime().addShutdownHook(new Thread(monitor::close));
            long left = timeoutSeconds == 0 ? Long.MAX_VALUE : timeoutSeconds * 1000L;
            TaskMonitor.WaitResult r;
            try {
                // one wait is at most a day: wait again while time (or no timeout) is left
                do {
                    long slice = Math.min(left, TaskMonitor.MAX_WAIT_MILLIS);
                    r = monitor.waitForExit(pid, slice);
                    left = left == Long.MAX_VALUE ? left : left - slice;
                } while (!r.exited() && left > 0);
            } catch (IllegalArgumentException e) {
                err.println("taskwatch wait: " + e.getMessage());
                return NO_SUCH_PROCESS;
            }
            if (!r.exited()) {
                out.println("pid " + pid + ": still running after " + timeoutSeconds + " s");
                return TIMEOUT;
            }
            if (r.status() == null || !r.status().known()) {
                out.println("pid " + pid + ": exited (status unknown)");
                return STATUS_UNKNOWN;
            }
            out.println("pid " + pid + ": " + r.status().describe());
            return r.status().shellStatus();
        } catch (IOException e) {
            err.println("taskwatch wait: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }
}
