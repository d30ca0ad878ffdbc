package org.taskwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.taskwatch.testing.OutputLines;
import org.taskwatch.testing.Spawn;

/**
 * Every runtime watch has an owner (issue 14): a watch made over a remote JMX connection ends
 * when the connection is closed, or when its client is killed (SIGKILL: no close) and the
 * connection's timeout passes; a kept watch, and the watches of other clients, stay. A watch
 * handed to a Jolokia notification client ends when the client expires or unregisters. Watches
 * that never end by themselves (command watches) are used, so only their owner can end them.
 */
class WatchOwnershipIT {
    private static final ObjectName MONITOR = AgentProcess.objectName("org.taskwatch:type=Monitor");
    private static final String[] TWO_STRINGS = {"java.lang.String", "java.lang.String"};
    /** The agent's jmx.connectionTimeoutSeconds here: the bound for a killed client, as the README states it. */
    private static final int CONNECTION_TIMEOUT_SECONDS = 5;
    /** Generous room beyond a bound for a loaded machine; what the bound is, the log line's time says. */
    private static final Duration SLACK = Duration.ofSeconds(20);

    @BeforeAll
    static void needsTheConnector() {
        AgentProcess.requireConnector();
    }

    @Test
    void jmxWatchesEndWithTheirConnectionUnlessKept() throws Exception {
        try (AgentProcess a = AgentProcess.start("--jmx-port", Integer.toString(AgentProcess.freePort()), "--no-jolokia",
                "--set", "jmx.connectionTimeoutSeconds=" + CONNECTION_TIMEOUT_SECONDS);
                // the checker and the other client check their connection every second, as a live client must
                // (more often than the agent's timeout): JDK clients do it every minute by default
                JMXConnector checker = connect(a, 1000);
                JMXConnector other = connect(a, 1000)) {
            MBeanServerConnection mbs = checker.getMBeanServerConnection();
            long others = watchCommand(other.getMBeanServerConnection(), "^other-client$");
            assertEquals("JMX connection " + other.getConnectionId(), owner(mbs, others), "the watch names its owner");

            // (a) a client that closes
            long owned;
            long kept;
            try (JMXConnector closing = connect(a, 0)) {
                MBeanServerConnection c = closing.getMBeanServerConnection();
                owned = watchCommand(c, "^closing-client-owned$");
                kept = watchCommand(c, "^closing-client-kept$");
                assertTrue((Boolean) c.invoke(MONITOR, "keep", new Object[] {kept}, new String[] {"long"}));
                assertEquals("", owner(mbs, kept), "a kept watch has no owner");
            }
            awaitGone(mbs, owned, Duration.ofSeconds(5).plus(SLACK));
            a.awaitOutput("its watches ended: " + owned, Duration.ofSeconds(5));
            assertTrue(registered(mbs, kept), "the kept watch outlives its client");
            assertTrue(registered(mbs, others), "the other client's watch stays");

            // (b) a client killed with SIGKILL: no close reaches the agent
            Process client = new ProcessBuilder(AgentProcess.java(), "-XX:+UseSerialGC", "-cp",
                    System.getProperty("java.class.path"), WatchingJmxClient.class.getName(), a.jmxUrl)
                    .redirectErrorStream(true).start();
            String[] ids = OutputLines.of(client.getInputStream()).await("watching ", Duration.ofSeconds(30)).split(" ");
            long killedOwned = Long.parseLong(ids[1]);
            long killedKept = Long.parseLong(ids[2]);
            assertTrue(registered(mbs, killedOwned) && registered(mbs, killedKept));
            client.destroyForcibly();
            assertEquals(128 + 9, Spawn.waitFor(client), "killed by SIGKILL");
            long killedAt = System.nanoTime();
            awaitGone(mbs, killedOwned, Duration.ofSeconds(CONNECTION_TIMEOUT_SECONDS).plus(SLACK));
            long seconds = Duration.ofNanos(System.nanoTime() - killedAt).toSeconds();
            System.out.println("WatchOwnershipIT: the killed client's watch ended " + seconds + " s after SIGKILL"
                    + " (jmx.connectionTimeoutSeconds=" + CONNECTION_TIMEOUT_SECONDS + ")");
            a.awaitOutput("its watches ended: " + killedOwned, Duration.ofSeconds(5));
            assertTrue(registered(mbs, killedKept), "the killed client's kept watch stays");
            // the other client made no call all this while: its connection check kept it alive
            assertTrue(registered(mbs, others), "the other client's watch stays");
            assertTrue(registered(mbs, kept));

            // a kept watch ends by unwatch, as before
            assertTrue((Boolean) mbs.invoke(MONITOR, "unwatch", new Object[] {kept}, new String[] {"long"}));
            assertFalse(registered(mbs, kept));
        }
    }

