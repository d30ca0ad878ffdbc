package org.taskwatch.push;

import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.taskwatch.check.WatchVerdict;

/**
 * Nagios' (and Naemon's, and Icinga 1's) external command file: each exit and state of a
 * declared watch as {@code [TIME] PROCESS_SERVICE_CHECK_RESULT;HOST;WATCH;CODE;OUTPUT|PERFDATA},
 * the service named after the watch. The time is when it happened, so results queued while
 * Nagios was down arrive with their own times.
 *
 * <p>The command file is a FIFO that Nagios makes at start, holds open while it runs and removes
 * when it stops: a missing file is "unreachable" (retried). A FIFO that a Nagios that died left
 * behind has no reader, and opening it for writing would wait for ever: after
 * {@value #OPEN_TIMEOUT_MILLIS} ms the open is released and counted as unreachable too. Lines are
 * written {@value #PIPE_BUF} bytes at most at a time, whole lines only, so that a FIFO never
 * interleaves them with another writer's. Nagios does not answer: a result for a service it does
 * not know is only in its log ("Passive check result was received for service ... but the service
 * could not be found").
 *
 * <p>Threading: called by its queue's sender thread only.
 */
public final class NagiosTarget implements PushTarget {
    static final long OPEN_TIMEOUT_MILLIS = 2000;
    /** Writes to a pipe up to this size are atomic (Linux, POSIX minimum 512). */
    static final int PIPE_BUF = 4096;
    private static final ScheduledExecutorService RELEASER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "taskwatch-push-nagios-open");
        t.setDaemon(true);
        return t;
    });

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
        try (FileOutputStream out = open()) {
            int from = 0;
            while (from < text.length) {
                int to = Math.min(text.length, from + PIPE_BUF);
                if (to < text.length) {
                    while (to > from + 1 && text[to - 1] != '\n') {
                        to--; // whole lines in each write
                    }
                }
                out.write(text, from, to - from);
                from = to;
            }
        } catch (FileNotFoundException e) {
            throw new IOException("cannot open " + commandFile + ": " + e.getMessage(), e);
        }
    }

    /**
     * Opens the command file for writing. A FIFO without a reader makes open(2) wait: then, after
     * the timeout, this opens it for reading and writing (which Linux lets through at once), which
     * releases the waiting open; whichever of the two comes first decides, and a released open
     * writes nothing.
     */
    private FileOutputStream open() throws IOException {
        AtomicBoolean decided = new AtomicBoolean();
        var release = RELEASER.schedule(() -> {
            if (decided.compareAndSet(false, true) && Files.exists(commandFile) && !Files.isRegularFile(commandFile)) {
                try {
                    new RandomAccessFile(commandFile.toFile(), "rw").close();
                    return true;
                } catch (IOException e) {
                    return false; // gone meanwhile: the waiting open fails by itself
                }
            }
            return false;
        }, OPEN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        FileOutputStream out;
        try {
            out = new FileOutputStream(commandFile.toFile(), true);
        } catch (IOException e) {
            decided.set(true);
            release.cancel(false);
            throw e;
        }
        if (decided.compareAndSet(false, true)) {
            release.cancel(false);
            return out;
        }
        out.close();
        throw new IOException("nothing reads " + commandFile + " (a FIFO left behind by a Nagios that is not running?)");
    }
}
