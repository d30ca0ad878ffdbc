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

    /**
     * The agent as a user starts it: the root launcher {@code ./taskwatch agent ARGS} when the
     * build has made its jars (as in {@code mvn verify} from the root), else the same main class
     * from this test's class path.
     */
    static AgentProcess start(String... args) throws IOException {
        String root = System.getenv("TASKWATCH_ROOT");
        if (root != null) {
            java.nio.file.Path dir = java.nio.file.Path.of(root);
            java.nio.file.Path lib = dir.resolve("mbeans/target/lib");
            try (java.util.stream.Stream<java.nio.file.Path> jars = java.nio.file.Files.list(dir.resolve("mbeans/target"))) {
                boolean built = java.nio.file.Files.isDirectory(lib) && jars.anyMatch(
                        j -> j.getFileName().toString().matches("taskwatch-mbeans-.*(?<!tests|sources)\\.jar"));
                if (built) {
                    return fromLauncher(dir.resolve("taskwatch").toString(), args);
                }
            } catch (java.nio.file.NoSuchFileException notBuilt) {
                // fall through
            }
        }
        return fromClassPath(args);
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

    /** The Jolokia URL from the banner line "taskwatch agent: Jolokia http://...". */
    String jolokiaUrl(int seconds) throws InterruptedException {
        String l = awaitLine("taskwatch agent: Jolokia ", seconds);
        if (l == null) {
            throw new AssertionError("the agent printed no Jolokia line: " + output());
        }
        String rest = l.substring("taskwatch agent: Jolokia ".length()).trim();
        int space = rest.indexOf(' ');
        return space < 0 ? rest : rest.substring(0, space);
    }

    /** The JMX service URL from the banner line "taskwatch agent: JMX service:jmx:...". */
    String jmxUrl(int seconds) throws InterruptedException {
        String l = awaitLine("taskwatch agent: JMX ", seconds);
        if (l == null) {
            throw new AssertionError("the agent printed no JMX line: " + output());
        }
        String rest = l.substring("taskwatch agent: JMX ".length()).trim();
        int space = rest.indexOf(' ');
        return space < 0 ? rest : rest.substring(0, space);
    }

    /** SIGTERM: the agent unsubscribes (IGNORE) and exits 0; its exit status, or -1 when it had to be killed. */
    int stop() {
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

    @Override
    public void close() {
        stop();
    }
}
