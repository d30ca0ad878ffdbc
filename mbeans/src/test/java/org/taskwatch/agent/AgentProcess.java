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
 * {@code taskwatch agent} as an operator runs it: the packaged jar ({@code java -jar}, its
 * manifest class path) in a separate JVM, on free ports. Closing sends SIGTERM and checks the
 * clean exit 0.
 */
final class AgentProcess implements AutoCloseable {
    final Process process;
    final List<String> output = new ArrayList<>();
    String jmxUrl;
    String jolokiaUrl;

    private AgentProcess(Process process) {
        this.process = process;
    }

    static Path jar() throws IOException {
        Path root = Path.of(System.getenv().getOrDefault("TASKWATCH_ROOT", ".."), "mbeans", "target");
        Path target = Files.isDirectory(root) ? root : Path.of("target");
        try (Stream<Path> s = Files.list(target)) {
            return s.filter(p -> p.getFileName().toString().matches("taskwatch-mbeans-.*\\.jar")
                    && !p.getFileName().toString().contains("tests")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no packaged jar in " + target + ": run mvn verify"));
        }
    }

    /** The agent needs the proc connector: root, or Linux 6.6+ (fails in CI, skips elsewhere). */
    static void requireConnector() {
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

    static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Starts {@code taskwatch agent ARGS} and waits for its banner (or its exit). */
    static AgentProcess start(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(java(), "-XX:+UseSerialGC", "-jar", jar().toString(), "agent"));
        cmd.addAll(List.of(args));
        AgentProcess a = new AgentProcess(new ProcessBuilder(cmd).redirectErrorStream(true).start());
        a.readBanner();
        return a;
    }

    private void readBanner() throws IOException, InterruptedException {
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
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        synchronized (output) {
            while (output.stream().noneMatch(l -> l == null || l.startsWith("taskwatch agent: event source"))) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("agent did not start within 30 s: " + output);
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

    String output() {
        synchronized (output) {
            return String.join("\n", output.stream().filter(l -> l != null).toList());
        }
    }

    /** Waits until the agent has printed a line containing {@code text}; fails with its output after {@code timeout}. */
    void awaitOutput(String text, java.time.Duration timeout) throws InterruptedException {
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

    /** Waits for the agent to exit by itself (a start failure) and returns its status. */
    int awaitExit() throws InterruptedException {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("agent still running: " + output());
        }
        Thread.sleep(100); // let the output thread take the last lines
        return process.exitValue();
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