    @Test
    void jolokiaWatchesEndWithTheNotificationClientTheyWereHandedTo() throws Exception {
        int timeout = 3;
        try (AgentProcess a = AgentProcess.start("--no-jmx", "--jolokia-port", Integer.toString(AgentProcess.freePort()),
                "--set", "jolokia.clientTimeoutSeconds=" + timeout)) {
            JolokiaClient j = new JolokiaClient(a.jolokiaUrl);
            String idle = register(j);
            String live = register(j);
            String leaving = register(j);
            for (String client : List.of(idle, live, leaving)) {
                subscribe(j, client);
            }
            long ofIdle = watchCommand(j, "^jolokia-idle$");
            long ofLive = watchCommand(j, "^jolokia-live$");
            long ofLeaving = watchCommand(j, "^jolokia-leaving$");
            long untied = watchCommand(j, "^jolokia-untied$");
            assertEquals(true, endWith(j, ofIdle, idle).get("value"));
            assertEquals(true, endWith(j, ofLive, live).get("value"));
            assertEquals(true, endWith(j, ofLeaving, leaving).get("value"));
            assertEquals("Jolokia client " + idle, read(j, ofIdle, "Owner"));

            Map<String, Object> bad = endWith(j, untied, "no-such-client");
            assertTrue(((Number) bad.get("status")).intValue() >= 400, bad.toString());
            assertTrue(String.valueOf(bad.get("error")).contains("no Jolokia client no-such-client is alive"), bad.toString());
            assertEquals("", read(j, untied, "Owner"), "a refused hand-over changes nothing");

            AtomicBoolean keepAlive = new AtomicBoolean(true);
            Thread pinger = new Thread(() -> {
                try {
                    while (keepAlive.get()) {
                        for (String c : List.of(live, leaving)) {
                            j.post("{\"type\":\"notification\",\"command\":\"ping\",\"client\":\"" + c + "\"}");
                        }
                        Thread.sleep(300);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "pinger");
            pinger.setDaemon(true);
            pinger.start();
            try {
                // the idle client expires after the timeout, and its watch with it
                awaitGone(j, ofIdle, Duration.ofSeconds(timeout + 2).plus(SLACK));
                a.awaitOutput("taskwatch: jolokia: notification client " + idle + " expired", Duration.ofSeconds(10));
                // one that unregisters: its watch ends at the next check (every second here)
                JolokiaClient.value(j.post("{\"type\":\"notification\",\"command\":\"unregister\",\"client\":\""
                        + leaving + "\"}"));
                awaitGone(j, ofLeaving, Duration.ofSeconds(2).plus(SLACK));
                a.awaitOutput("watch " + ofLeaving + " (Jolokia client " + leaving + ")", Duration.ofSeconds(5));
                assertEquals("Jolokia client " + live, read(j, ofLive, "Owner"), "a live client's watch stays");
                assertEquals("", read(j, untied, "Owner"), "a watch handed to nobody stays");
            } finally {
                keepAlive.set(false);
                pinger.join(5000);
            }
        }
    }

    // ---- JMX ----

    private static JMXConnector connect(AgentProcess a, long checkPeriodMillis) throws Exception {
        return JMXConnectorFactory.connect(new JMXServiceURL(a.jmxUrl), checkPeriodMillis == 0 ? null
                : Map.of("jmx.remote.x.client.connection.check.period", checkPeriodMillis));
    }

    private static long watchCommand(MBeanServerConnection mbs, String regex) throws Exception {
        return (Long) mbs.invoke(MONITOR, "watchCommand", new Object[] {regex, "exec"}, TWO_STRINGS);
    }

    private static ObjectName watch(long id) {
        return AgentProcess.objectName("org.taskwatch:type=Watch,id=" + id);
    }

    private static boolean registered(MBeanServerConnection mbs, long id) throws Exception {
        return mbs.isRegistered(watch(id));
    }

    private static String owner(MBeanServerConnection mbs, long id) throws Exception {
        return (String) mbs.getAttribute(watch(id), "Owner");
    }

    private static void awaitGone(MBeanServerConnection mbs, long id, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (registered(mbs, id)) {
            assertTrue(System.nanoTime() < deadline, "watch " + id + " still there after " + within);
            Thread.sleep(100);
        }
    }

    // ---- Jolokia ----

    private static String register(JolokiaClient j) throws Exception {
        return (String) ((Map<?, ?>) JolokiaClient.value(j.post("{\"type\":\"notification\",\"command\":\"register\"}")))
                .get("id");
    }

    private static void subscribe(JolokiaClient j, String client) throws Exception {
        JolokiaClient.value(j.post("{\"type\":\"notification\",\"command\":\"add\",\"client\":\"" + client
                + "\",\"mode\":\"pull\",\"mbean\":\"org.taskwatch:type=Monitor\",\"filter\":[\"taskwatch.process.exit\"]}"));
    }

    private static long watchCommand(JolokiaClient j, String regex) throws Exception {
        return ((Number) JolokiaClient.value(j.post("{\"type\":\"exec\",\"mbean\":\"org.taskwatch:type=Monitor\","
                + "\"operation\":\"watchCommand\",\"arguments\":[\"" + regex + "\",\"exec\"]}"))).longValue();
    }

    private static Map<String, Object> endWith(JolokiaClient j, long id, String client) throws Exception {
        return j.post("{\"type\":\"exec\",\"mbean\":\"org.taskwatch:type=Monitor\",\"operation\":\"endWith\","
                + "\"arguments\":[" + id + ",\"" + client + "\"]}");
    }

    private static Object read(JolokiaClient j, long id, String attribute) throws Exception {
        return JolokiaClient.value(j.get("read/org.taskwatch:type=Watch,id=" + id + "/" + attribute));
    }

    private static void awaitGone(JolokiaClient j, long id, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (((Number) j.get("read/org.taskwatch:type=Watch,id=" + id + "/Kind").get("status")).intValue() == 200) {
            assertTrue(System.nanoTime() < deadline, "watch " + id + " still there after " + within);
            Thread.sleep(100);
        }
    }
}
