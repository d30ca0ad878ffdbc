package org.taskwatch.nagios;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.taskwatch.check.Perfdata;
import org.taskwatch.check.State;

/**
 * {@code --alive PID} and {@code --pidfile FILE}: OK while the process runs, CRITICAL when it is
 * gone, naming how it ended when the agent saw the exit. One call: {@code processStatus(pid)}.
 * A pidfile is read here, on the plugin's host; a missing pidfile is CRITICAL (the service is not
 * running), an unreadable or malformed one UNKNOWN.
 */
final class AliveCheck implements Check {
    private final int pid;
    private final String pidfile;

    AliveCheck(int pid, String pidfile) {
        this.pid = pid;
        this.pidfile = pidfile;
    }

    @Override
    public Result run(Jolokia agent) throws CheckException {
        int p = pidfile == null ? pid : readPidfile(Path.of(pidfile));
        Jolokia.Reply r = agent.exec("processStatus", p);
        boolean alive = r.bool("alive");
        String comm = r.string("comm");
        String who = "process " + p + (comm.isEmpty() ? "" : " (" + comm + ")") + (pidfile == null ? "" : " from " + pidfile);
        List<Perfdata> perf = List.of(new Perfdata("alive", alive ? "1" : "0", "", null, null, "0", "1"));
        List<String> details = List.of(r.describe());
        if (alive) {
            return new Result(State.OK, who + " is running", null, perf, details, "1");
        }
        if (r.bool("exitKnown")) {
            String how = ExitText.describe((int) r.number("exitCode"), (int) r.number("signal"), r.bool("coreDumped"));
            return new Result(State.CRITICAL, who + " exited: " + how,
                    "exit seen at kernel monotonic time " + seconds(r.number("timestampNanos")) + " s", perf, details, "0");
        }
        return new Result(State.CRITICAL, who + " is not running (how it ended is unknown to the agent)", null, perf,
                details, "0");
    }

    private static String seconds(long nanos) {
        String millis = Long.toString(1000 + (nanos / 1_000_000L) % 1000).substring(1);
        return (nanos / 1_000_000_000L) + "." + millis;
    }

    static int readPidfile(Path file) throws CheckException {
        String text;
        try {
            text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new CheckException(State.CRITICAL, "pidfile " + file + " does not exist: the service is not running");
        } catch (AccessDeniedException e) {
            throw new CheckException("cannot read pidfile " + file + ": permission denied");
        } catch (IOException e) {
            throw new CheckException("cannot read pidfile " + file + ": " + e);
        }
        int nl = text.indexOf('\n');
        String first = (nl < 0 ? text : text.substring(0, nl)).trim();
        try {
            int p = Integer.parseInt(first);
            if (p > 0) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new CheckException("pidfile " + file + " does not hold a process id: '" + Output.clip(first, 40) + "'");
    }
}
