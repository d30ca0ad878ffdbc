package org.taskwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServerConnection;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskwatch.kernel.KernelVersion;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.ThreadNice;
import org.taskwatch.testing.OutputLines;
import org.taskwatch.testing.Spawn;

/**
 * The agent as operators run it ({@code java -jar}, a separate JVM, free ports) with real
 * clients: JMX over RMI, and HTTP against Jolokia (read, exec, pull and SSE notifications),
 * its access policy, authentication, and the errors operators meet.
 */
class AgentIT {
    private static final ObjectName MONITOR = name("org.taskwatch:type=Monitor");

    @BeforeAll
    static void kernel() {
        AgentProcess.requireConnector();
    }

    private static ObjectName name(String n) {
        return AgentProcess.objectName(n);
    }

    private static AgentProcess agent(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--jmx-port", Integer.toString(AgentProcess.freePort()),
                "--jolokia-port", Integer.toString(AgentProcess.freePort())));
        args.addAll(List.of(extra));
        return AgentProcess.start(args.toArray(new String[0]));
    }

    @Test
    void jmxAndJolokiaServeWatchesAndDeliverTheExit() throws Exception {
        try (AgentProcess a = agent()) {
            assertTrue(a.output().contains("taskwatch agent: event source netlink"), a.output());
            boolean canBoost = KernelTests.hasCapability(KernelTests.CAP_SYS_NICE); // the agent is our child, same caps
            assertTrue(a.output().contains(canBoost ? "taskwatch agent: event threads nice -4"
                    : "taskwatch agent: event threads not boosted: setpriority(nice -4): "), a.output());
            assertEquals(canBoost ? -4 : 0, ThreadNice.of(a.process.pid(), "taskwatch-reader"), "the kernel's word");
            assertEquals(canBoost ? -4 : 0, ThreadNice.of(a.process.pid(), "taskwatch-delivery"));
            assertEquals(0, ThreadNice.of(a.process.pid(), "VM Thread"), "only the event threads are boosted");
            assertTrue(a.output().contains("taskwatch agent: exit names taskstats (while command watches exist)"),
                    "root may listen to taskstats: " + a.output());
            assertTrue(a.output().contains("taskwatch agent: kernel filter counted: every event counted in the kernel (eBPF)"),
                    "the default, as root: " + a.output());
            assertNotNull(a.jmxUrl, a.output());
            assertNotNull(a.jolokiaUrl, a.output());
            assertTrue(a.jolokiaUrl.startsWith("http://127.0.0.1:") && a.jolokiaUrl.endsWith("/jolokia/"), a.jolokiaUrl);
            JolokiaClient j = new JolokiaClient(a.jolokiaUrl);

            try (JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(a.jmxUrl))) {
                MBeanServerConnection mbs = c.getMBeanServerConnection();
                assertEquals("netlink", mbs.getAttribute(MONITOR, "EventSource"));
                assertEquals(a.output().split("event threads ")[1].split("\n")[0],
                        mbs.getAttribute(MONITOR, "EventThreads"), "the attribute says what the banner said");
                assertEquals(a.output().split("exit names ")[1].split("\n")[0], mbs.getAttribute(MONITOR, "ExitNames"),
                        "the attribute says what the banner said");
                MonitorNotifications jmxSeen = MonitorNotifications.listen(mbs);

                // Jolokia notification client: one pull and one SSE subscription for exits
                String client = (String) ((Map<?, ?>) JolokiaClient.value(
                        j.post("{\"type\":\"notification\",\"command\":\"register\"}"))).get("id");
                String pullHandle = (String) JolokiaClient.value(j.post("{\"type\":\"notification\",\"command\":\"add\","
                        + "\"client\":\"" + client + "\",\"mode\":\"pull\",\"mbean\":\"org.taskwatch:type=Monitor\","
                        + "\"filter\":[\"taskwatch.process.exit\"]}"));
                JolokiaClient.value(j.post("{\"type\":\"notification\",\"command\":\"add\",\"client\":\"" + client
                        + "\",\"mode\":\"sse\",\"mbean\":\"org.taskwatch:type=Monitor\",\"filter\":[\"taskwatch.process.exit\"]}"));
                InputStream stream = j.http().send(HttpRequest.newBuilder(URI.create(a.jolokiaUrl + "notification/open/"
                        + client + "/sse")).header("Accept", "text/event-stream").GET().build(),
                        HttpResponse.BodyHandlers.ofInputStream()).body();
                OutputLines sse = OutputLines.of(stream);

                Process p = Spawn.sh("read line; exit 6");
                int pid = (int) p.pid();
                long id = ((Number) JolokiaClient.value(j.post("{\"type\":\"exec\",\"mbean\":\"org.taskwatch:type=Monitor\","
                        + "\"operation\":\"watch\",\"arguments\":[" + pid + ",\"exit\"]}"))).longValue();
                assertTrue(mbs.isRegistered(name("org.taskwatch:type=Watch,id=" + id)), "the watch has its MBean");
                try (OutputStream in = p.getOutputStream()) {
                    in.write('\n');
                }
                assertEquals(6, Spawn.waitFor(p));

                CompositeData exit = jmxSeen.awaitExitData(pid, Duration.ofSeconds(10));
                assertEquals(6, exit.get("exitCode"));
                assertEquals(0, exit.get("signal"));

                String pulled = MonitorNotifications.awaitPulledExit(j, client, pullHandle, pid, Duration.ofSeconds(10));
                assertTrue(pulled.contains("\"exitCode\":6"), pulled);
                String event = sse.await("\"pid\":" + pid + ",", Duration.ofSeconds(10));
                assertTrue(event.startsWith("data:") && event.contains("\"exitCode\":6"), event);
                assertTrue(event.contains("taskwatch.process.exit"), event);
                stream.close();
            }

            // waitForExit over Jolokia, for a process that is not the agent's child
            Process q = Spawn.sh("sleep 0.5; exit 4");
            Map<?, ?> r = (Map<?, ?>) JolokiaClient.value(j.post("{\"type\":\"exec\",\"mbean\":\"org.taskwatch:type=Monitor\","
                    + "\"operation\":\"waitForExit\",\"arguments\":[" + q.pid() + ",10000]}"));
            assertEquals(4, Spawn.waitFor(q));
            assertEquals(true, r.get("exited"));
            assertEquals(4L, ((Number) r.get("exitCode")).longValue());

            // the README's first curl example, as written
            assertTrue(JolokiaClient.value(j.get("read/org.taskwatch:type=Monitor/ExitCount")) instanceof Number);
        }
    }


    /** The JDK HTTP server's idle-connection timer wakes an idle agent once a minute, not every 10 s. */
    @Test
    void theHttpServersIdleTimerTicksOnceAMinute() throws Exception {
        try (AgentProcess a = agent("--no-jmx")) {
            JolokiaClient j = new JolokiaClient(a.jolokiaUrl);
            assertEquals("60000", JolokiaClient.value(j.get(
                    "read/java.lang:type=Runtime/SystemProperties/sun.net.httpserver.clockTick")), a.output());
        }
    }

    @Test
    void policyDeniesWritesForeignExecAndForeignOrigins() throws Exception {
        try (AgentProcess a = agent("--no-jmx")) {
            assertEquals(null, a.jmxUrl, "--no-jmx: no JMX line");
            JolokiaClient j = new JolokiaClient(a.jolokiaUrl);
            Map<String, Object> write = j.post("{\"type\":\"write\",\"mbean\":\"java.lang:type=Memory\","
                    + "\"attribute\":\"Verbose\",\"value\":true}");
            assertEquals(403L, ((Number) write.get("status")).longValue(), write.toString());
            Map<String, Object> gc = j.post("{\"type\":\"exec\",\"mbean\":\"java.lang:type=Memory\",\"operation\":\"gc\"}");
            assertEquals(403L, ((Number) gc.get("status")).longValue(), gc.toString());
            Map<String, Object> read = j.get("read/java.lang:type=Runtime/Uptime");
            assertEquals(200L, ((Number) read.get("status")).longValue(), "reads are allowed: " + read);

            HttpResponse<String> foreign = j.send(HttpRequest.newBuilder(URI.create(a.jolokiaUrl + "version"))
                    .header("Origin", "http://evil.example").GET());
            assertTrue(foreign.body().contains("\"status\":403"), foreign.body());
            assertTrue(foreign.headers().firstValue("Access-Control-Allow-Origin").isEmpty());
            HttpResponse<String> local = j.send(HttpRequest.newBuilder(URI.create(a.jolokiaUrl + "version"))
                    .header("Origin", "http://localhost:3000").GET());
            assertTrue(local.body().contains("\"status\":200"), local.body());
            assertEquals("http://localhost:3000", local.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
            // a browser leaves the default port out of Origin: a page on http://localhost (port 80)
            for (String origin : new String[] {"http://localhost", "http://127.0.0.1"}) {
                HttpResponse<String> noPort = j.send(HttpRequest.newBuilder(URI.create(a.jolokiaUrl + "version"))
                        .header("Origin", origin).GET());
                assertTrue(noPort.body().contains("\"status\":200"), origin + ": " + noPort.body());
                assertEquals(origin, noPort.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
            }
            HttpResponse<String> lookalike = j.send(HttpRequest.newBuilder(URI.create(a.jolokiaUrl + "version"))
                    .header("Origin", "http://localhost.evil.example").GET());
            assertTrue(lookalike.body().contains("\"status\":403"), lookalike.body());

            Map<String, Object> bad = j.post("{\"type\":\"exec\",\"mbean\":\"org.taskwatch:type=Monitor\","
                    + "\"operation\":\"watch\",\"arguments\":[-1,\"exit\"]}");
            assertTrue(((Number) bad.get("status")).intValue() >= 400, bad.toString());
            assertTrue(String.valueOf(bad.get("error")).contains("pid"), bad.toString());
            String[][] more = {{"watchCommand", "[\"(unclosed\",\"exec\"]", "regex: invalid pattern"},
                {"watch", "[1,\"exit,bogus\"]", "unknown event 'bogus'"},
                {"eventCounts", "[0]", "windowSeconds"}, {"waitForExit", "[1,-1]", "timeoutMillis"}};
            for (String[] m : more) {
                Map<String, Object> r = j.post("{\"type\":\"exec\",\"mbean\":\"org.taskwatch:type=Monitor\","
                        + "\"operation\":\"" + m[0] + "\",\"arguments\":" + m[1] + "}");
                assertTrue(((Number) r.get("status")).intValue() >= 400 && String.valueOf(r.get("error")).contains(m[2]),
                        m[0] + ": " + r);
            }
            assertEquals(0L, ((Number) JolokiaClient.value(j.get("read/org.taskwatch:type=Monitor/WatchCount"))).longValue(),
                    "nothing was registered by the bad requests");
        }
    }

    @Test
    void aJolokiaOnlyUserGuardsEveryJolokiaPathAndTheBannerSaysJmxIsOpen(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("taskwatch.properties"), "jolokia.user=ops\njolokia.password=pw\n");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
        try (AgentProcess a = agent("--config", config.toString())) {
            assertNotNull(a.jolokiaUrl, a.output());
            assertTrue(a.output().contains("Jolokia " + a.jolokiaUrl + " (authentication)"), a.output());
            assertTrue(a.output().contains("warning: JMX has no authentication, only Jolokia has"), a.output());
            HttpResponse<String> anonymous = new JolokiaClient(a.jolokiaUrl)
                    .send(HttpRequest.newBuilder(URI.create(a.jolokiaUrl + "version")).GET());
            assertEquals(401, anonymous.statusCode());
            assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"));
            HttpResponse<String> wrong = new JolokiaClient(a.jolokiaUrl, "ops", "nope")
                    .send(HttpRequest.newBuilder(URI.create(a.jolokiaUrl + "version")).GET());
            assertEquals(401, wrong.statusCode());
            // Jolokia serves /jolokia/config without its authenticator, and runs any request POSTed there
            HttpResponse<String> side = new JolokiaClient(a.jolokiaUrl).send(HttpRequest.newBuilder(
                    URI.create(a.jolokiaUrl + "config")).POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"exec\","
                    + "\"mbean\":\"org.taskwatch:type=Monitor\",\"operation\":\"watch\",\"arguments\":[1,\"exit\"]}")));
            assertEquals(401, side.statusCode(), side.body());
            Map<String, Object> ok = new JolokiaClient(a.jolokiaUrl, "ops", "pw").get("read/org.taskwatch:type=Monitor/WatchCount");
            assertEquals(0L, ((Number) JolokiaClient.value(ok)).longValue(), "the side door registered nothing: " + ok);
        }
    }

    @Test
    void operatorMistakesGetClearErrors(@TempDir Path dir) throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            AgentProcess a = AgentProcess.start("--no-jmx", "--jolokia-port", Integer.toString(port));
            assertEquals(1, a.awaitExit(), a.output());
            assertTrue(a.output().contains("Jolokia port 127.0.0.1:" + port + " is not available"), a.output());
        }
        Path typo = Files.writeString(dir.resolve("typo.properties"), "jmx.prot=9999\n");
        AgentProcess b = AgentProcess.start("--config", typo.toString());
        assertEquals(2, b.awaitExit(), b.output());
        assertTrue(b.output().contains("unknown key 'jmx.prot'") && b.output().contains("did you mean jmx.port?"), b.output());

        AgentProcess c = AgentProcess.start("--config", dir.resolve("missing.properties").toString());
        assertEquals(1, c.awaitExit(), c.output());
        assertTrue(c.output().contains("missing.properties: no such file"), c.output());

        AgentProcess d = AgentProcess.start("--set", "maxWatches=lots");
        assertEquals(2, d.awaitExit(), d.output());
        assertTrue(d.output().contains("maxWatches: must be a whole number"), d.output());
    }

    @Test
    void theProcfsFallbackServesWatchesAndSaysItIsDegraded() throws Exception {
        try (AgentProcess a = agent("--set", "source=procfs", "--set", "source.pollMillis=50")) {
            assertTrue(a.output().contains("taskwatch agent: event source procfs (DEGRADED: "), a.output());
            assertTrue(a.output().contains("source=procfs") && a.output().contains("misses"), a.output());
            String sourceLine = a.output().lines().filter(l -> l.contains("event source procfs")).findFirst().orElseThrow();
            assertTrue(sourceLine.contains("; misses processes that start and end between two scans of /proc (every 50 ms)")
                    && sourceLine.indexOf("misses") == sourceLine.lastIndexOf("misses"), "said once, plainly: " + sourceLine);
            JolokiaClient j = new JolokiaClient(a.jolokiaUrl);
            assertEquals("procfs", JolokiaClient.value(j.get("read/org.taskwatch:type=Monitor/EventSource")));
            Map<?, ?> health = (Map<?, ?>) JolokiaClient.value(j.post("{\"type\":\"exec\","
                    + "\"mbean\":\"org.taskwatch:type=Monitor\",\"operation\":\"health\",\"arguments\":[60]}"));
            assertEquals("degraded", health.get("state"), health.toString());
            assertTrue(String.valueOf(health.get("reason")).contains("procfs"), health.toString());
            assertTrue(String.valueOf(health.get("reason")).contains("): misses processes that start and end"),
                    health.toString());
            assertTrue(String.valueOf(JolokiaClient.value(j.get("read/org.taskwatch:type=Monitor/KernelFilter")))
                    .contains("polls /proc"));

            try (JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(a.jmxUrl))) {
                MBeanServerConnection mbs = c.getMBeanServerConnection();
                MonitorNotifications seen = MonitorNotifications.listen(mbs);
                Process p = Spawn.sh("read line; exit 3");
                int pid = (int) p.pid();
                mbs.invoke(MONITOR, "watch", new Object[] {pid, "exit"}, new String[] {"int", "java.lang.String"});
                try (OutputStream in = p.getOutputStream()) {
                    in.write('\n');
                }
                assertEquals(3, Spawn.waitFor(p));
                CompositeData exit;
                try {
                    exit = seen.awaitExitData(pid, Duration.ofSeconds(10));
                } catch (AssertionError e) { // say what the agent knew, for whoever reads the failure
                    throw new AssertionError(e.getMessage() + "; the agent's WatchCount "
                            + mbs.getAttribute(MONITOR, "WatchCount") + ", EventsReceived "
                            + mbs.getAttribute(MONITOR, "EventsReceived") + ", ExitCount "
                            + mbs.getAttribute(MONITOR, "ExitCount") + "; its output:\n" + a.output(), e);
                }
                if ((Boolean) exit.get("exitStatusKnown")) { // the poller holds a pidfd: Linux 6.15+ tells the status
                    assertEquals(3, exit.get("exitCode"));
                } else {
                    assertTrue(!KernelVersion.running().atLeast(6, 15), "6.15+ must know the status: " + exit);
                    assertEquals(-1, exit.get("exitCode"));
                }
            }
        }
    }

    @Test
    void inAnotherNetworkNamespaceTheConnectorIsRefusedWithWhatToDo() throws Exception {
        KernelTests.require(KernelTests.isRoot(), "unshare -n needs root");
        List<String> cmd = List.of("unshare", "-n", AgentProcess.java(), "-jar", AgentProcess.jar().toString(), "agent",
                "--no-jmx", "--no-jolokia", "--set", "source=netlink");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.contains("initial network namespace"), "says why and where: " + out);

        // source=auto (the default) falls back to /proc there instead, and says so
        List<String> auto = List.of("unshare", "-n", AgentProcess.java(), "-jar", AgentProcess.jar().toString(), "agent",
                "--no-jmx", "--no-jolokia");
        Process q = new ProcessBuilder(auto).redirectErrorStream(true).start();
        OutputLines lines = OutputLines.of(q.getInputStream());
        try {
            String banner = lines.await("event source", Duration.ofSeconds(30));
            assertTrue(banner.contains("event source procfs (DEGRADED: ") && banner.contains("network namespace"), banner);
        } finally {
            q.destroy(); // SIGTERM: the poller holds no connector
            assertTrue(q.waitFor(15, TimeUnit.SECONDS));
        }
        assertEquals(0, q.exitValue(), lines.lines().toString());
    }
}
