package org.taskwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskwatch.testing.Spawn;

/**
 * One access story: the users of {@code jmx.passwordFile} and their rights from
 * {@code jmx.accessFile} guard JMX and Jolokia alike (a read-only user may read and call the
 * operations whose impact is INFO, not create watches); failed logins are logged with the user
 * and the address, rate-limited; a password file others may read is refused, as the JDK does.
 * Real agent, a real remote JMX client with credentials, real HTTP.
 */
class AccessIT {
    private static final ObjectName MONITOR = AgentProcess.objectName("org.taskwatch:type=Monitor");
    private static final String[] INT = {"int"};

    @BeforeAll
    static void needsTheConnector() {
        AgentProcess.requireConnector();
    }

    private static AgentProcess agent(Path dir) throws Exception {
        Path passwords = Files.writeString(dir.resolve("jmx.password"), "ops s3cret\nviewer look\nstranger here\n");
        Files.setPosixFilePermissions(passwords, PosixFilePermissions.fromString("rw-------"));
        Path access = Files.writeString(dir.resolve("jmx.access"), "# who may do what\nops readwrite\nviewer readonly\n");
        return AgentProcess.start("--jmx-port", Integer.toString(AgentProcess.freePort()), "--jolokia-port",
                Integer.toString(AgentProcess.freePort()), "--set", "jmx.passwordFile=" + passwords,
                "--set", "jmx.accessFile=" + access);
    }

    private static JMXConnector jmx(AgentProcess a, String user, String password) throws Exception {
        return JMXConnectorFactory.connect(new JMXServiceURL(a.jmxUrl),
                Map.of(JMXConnector.CREDENTIALS, new String[] {user, password}));
    }

    private static String exec(String operation, Object... args) {
        StringBuilder b = new StringBuilder();
        for (Object o : args) {
            b.append(b.length() == 0 ? "" : ",").append(o instanceof String ? "\"" + o + "\"" : o);
        }
        return "{\"type\":\"exec\",\"mbean\":\"org.taskwatch:type=Monitor\",\"operation\":\"" + operation
                + "\",\"arguments\":[" + b + "]}";
    }

    @Test
    void thePasswordAndAccessFilesGuardJmxAndJolokiaAlike(@TempDir Path dir) throws Exception {
        try (AgentProcess a = agent(dir)) {
            assertNotNull(a.jolokiaUrl, a.output());
            assertTrue(a.output().contains("JMX " + a.jmxUrl + " (authentication)"), a.output());
            assertTrue(a.output().contains("Jolokia " + a.jolokiaUrl + " (authentication)"), a.output());
            int self = (int) ProcessHandle.current().pid();

            // Jolokia: nobody without a password, on any path
            JolokiaClient anonymous = new JolokiaClient(a.jolokiaUrl);
            for (String path : List.of("", "config", "read/org.taskwatch:type=Monitor/WatchCount")) {
                HttpResponse<String> r = anonymous.send(HttpRequest.newBuilder(URI.create(a.jolokiaUrl + path))
                        .POST(HttpRequest.BodyPublishers.ofString(exec("watch", self, "exit"))));
                assertEquals(401, r.statusCode(), path + ": " + r.body());
                assertEquals(401L, ((Number) JolokiaClient.parse(r.body()).get("status")).longValue(), r.body());
            }
            assertEquals(401, new JolokiaClient(a.jolokiaUrl, "ops", "wrong").send(HttpRequest.newBuilder(
                    URI.create(a.jolokiaUrl + "version")).GET()).statusCode());
            HttpResponse<String> noLine = new JolokiaClient(a.jolokiaUrl, "stranger", "here").send(HttpRequest.newBuilder(
                    URI.create(a.jolokiaUrl + "version")).GET());
            assertEquals(401, noLine.statusCode(), "a user without an access line may do nothing: " + noLine.body());

            // Jolokia, read-only: reads and INFO operations, no watches
            JolokiaClient viewer = new JolokiaClient(a.jolokiaUrl, "viewer", "look");
            assertEquals(0L, ((Number) JolokiaClient.value(viewer.get("read/org.taskwatch:type=Monitor/WatchCount")))
                    .longValue());
            Map<?, ?> status = (Map<?, ?>) JolokiaClient.value(viewer.post(exec("processStatus", self)));
            assertEquals(true, status.get("alive"), status.toString());
            assertEquals("ok", ((Map<?, ?>) JolokiaClient.value(viewer.post(exec("health", 60)))).get("state"));
            assertNotNull(JolokiaClient.value(viewer.post(exec("eventCounts", 60))));
            assertNotNull(JolokiaClient.value(viewer.post(exec("summary", "no-such-command", 60))));
            Process q = Spawn.sh("exit 5");
            assertEquals(5, Spawn.waitFor(q));
            Map<?, ?> waited = (Map<?, ?>) JolokiaClient.value(viewer.post(exec("waitForExit", (int) q.pid(), 10000)));
            assertEquals(5L, ((Number) waited.get("exitCode")).longValue(), waited.toString());
            for (String denied : List.of(exec("watch", self, "exit"), exec("watchTree", self, "exit"),
                    exec("watchCommand", "x", "exec"), exec("unwatch", 1))) {
                HttpResponse<String> r = viewer.send(HttpRequest.newBuilder(URI.create(a.jolokiaUrl))
                        .POST(HttpRequest.BodyPublishers.ofString(denied)));
                assertEquals(403, r.statusCode(), denied + ": " + r.body());
                assertTrue(r.body().contains("read-only"), r.body());
            }
            // the same in a bulk request, behind a harmless read
            HttpResponse<String> bulk = viewer.send(HttpRequest.newBuilder(URI.create(a.jolokiaUrl))
                    .POST(HttpRequest.BodyPublishers.ofString("[" + exec("health", 60) + "," + exec("watch", self, "exit") + "]")));
            assertEquals(403, bulk.statusCode(), bulk.body());

            // JMX, read-only: the same rule
            try (JMXConnector c = jmx(a, "viewer", "look")) {
                MBeanServerConnection mbs = c.getMBeanServerConnection();
                assertEquals("netlink", mbs.getAttribute(MONITOR, "EventSource"));
                CompositeData h = (CompositeData) mbs.invoke(MONITOR, "health", new Object[] {60}, INT);
                assertEquals("ok", h.get("state"));
                CompositeData ps = (CompositeData) mbs.invoke(MONITOR, "processStatus", new Object[] {self}, INT);
                assertEquals(true, ps.get("alive"));
                SecurityException e = assertThrows(SecurityException.class, () -> mbs.invoke(MONITOR, "watch",
                        new Object[] {self, "exit"}, new String[] {"int", "java.lang.String"}));
                assertTrue(e.getMessage().contains("read-only"), e.getMessage());
                assertThrows(SecurityException.class, () -> mbs.invoke(MONITOR, "unwatch", new Object[] {1L},
                        new String[] {"long"}));
            }
            assertThrows(SecurityException.class, () -> jmx(a, "stranger", "here").getMBeanServerConnection()
                    .getAttribute(MONITOR, "EventSource"), "no access line: nothing");
            assertThrows(SecurityException.class, () -> JMXConnectorFactory.connect(new JMXServiceURL(a.jmxUrl)).close(),
                    "no credentials");
            assertEquals(0L, ((Number) JolokiaClient.value(viewer.get("read/org.taskwatch:type=Monitor/WatchCount")))
                    .longValue(), "no watch was made by a read-only user or a stranger");

            // read-write: watches over both
            long id = ((Number) JolokiaClient.value(new JolokiaClient(a.jolokiaUrl, "ops", "s3cret")
                    .post(exec("watch", self, "exit")))).longValue();
            try (JMXConnector c = jmx(a, "ops", "s3cret")) {
                MBeanServerConnection mbs = c.getMBeanServerConnection();
                assertTrue(mbs.isRegistered(AgentProcess.objectName("org.taskwatch:type=Watch,id=" + id)));
                assertEquals(true, mbs.invoke(MONITOR, "unwatch", new Object[] {id}, new String[] {"long"}));
            }
        }
    }

