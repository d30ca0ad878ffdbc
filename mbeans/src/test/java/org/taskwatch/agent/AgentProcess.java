package org.taskwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code taskwatch agent} in a separate JVM, for the tests of every module (this class is in
 * mbeans' test-jar): as an operator runs it, the packaged jar ({@code java -jar}, its manifest
 * class path, {@link #start}) or the root launcher ({@code ./taskwatch agent}, {@link #launch}),
 * or the main class from the test's class path ({@link #fromClassPath}). Its output is kept line
 * by line from the start. Closing sends SIGTERM and checks the clean exit 0; {@link #stop} sends
 * SIGTERM and answers the exit status.
 */
public final class AgentProcess implements AutoCloseable {
    final Process process;
    /** The agent's output lines; a null at the end once it has closed its output. Guarded by itself. */
    final List<String> output = new ArrayList<>();
    String jmxUrl;
    String jolokiaUrl;

    private AgentProcess(Process process) {
        this.process = process;
        keepOutput();
    }

    /** The packaged agent jar ({@code mbeans/target/taskwatch-mbeans-*.jar}); fails when not built. */
    public static Path jar() throws IOException {
        Path root = Path.of(System.getenv().getOrDefault("TASKWATCH_ROOT", ".."), "mbeans", "target");
        Path target = Files.isDirectory(root) ? root : Path.of("target");
        try (Stream<Path> s = Files.list(target)) {
            return s.filter(p -> p.getFileName().toString().matches("taskwatch-mbeans-.*\\.jar")
                    && !p.getFileName().toString().contains("tests")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no packaged jar in " + target + ": run mvn verify"));
        }
    }

    /** The agent needs the proc connector: root, or Linux 6.6+ (fails in CI, skips elsewhere). */
    public static void requireConnector() {
        org.taskwatch.testing.KernelTests.require(org.taskwatch.testing.KernelTests.isRoot()
                || org.taskwatch.kernel.KernelVersion.running().atLeast(6, 6), "the agent needs the connector");
    }

    static javax.management.ObjectName objectName(String n) {
        try {
            return new javax.management.ObjectName(n);
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The java command of this JVM, to start others like it. */
    public static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /**
     * A TCP port free on every address now (the one free-port helper of the tests). Another
     * process may take it before the caller binds it: where the program under test can take
     * port 0 and print what it got, prefer that.
     */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Starts {@code java -jar taskwatch-mbeans.jar agent ARGS} and waits for its banner (or its exit). */
    public static AgentProcess start(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(java(), "-XX:+UseSerialGC", "-jar", jar().toString(), "agent"));
        cmd.addAll(List.of(args));
        AgentProcess a = new AgentProcess(new ProcessBuilder(cmd).redirectErrorStream(true).start());
        a.readBanner();
        return a;
    }

    /**
     * {@code java -cp <this test's class path> org.taskwatch.cli.Main agent ARGS}, without waiting:
     * {@link #awaitLine}, {@link #awaitJolokiaUrl} or {@link #awaitJmxUrl} wait for what is needed.
     */
    public static AgentProcess fromClassPath(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(java(), "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), "org.taskwatch.cli.Main", "agent"));
        cmd.addAll(List.of(args));
        return new AgentProcess(new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    /** The root launcher {@code LAUNCHER agent ARGS}, as the README says, without waiting. */
    public static AgentProcess fromLauncher(String launcher, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(launcher, "agent"));
        cmd.addAll(List.of(args));
        return new AgentProcess(new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    /**
     * The agent as a user starts it, without waiting: the root launcher {@code ./taskwatch agent
     * ARGS} when the build has made its jars (as in {@code mvn verify} from the root, which sets
     * {@code TASKWATCH_ROOT}), else the same main class from this test's class path.
     */
    public static AgentProcess launch(String... args) throws IOException {
        String root = System.getenv("TASKWATCH_ROOT");
        if (root != null) {
            Path dir = Path.of(root);
            try (Stream<Path> jars = Files.list(dir.resolve("mbeans/target"))) {
                boolean built = Files.isDirectory(dir.resolve("mbeans/target/lib")) && jars.anyMatch(
                        j -> j.getFileName().toString().matches("taskwatch-mbeans-.*(?<!tests|sources)\\.jar"));
                if (built) {
                    return fromLauncher(dir.resolve("taskwatch").toString(), args);
                }
            } catch (java.nio.file.NoSuchFileException notBuilt) {
                // from the class path, below
            }
        }
        return fromClassPath(args);
    }

    /** Reads the agent's output into {@link #output} on a daemon thread, to its end. */
    private void keepOutput() {
        BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Thread reader = new Thread(() -> {
            try {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (output) {
                        output.add(line);
                        output.notifyAll();
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
            synchronized (output) {
                output.add(null); // end of output
                output.notifyAll();
            }
        }, "agent-output");
        reader.setDaemon(true);
        reader.start();
    }

    // 60 s: a JVM start plus the /proc scan took over 30 s at a load of 28 on 2 cores
    private void readBanner() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        synchronized (output) {
            while (output.stream().noneMatch(l -> l == null || l.startsWith("taskwatch agent: event source"))) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("agent did not start within 60 s: " + output);
                }
                output.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
            long settle = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
            while (System.nanoTime() < settle) { // the banner's lines are printed together: let the rest arrive
                output.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(settle - System.nanoTime())));
            }
            for (String l : output) {
                if (l != null && l.startsWith("taskwatch agent: JMX ")) {
                    jmxUrl = l.substring("taskwatch agent: JMX ".length()).split(" ")[0];
                } else if (l != null && l.startsWith("taskwatch agent: Jolokia ")) {
                    jolokiaUrl = l.substring("taskwatch agent: Jolokia ".length()).split(" ")[0];
                }
            }
        }
    }

    /** What the agent printed so far, lines joined by newlines. */
    public String output() {
        synchronized (output) {
            return String.join("\n", output.stream().filter(l -> l != null).toList());
        }
    }

    /** Waits until the agent has printed a line containing {@code text}; fails with its output after {@code timeout}. */
    public void awaitOutput(String text, java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (output) {
            while (!output().contains(text)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("the agent did not print '" + text + "' within " + timeout + ": " + output());
                }
                output.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    /**
     * Waits for a line starting with {@code prefix} and answers it; null when the agent ended
     * or {@code seconds} passed first.
     */
    public String awaitLine(String prefix, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        synchronized (output) {
            while (true) {
                for (String l : output) {
                    if (l != null && l.startsWith(prefix)) {
                        return l;
                    }
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0 || output.contains(null)) {
                    return null;
                }
                output.wait(Math.min(left, 100));
            }
        }
    }

    /** The Jolokia URL from the banner line "taskwatch agent: Jolokia http://..."; fails when none comes. */
    public String awaitJolokiaUrl(int seconds) throws InterruptedException {
        return bannerUrl("taskwatch agent: Jolokia ", seconds);
    }

    /** The JMX service URL from the banner line "taskwatch agent: JMX service:jmx:..."; fails when none comes. */
    public String awaitJmxUrl(int seconds) throws InterruptedException {
        return bannerUrl("taskwatch agent: JMX ", seconds);
    }

    /** The metrics URL from the banner line "taskwatch agent: Prometheus http://..."; fails when none comes. */
    public String awaitPrometheusUrl(int seconds) throws InterruptedException {
        return bannerUrl("taskwatch agent: Prometheus ", seconds);
    }

    private String bannerUrl(String prefix, int seconds) throws InterruptedException {
        String l = awaitLine(prefix, seconds);
        if (l == null) {
            throw new AssertionError("the agent printed no line '" + prefix + "...' within " + seconds + " s: " + output());
        }
        return l.substring(prefix.length()).trim().split(" ")[0];
    }

    /** The agent's pid. */
    public long pid() {
        return process.pid();
    }

    /** Waits for the agent to exit by itself (a start failure) and returns its status. */
    public int awaitExit() throws InterruptedException {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("agent still running: " + output());
        }
        Thread.sleep(100); // let the output thread take the last lines
        return process.exitValue();
    }

    /**
     * SIGTERM: the agent unsubscribes (IGNORE) and exits. Its exit status, or -1 when it had to be
     * killed after 15 s.
     */
    public int stop() {
        process.destroy();
        try {
            if (process.waitFor(15, TimeUnit.SECONDS)) {
                return process.exitValue();
            }
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        return -1;
    }

    /** SIGTERM, then the clean stop: exit 0. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        boolean ended;
        try {
            ended = process.waitFor(15, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ended = false;
        }
        if (!ended) {
            process.destroyForcibly();
            throw new AssertionError("agent did not stop on SIGTERM: " + output());
        }
        assertEquals(0, process.exitValue(), "clean stop on SIGTERM: " + output());
    }
}
