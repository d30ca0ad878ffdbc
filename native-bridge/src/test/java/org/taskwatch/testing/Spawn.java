package org.taskwatch.testing;

import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starting real processes for tests, and knowing their pids and exit codes independently. */
public final class Spawn {
    private Spawn() {}

    public static Process start(String... command) throws IOException {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    public static Process startIn(File dir, String... command) throws IOException {
        return new ProcessBuilder(command).directory(dir).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    public static Process sh(String script) throws IOException {
        return start("/bin/sh", "-c", script);
    }

    /** Waits for the process and returns its exit value as Java saw it (the independent truth). */
    public static int waitFor(Process p) throws InterruptedException {
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("process " + p.pid() + " did not end within 30 s");
        }
        return p.exitValue();
    }

    /** Runs a command to completion and returns its output; fails on a non-zero exit. */
    public static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (waitFor(p) != 0) {
            throw new AssertionError(command + " failed: " + out);
        }
        return out;
    }
}