    @Test
    void failedLoginsAreLoggedWithUserAndAddressRateLimited(@TempDir Path dir) throws Exception {
        try (AgentProcess a = agent(dir)) {
            long start = System.nanoTime();
            for (int i = 0; i < 25; i++) {
                assertThrows(SecurityException.class, () -> jmx(a, "ops", "guess").close());
                assertEquals(401, new JolokiaClient(a.jolokiaUrl, "admin", "guess").send(HttpRequest.newBuilder(
                        URI.create(a.jolokiaUrl + "version")).GET()).statusCode());
            }
            long minutes = TimeUnit.NANOSECONDS.toMinutes(System.nanoTime() - start) + 1;
            Thread.sleep(300); // let the agent's output arrive
            String out = a.output();
            assertTrue(out.contains("taskwatch: failed login to JMX as 'ops' from 127.0.0.1"), out);
            assertTrue(out.contains("taskwatch: failed login to Jolokia as 'admin' from 127.0.0.1"), out);
            long lines = out.lines().filter(l -> l.contains("failed login")).count();
            // 50 failures: ten lines a minute, the rest counted
            assertTrue(lines <= FailedLogins.SHOWN_PER_MINUTE * minutes, lines + " lines in " + minutes + " min: " + out);
            assertTrue(out.contains("further failures this minute are counted, not shown"), out);
            try (JMXConnector c = jmx(a, "ops", "s3cret")) { // the right password still works
                assertEquals("netlink", c.getMBeanServerConnection().getAttribute(MONITOR, "EventSource"));
            }
        }
    }

    @Test
    void aPasswordFileOthersMayReadIsRefusedAsTheJdkDoes(@TempDir Path dir) throws Exception {
        Path passwords = Files.writeString(dir.resolve("jmx.password"), "ops s3cret\n");
        Files.setPosixFilePermissions(passwords, PosixFilePermissions.fromString("rw-r--r--"));
        AgentProcess a = AgentProcess.start("--jmx-port", Integer.toString(AgentProcess.freePort()), "--no-jolokia",
                "--set", "jmx.passwordFile=" + passwords);
        assertEquals(1, a.awaitExit(), a.output());
        assertTrue(a.output().contains("jmx.passwordFile: " + passwords) && a.output().contains("chmod 600 " + passwords),
                "names the file and the fix: " + a.output());
    }
}
