package org.taskwatch.benchmark;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code taskwatch agent} started by the project's launcher exactly as a user runs it (the
 * launcher execs java, so the process started is the agent's JVM), up to the banner line that
 * gives the address a client connects to.
 *
 * @param process the agent's JVM
 * @param address what followed the banner's prefix, up to the first space (a JMX or Jolokia URL)
 * @param banner every line the agent printed until then
 */
record LaunchedAgent(Process process, String address, List<String> banner) {

    /**
     * Starts {@code launcher agent ARGS --set coalesceMicros=.. --set priorityBoost=.. --set K=V...}
     * and waits (at most a minute) for the line that starts with {@code addressPrefix}.
     */
    static LaunchedAgent start(Path launcher, List<String> args, int coalesceMicros, int priorityBoost,
            List<String> settings, String addressPrefix) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("sh", launcher.toString(), "agent"));
        cmd.addAll(args);
        cmd.addAll(List.of("--set", "coalesceMicros=" + coalesceMicros, "--set", "priorityBoost=" + priorityBoost));
        for (String kv : settings) {
            cmd.add("--set");
            cmd.add(kv);
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException ended) {
                // the agent is gone
            }
        }, "agent-output");
        pump.setDaemon(true);
        pump.start();
        List<String> banner = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String line = lines.poll(1, TimeUnit.SECONDS);
            if (line == null) {
                if (!p.isAlive()) {
                    break;
                }
                continue;
            }
            banner.add(line);
            if (line.startsWith(addressPrefix)) {
                return new LaunchedAgent(p, line.substring(addressPrefix.length()).trim().split(" ")[0], banner);
            }
        }
        SoakAgent.stop(p, 20);
        throw new IOException("the agent did not start: " + String.join(" | ", banner));
    }

    /** SIGTERM (the agent unsubscribes from the kernel), then waits for it. */
    void stop() {
        SoakAgent.stop(process, 20);
    }
}
