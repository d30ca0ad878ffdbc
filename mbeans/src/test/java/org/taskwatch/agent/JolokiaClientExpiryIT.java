package org.taskwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.taskwatch.testing.OutputLines;
import org.taskwatch.testing.Spawn;

/**
 * Jolokia notification clients that go away without unregistering are unregistered after
 * {@code jolokia.clientTimeoutSeconds}, as Jolokia's protocol promises and Jolokia never does;
 * clients that ping, pull or keep an SSE stream open stay. Checked against Jolokia's own client
 * table ({@code list} answers "No client ... registered") and the agent's threads.
 */
class JolokiaClientExpiryIT {
    // Well above the keeper's period (0.3 s plus two requests): on a loaded machine (CI saw a load
    // of 14 on 2 cores) a request can take seconds, and a 3 s timeout expired the pinging client.
    private static final int TIMEOUT_SECONDS = 8;
    private static final String NOTIFY_THREAD = "taskwatch-notif"; // taskwatch-notify-N, as /proc cuts it

    @BeforeAll
    static void needsTheConnector() {
        AgentProcess.requireConnector();
    }

    @Test
    void idleClientsExpireAndLiveOnesStay() throws Exception {
        String port = Integer.toString(AgentProcess.freePort());
        try (AgentProcess a = AgentProcess.start("--no-jmx", "--jolokia-port", port,
                "--set", "jolokia.clientTimeoutSeconds=" + TIMEOUT_SECONDS)) {
            JolokiaClient j = new JolokiaClient(a.jolokiaUrl);
            String store = ((List<?>) JolokiaClient.value(j.get("search/jolokia:type=NotificationStore,*"))).get(0)
                    .toString();
            String idle = register(j);
            String pinging = register(j);
            String streaming = register(j);
            String pulling = register(j);
            subscribe(j, idle, "pull");
            subscribe(j, pinging, "pull");
            subscribe(j, streaming, "sse");
            String pullHandle = subscribe(j, pulling, "pull");
            InputStream stream = j.http().send(HttpRequest.newBuilder(URI.create(a.jolokiaUrl + "notification/open/"
                    + streaming + "/sse")).header("Accept", "text/event-stream").GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream()).body();
            OutputLines sse = OutputLines.of(stream);

            StringBuffer pulled = new StringBuffer();
            AtomicBoolean keep = new AtomicBoolean(true);
            Thread keeper = new Thread(() -> {
                try {
                    while (keep.get()) {
                        JolokiaClient.value(j.post("{\"type\":\"notification\",\"command\":\"ping\",\"client\":\""
                                + pinging + "\"}"));
                        pulled.append(JolokiaClient.value(j.post("{\"type\":\"exec\",\"mbean\":\"" + store
                                + "\",\"operation\":\"pull\",\"arguments\":[\"" + pulling + "\",\"" + pullHandle
                                + "\"]}")));
                        Thread.sleep(300);
                    }
                } catch (Exception | AssertionError e) {
                    pulled.append("KEEPER FAILED: ").append(e);
                }
            }, "keeper");
            keeper.start();
            try {
                // one exit for every subscription: each gets its mailbox (and thread) in the agent
                int first = exitWatched(j, 3);
                sse.await("\"pid\":" + first + ",", Duration.ofSeconds(10));
                awaitPulled(pulled, first);
                int threads = notifyThreads(a);
                assertTrue(threads >= 4, "a mailbox thread per subscription: " + threads);

                awaitGone(j, idle, Duration.ofSeconds(TIMEOUT_SECONDS + 15));
                // the line follows the unregistration: on a loaded machine, a moment after the client is gone
                a.awaitOutput("taskwatch: jolokia: notification client " + idle + " expired after ", Duration.ofSeconds(10));
                for (String alive : new String[] {pinging, streaming, pulling}) {
                    assertTrue(listed(j, alive), "a live client stays: " + alive);
                }
                awaitThreads(a, threads - 1);

                // a stream that closes without unregistering: Jolokia's heartbeat notices, then it expires
                stream.close();
                awaitGone(j, streaming, Duration.ofSeconds(45));
                assertTrue(listed(j, pinging) && listed(j, pulling), "the pinging and the pulling client stay");

                int second = exitWatched(j, 4);
                awaitPulled(pulled, second);
            } finally {
                keep.set(false);
                keeper.join(5000);
            }
            assertTrue(!pulled.toString().contains("KEEPER FAILED"), pulled.toString());
        }
    }

    private static String register(JolokiaClient j) throws Exception {
        Object reply = JolokiaClient.value(j.post("{\"type\":\"notification\",\"command\":\"register\"}"));
        return (String) ((Map<?, ?>) reply).get("id");
    }

    private static String subscribe(JolokiaClient j, String client, String mode) throws Exception {
        return (String) JolokiaClient.value(j.post("{\"type\":\"notification\",\"command\":\"add\",\"client\":\""
                + client + "\",\"mode\":\"" + mode + "\",\"mbean\":\"org.taskwatch:type=Monitor\","
                + "\"filter\":[\"taskwatch.process.exit\"]}"));
    }

    /** Whether Jolokia still knows the client ({@code list} fails with "No client ... registered" otherwise). */
    private static boolean listed(JolokiaClient j, String client) throws Exception {
        Map<String, Object> r = j.post("{\"type\":\"notification\",\"command\":\"list\",\"client\":\"" + client
                + "\"}");
        if (((Number) r.get("status")).intValue() == 200) {
            return true;
        }
        assertTrue(String.valueOf(r.get("error")).contains("No client " + client + " registered"), r.toString());
        return false;
    }

    private static void awaitGone(JolokiaClient j, String client, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (listed(j, client)) {
            assertTrue(System.nanoTime() < deadline, "client " + client + " still registered after " + within);
            Thread.sleep(200);
        }
    }

    /** A process watched over Jolokia that exits with {@code code}; its pid. */
    private static int exitWatched(JolokiaClient j, int code) throws Exception {
        Process p = Spawn.sh("read line; exit " + code);
        JolokiaClient.value(j.post("{\"type\":\"exec\",\"mbean\":\"org.taskwatch:type=Monitor\","
                + "\"operation\":\"watch\",\"arguments\":[" + p.pid() + ",\"exit\"]}"));
        try (OutputStream in = p.getOutputStream()) {
            in.write('\n');
        }
        assertEquals(code, Spawn.waitFor(p));
        return (int) p.pid();
    }

    private static void awaitPulled(StringBuffer pulled, int pid) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!pulled.toString().contains("pid=" + pid + ",") && !pulled.toString().contains("\"pid\":" + pid + ",")) {
            assertTrue(System.nanoTime() < deadline, "the pulling client got no exit of " + pid + ": " + pulled);
            Thread.sleep(100);
        }
    }

    private static int notifyThreads(AgentProcess a) throws IOException {
        int n = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(a.process.pid()),
                "task"))) {
            for (Path t : tasks) {
                try {
                    if (Files.readString(t.resolve("comm")).trim().equals(NOTIFY_THREAD)) {
                        n++;
                    }
                } catch (IOException gone) {
                    // ended while we looked
                }
            }
        }
        return n;
    }

    private static void awaitThreads(AgentProcess a, int expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (notifyThreads(a) != expected) {
            assertTrue(System.nanoTime() < deadline, "mailbox threads: " + notifyThreads(a) + ", expected " + expected);
            Thread.sleep(100);
        }
    }
}
