package org.taskwatch.benchmark;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The three storms of {@code storm.c}, and how many events each iteration makes. */
enum StormKind {
    /** fork, the child exits: a fork and an exit event. */
    FORK("fork", 2),
    /** fork, the child execs /bin/true: fork, exec and exit. */
    EXEC("exec", 3),
    /** pthread_create, the thread returns: a clone (thread create) and a thread exit. */
    THREAD("thread", 2);

    final String arg;
    final int eventsPerIteration;

    StormKind(String arg, int eventsPerIteration) {
        this.arg = arg;
        this.eventsPerIteration = eventsPerIteration;
    }

    /** What one run of storms produced. */
    record Result(long events, double wallSeconds, String lines) {}

    /**
     * Runs {@code stormers} storm processes at once, {@code iterations} each, and waits for all.
     *
     * @return the events they made (by construction; background activity not included)
     */
    Result run(Path binary, int stormers, long iterations) throws IOException, InterruptedException {
        List<Process> ps = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < stormers; i++) {
                ps.add(new ProcessBuilder(binary.toString(), Long.toString(iterations), arg).redirectErrorStream(true)
                        .start());
            }
            StringBuilder lines = new StringBuilder();
            for (Process p : ps) {
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (p.waitFor() != 0) {
                    throw new IOException("storm " + iterations + " " + arg + " failed: " + out);
                }
                lines.append(lines.length() == 0 ? "" : "; ").append(out);
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            return new Result((long) stormers * iterations * eventsPerIteration, wall, lines.toString());
        } finally {
            for (Process p : ps) {
                p.destroy(); // only if we are leaving early; a stormer holds no kernel state
            }
        }
    }
}
