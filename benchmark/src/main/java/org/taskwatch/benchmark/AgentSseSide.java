package org.taskwatch.benchmark;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code taskwatch agent} with Jolokia only (no JMX remote), and one Jolokia notification client
 * in SSE mode, as a browser or {@code curl -N} would be: it subscribes to the Monitor, asks for
 * {@code watchTree(1, "fork,exec,exit")} over HTTP, and reads the event stream on its own
 * thread, counting notifications and the {@code dropped} counts Jolokia puts in each message
 * (its report of notifications it could not send). Latency is from the kernel timestamp in a
 * notification to the moment its line was read here. The agent's counters are read over
 * Jolokia, a request per snapshot.
 */
final class AgentSseSide extends RemoteAgentSide {
    private static final String TIMESTAMP = "\"timestampNanos\":";
    private static final String DROPPED = "\"dropped\":";

    private final JolokiaHttp jolokia;
    private final String client;
    private final Thread streamReader;
    private volatile long notifications; // written by streamReader only
    private volatile long dropped;

    private AgentSseSide(LaunchedAgent agent, int latencyCapacity) throws Exception {
        super(agent, latencyCapacity);
        this.jolokia = new JolokiaHttp(agent.address());
        this.client = jolokia.register();
        jolokia.subscribe(client, "sse", null);
        BufferedReader stream = new BufferedReader(new InputStreamReader(jolokia.openSse(client), StandardCharsets.UTF_8));
        this.streamReader = new Thread(() -> read(stream), "sse-client");
        streamReader.setDaemon(true);
        streamReader.start();
        jolokia.exec(JolokiaHttp.MONITOR, "watchTree", "[1,\"fork,exec,exit\"]");
    }

    /** Starts {@code launcher agent} with Jolokia on a free loopback port (no JMX remote) and subscribes. */
    static AgentSseSide start(Path launcher, int latencyCapacity, int coalesceMicros, int priorityBoost,
            List<String> settings) throws Exception {
        LaunchedAgent a = LaunchedAgent.start(launcher, List.of("--no-jmx", "--jolokia-port",
                Integer.toString(SoakAgent.freePort())), coalesceMicros, priorityBoost, settings, "taskwatch agent: Jolokia ");
        try {
            return new AgentSseSide(a, latencyCapacity);
        } catch (Exception e) {
            a.stop();
            throw e;
        }
    }

    /** Each {@code data:} line is one SSE message: {"dropped":N,...,"notifications":[{...,"timestampNanos":T,...},...]}. */
    private void read(BufferedReader stream) {
        try (stream) {
            for (String line; (line = stream.readLine()) != null; ) {
                if (!line.startsWith("data:")) {
                    continue;
                }
                long now = System.nanoTime();
                int d = line.indexOf(DROPPED);
                if (d >= 0) {
                    dropped += number(line, d + DROPPED.length());
                }
                long n = 0;
                for (int i = line.indexOf(TIMESTAMP); i >= 0; i = line.indexOf(TIMESTAMP, i + 1)) {
                    latencies.record(now - number(line, i + TIMESTAMP.length()));
                    n++;
                }
                notifications += n;
            }
        } catch (IOException ended) {
            // the agent closed the stream, or close() did
        }
    }

    private static long number(String s, int from) {
        long v = 0;
        for (int i = from; i < s.length() && Character.isDigit(s.charAt(i)); i++) {
            v = v * 10 + (s.charAt(i) - '0');
        }
        return v;
    }

    @Override
    public String name() {
        return "agent+sse";
    }

    @Override
    public Snapshot snapshot() throws Exception {
        Map<?, ?> v = (Map<?, ?>) jolokia.post("{\"type\":\"read\",\"mbean\":\"" + JolokiaHttp.MONITOR
                + "\",\"attribute\":[\"EventsReceived\",\"EventsDelivered\",\"EventsLost\"]}");
        return snapshot(count(v, "EventsReceived"), count(v, "EventsDelivered"), notifications, count(v, "EventsLost"),
                dropped);
    }

    private static long count(Map<?, ?> value, String attribute) {
        return ((Number) value.get(attribute)).longValue();
    }

    @Override
    public void close() {
        try {
            Object agentDropped = jolokia.post("{\"type\":\"read\",\"mbean\":\"" + JolokiaHttp.MONITOR
                    + "\",\"attribute\":\"NotificationsDropped\"}");
            System.err.println("# agent+sse: the agent's NotificationsDropped " + agentDropped + ", the stream's dropped "
                    + dropped);
            jolokia.unregister(client);
        } catch (IOException | RuntimeException e) {
            System.err.println("# agent+sse: could not read or unregister at the end: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        agent.stop();
        streamReader.interrupt();
    }
}
