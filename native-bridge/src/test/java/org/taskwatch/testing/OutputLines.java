package org.taskwatch.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The lines of a stream (a process's output, an SSE stream) as they come, read by a thread of their own. */
public final class OutputLines {
    private final List<String> lines = new ArrayList<>();
    private boolean ended;

    private OutputLines() {}

    /** Starts reading {@code in} until it ends. */
    public static OutputLines of(InputStream in) {
        OutputLines o = new OutputLines();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    synchronized (o.lines) {
                        o.lines.add(l);
                        o.lines.notifyAll();
                    }
                }
            } catch (IOException ignored) {
                // closed
            }
            synchronized (o.lines) {
                o.ended = true;
                o.lines.notifyAll();
            }
        }, "output-lines");
        t.setDaemon(true);
        t.start();
        return o;
    }

    /** The first line containing {@code text}; fails, showing the last lines, if none comes in time. */
    public String await(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lines) {
            while (true) {
                for (String l : lines) {
                    if (l.contains(text)) {
                        return l;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || ended) {
                    throw new AssertionError("no line with " + text + (ended ? " before the end" : " within " + timeout)
                            + "; last lines: " + lines.subList(Math.max(0, lines.size() - 20), lines.size()));
                }
                lines.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    /** Every line so far. */
    public List<String> lines() {
        synchronized (lines) {
            return new ArrayList<>(lines);
        }
    }
}
