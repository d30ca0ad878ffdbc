package org.taskwatch.push;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.taskwatch.check.WatchVerdict;
import org.taskwatch.kernel.FifoWriter;
import org.taskwatch.kernel.NativeException;

/**
 * Nagios' (and Naemon's, and Icinga 1's) external command file: each exit and state of a
 * declared watch as {@code [TIME] PROCESS_SERVICE_CHECK_RESULT;HOST;WATCH;CODE;OUTPUT|PERFDATA},
 * the service named after the watch. The time is when it happened, so results queued while
 * Nagios was down arrive with their own times.
 *
 * <p>The command file is a FIFO that Nagios makes at start and holds open while it runs: a missing
 * file is "unreachable" (retried). A FIFO left behind by a Nagios that stopped or died has no
 * reader: the open ({@link FifoWriter}, non-blocking) fails at once and that is unreachable too,
 * as is a FIFO that stays full for {@value #WRITE_TIMEOUT_MILLIS} ms (a Nagios that stopped
 * reading). A blocking open, as before, waited for a reader, and when the path was replaced
 * meanwhile (a new Nagios making its own FIFO) it waited on the old one for ever and stopped every
 * push to Nagios. Lines are written {@value FifoWriter#PIPE_BUF} bytes at most at a time, whole
 * lines only, so that a FIFO never interleaves them with another writer's. Nagios does not
 * answer: a result for a service it does not know is only in its log ("Passive check result was
 * received for service ... but the service could not be found").
 *
 * <p>Threading: called by its queue's sender thread only.
 */
public final class NagiosTarget implements PushTarget {
    /** How long a write may wait for room in a full FIFO (a Nagios that stopped reading) before it counts as unreachable. */
    static final int WRITE_TIMEOUT_MILLIS = 2000;

    private final Path commandFile;
    private final String host;

    /** @throws IllegalArgumentException for a host name that cannot be in a command (';' or a line break) */
    public NagiosTarget(Path commandFile, String host) {
        if (host.isEmpty() || host.contains(";") || host.chars().anyMatch(c -> c < 0x20)) {
            throw new IllegalArgumentException("nagios.host must be a host name without ';' or control characters, got '"
                    + host + "'");
        }
        this.commandFile = commandFile;
        this.host = host;
    }

    @Override
    public String name() {
        return "nagios " + commandFile;
    }

    @Override
    public Result send(List<PushMessage> batch) throws IOException {
        StringBuilder lines = new StringBuilder();
        int results = 0;
        for (PushMessage m : batch) {
            if (PassiveCheck.isResult(m)) {
                lines.append(line(host, m.watch(), PassiveCheck.verdict(m), m.timeMillis())).append('\n');
                results++;
            }
        }
        if (results == 0) {
            return Result.allAccepted(0);
        }
        write(lines.toString().getBytes(StandardCharsets.UTF_8));
        return Result.allAccepted(results);
    }

    /** {@code [TIME] PROCESS_SERVICE_CHECK_RESULT;HOST;SERVICE;CODE;TASKWATCH STATE - text|perfdata}. */
    static String line(String host, String service, WatchVerdict v, long timeMillis) {
        String perf = v.perfdataText();
        return "[" + timeMillis / 1000 + "] PROCESS_SERVICE_CHECK_RESULT;" + host + ";" + service + ";" + v.state().code + ";"
                + v.statusLine() + (perf.isEmpty() ? "" : "|" + perf);
    }

    private void write(byte[] text) throws IOException {
        if (!Files.exists(commandFile)) {
            throw new IOException("no command file " + commandFile + " (Nagios not running, or check_external_commands=0?)");
        }
        try (FifoWriter out = FifoWriter.open(commandFile)) {
            int from = 0;
            while (from < text.length) {
                int to = Math.min(text.length, from + FifoWriter.PIPE_BUF);
                if (to < text.length) {
                    while (to > from + 1 && text[to - 1] != '\n') {
                        to--; // whole lines in each write
                    }
                }
                out.write(text, from, to - from, WRITE_TIMEOUT_MILLIS);
                from = to;
            }
        } catch (FifoWriter.NoReaderException e) {
            throw new IOException("nothing reads " + commandFile + " (a FIFO left behind by a Nagios that is not running?)", e);
        } catch (NativeException e) {
            throw new IOException("cannot write " + commandFile + ": " + e.getMessage(), e);
        }
    }
}
