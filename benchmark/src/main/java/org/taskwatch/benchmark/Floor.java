package org.taskwatch.benchmark;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The yardstick reader ({@code floor.c}) run for one storm. floor stops on SIGALRM (its own
 * alarm, or ours), sends IGNORE and prints its counts; its own alarm, set well past the storm,
 * is the safety net that unsubscribes it should this benchmark die first. It is never killed
 * any other way, which would leave the kernel counting a listener.
 */
final class Floor implements AutoCloseable {
    /** floor's own deadline: longer than any storm and its drain. */
    private static final int SAFETY_SECONDS = 300;

    private final Process process;
    private Map<String, String> result;

    private Floor(Process process) {
        this.process = process;
    }

    static Floor start(Path binary) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(binary.toString(), Integer.toString(SAFETY_SECONDS)).redirectErrorStream(true).start();
        Floor f = new Floor(p);
        Thread.sleep(300); // floor subscribes at once; give it time to be scheduled and reach recv
        if (!p.isAlive()) {
            throw new IOException("floor exited at start: " + new String(p.getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8).trim());
        }
        return f;
    }

    long pid() {
        return process.pid();
    }

    /**
     * Stops floor (SIGALRM) and returns its counts: msgs, fork, exec, exit, other, enobufs,
     * seq_gaps (gaps, not messages), lat_avg_us, lat_max_us.
     */
    Map<String, String> stop() throws IOException, InterruptedException {
        if (result != null) {
            return result;
        }
        Libc.signal(process.pid(), Libc.SIGALRM);
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IOException("floor did not stop on SIGALRM");
        }
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        Map<String, String> m = new HashMap<>();
        for (String kv : out.split("\\s+")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                m.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        if (!m.containsKey("msgs")) {
            throw new IOException("floor printed no counts: " + out);
        }
        result = m;
        return m;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            Libc.signal(process.pid(), Libc.SIGALRM);
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
