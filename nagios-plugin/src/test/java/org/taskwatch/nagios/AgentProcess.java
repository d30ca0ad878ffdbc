package org.taskwatch.nagios;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A taskwatch agent in its own JVM, started the way a user starts it, and stopped with SIGTERM
 * (which unsubscribes from the kernel). Its banner lines are kept: one per endpoint.
 */
final class AgentProcess implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new ArrayList<>();

    private AgentProcess(Process process) {
        this.process = process;
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(l);
                        lines.notifyAll();
                    }
                }
            } catch (IOException e) {
                // ended
            }
        }, "agent-output");
        t.setDaemon(true);
        t.start();
    }

    /** {@code java -cp <the test class path> org.taskwatch.cli.Main agent ARGS}. */
    static AgentProcess fromClassPath(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Plugin.java(), "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), "org.taskwatch.cli.Main", "agent"));
        cmd.addAll(List.of(args));
        return new AgentProcess(new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    /** The root launcher: {@code ./taskwatch agent ARGS}, as the README says. */
    static AgentProcess fromLauncher(String launcher, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(launcher, "agent"));
        cmd.addAll(List.of(args));
        return new AgentProcess(new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    /** Waits for a banner line starting with {@code prefix}; null when the agent ended or the time passed. */
    String awaitLine(String prefix, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        synchronized (lines) {
            while (true) {
                for (String l : lines) {
                    if (l.startsWith(prefix)) {
                        return l;
                    }
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0 || !process.isAlive()) {
                    return null;
                }
                lines.wait(Math.min(left, 100));
            }
        }
    }

    String output() {
        synchronized (lines) {
            return String.join("\n", lines);
        }
    }

    /** The JMX service URL from the banner line "taskwatch agent: JMX service:jmx:...". */
    String jmxUrl(int seconds) throws InterruptedException {
        String l = awaitLine("taskwatch agent: JMX ", seconds);
        if (l == null) {
            throw new AssertionError("the agent printed no JMX line: " + output());
        }
        return l.substring("taskwatch agent: JMX ".length()).trim();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy(); // SIGTERM: the agent unsubscribes (IGNORE) and exits 0
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
