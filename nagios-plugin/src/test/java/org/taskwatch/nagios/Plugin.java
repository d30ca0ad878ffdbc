package org.taskwatch.nagios;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/** Runs check_taskwatch as a separate JVM, the way a monitoring system does, and checks its output's form. */
final class Plugin {
    /** The status line grammar: state, text without '|', optional perfdata items. */
    static final Pattern STATUS_LINE = Pattern.compile("TASKWATCH (OK|WARNING|CRITICAL|UNKNOWN) - [^|\\n]+"
            + "( \\| '[^'=]+'=-?[0-9]+(\\.[0-9]+)?[a-zA-Z%]*(;[@~0-9.:-]*){0,4}( '[^'=]+'=-?[0-9]+(\\.[0-9]+)?[a-zA-Z%]*(;[@~0-9.:-]*){0,4})*)?");

    /** What one run produced. */
    record Run(int exit, String stdout, String stderr, long millis) {
        String line() {
            int nl = stdout.indexOf('\n');
            return nl < 0 ? stdout : stdout.substring(0, nl);
        }

        /** The status text between " - " and " | ". */
        String text() {
            String l = line();
            int bar = l.indexOf(" | ");
            return l.substring(l.indexOf(" - ") + 3, bar < 0 ? l.length() : bar);
        }

        String perfdata() {
            String l = line();
            int bar = l.indexOf(" | ");
            return bar < 0 ? "" : l.substring(bar + 3);
        }

        @Override
        public String toString() {
            return "exit " + exit + ", " + millis + " ms, stdout: " + stdout + (stderr.isEmpty() ? "" : " stderr: " + stderr);
        }
    }

    private Plugin() {}

    static String classesDir() {
        try {
            return new File(CheckTaskwatch.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** Runs the plugin with only its own classes on the class path, as the launcher does. */
    static Run run(String... args) throws Exception {
        return run(Map.of(), args);
    }

    /**
     * Runs the plugin every 100 ms until its status line contains {@code text} (at most 60 s): for
     * what the agent counts a moment after the test did it. Fails with the last run's output.
     */
    static Run runUntil(String text, String... args) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Run r = run(args);
        while (!r.line().contains(text) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            r = run(args);
        }
        assertTrue(r.line().contains(text), r.toString());
        return r;
    }

    static Run run(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(java(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
                classesDir(), CheckTaskwatch.class.getName()));
        cmd.addAll(List.of(args));
        return exec(cmd, env);
    }

    static Run exec(List<String> cmd, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        long start = System.nanoTime();
        Process p = pb.start();
        p.getOutputStream().close();
        // both streams are small: read them after the exit, bounded by the wait below
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("plugin did not end within 30 s: " + cmd);
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8), millis);
    }

    /** Asserts the guidelines' form: a status line matching the state of the exit code, and one line only. */
    static Run wellFormed(Run r) {
        String[] states = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
        assertTrue(r.exit() >= 0 && r.exit() <= 3, r.toString());
        assertTrue(STATUS_LINE.matcher(r.line()).matches(), "not a plugin status line: " + r);
        assertTrue(r.line().startsWith("TASKWATCH " + states[r.exit()] + " - "), "state and exit code disagree: " + r);
        assertTrue(r.stdout().equals(r.line() + "\n"), "more than one line at verbosity 0: " + r);
        return r;
    }
}
