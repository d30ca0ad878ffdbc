package org.taskwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
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
import org.taskwatch.testing.Spawn;

/**
 * What leaves the host: a process run with {@code --password=hunter2} (its /proc cmdline says so)
 * exits, and the agent's default {@code redact} rule masks the password in what a remote JMX
 * client receives (the exit notification's command line and message), in what a Jolokia client
 * pulls over HTTP, and in the declared watch's texts served over both; an agent started with
 * {@code redact=} (empty) shows it, so the masking is the rule's doing and not a lost command line.
 */
class RedactionIT {
    private static final ObjectName MONITOR = AgentProcess.objectName("org.taskwatch:type=Monitor");
    private static final String SECRET = "hunter2";

    @TempDir
    Path dir;
    private final String tag = "rx" + (100_000 + ThreadLocalRandom.current().nextInt(800_000));

    @BeforeAll
    static void kernel() {
        AgentProcess.requireConnector();
    }

    private AgentProcess agent(String redact) throws Exception {
        Path conf = dir.resolve("taskwatch-" + (redact == null ? "default" : "none") + ".properties");
        Files.writeString(conf, String.join("\n",
                "jmx.port = " + AgentProcess.freePort(),
                "jolokia.port = " + AgentProcess.freePort(),
                "watch.secretive.match = command:" + tag,
                redact == null ? "" : "redact = " + redact) + "\n");
        return AgentProcess.start("--config", conf.toString());
    }

    /** {@code sh -c 'read line; exit 5' TAG --password=hunter2}: waits for a line on its input, then exits 5. */
    private Process secretive() throws Exception {
        Process p = Spawn.start("sh", "-c", "read line; exit 5", tag, "--password=" + SECRET);
        // the independent source: the kernel's own record of the command line carries the secret
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String cmdline = "";
        while (!cmdline.contains(SECRET) && System.nanoTime() < deadline) {
            cmdline = new String(Files.readAllBytes(Path.of("/proc/" + p.pid() + "/cmdline")), StandardCharsets.UTF_8);
        }
        assertTrue(cmdline.contains("--password=" + SECRET), cmdline);
        return p;
    }

    private static void finish(Process p) throws Exception {
        try (OutputStream in = p.getOutputStream()) {
            in.write('\n');
        }
        assertEquals(5, Spawn.waitFor(p));
    }

    @Test
    void theDefaultRuleMasksThePasswordInNotificationsAndTextsOverJmxAndJolokia() throws Exception {
        try (AgentProcess a = agent(null);
                JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(a.jmxUrl))) {
            MBeanServerConnection mbs = c.getMBeanServerConnection();
            MonitorNotifications seen = MonitorNotifications.listen(mbs);
            JolokiaClient j = new JolokiaClient(a.jolokiaUrl);
            String client = (String) ((Map<?, ?>) JolokiaClient.value(
                    j.post("{\"type\":\"notification\",\"command\":\"register\"}"))).get("id");
            String handle = (String) JolokiaClient.value(j.post("{\"type\":\"notification\",\"command\":\"add\","
                    + "\"client\":\"" + client + "\",\"mode\":\"pull\",\"mbean\":\"org.taskwatch:type=Monitor\","
                    + "\"filter\":[\"taskwatch.process.exit\"]}"));

            Process p = secretive();
            int pid = (int) p.pid();
            awaitStarts(j, 1); // the declared watch has it (its exec read with the command line)
            finish(p);

            Notification n = seen.awaitExit(pid, Duration.ofSeconds(30));
            CompositeData d = (CompositeData) n.getUserData();
            assertEquals(5, d.get("exitCode"));
            String cmdline = (String) d.get("cmdline");
            assertTrue(cmdline.contains(tag + " --password=***"), "masked, the rest kept: " + cmdline);
            assertFalse(String.valueOf(d).contains(SECRET), "JMX notification: " + d);
            assertFalse(n.getMessage().contains(SECRET), n.getMessage());

            String pulled = MonitorNotifications.awaitPulledExit(j, client, handle, pid, Duration.ofSeconds(30));
            assertTrue(pulled.contains("--password=***"), pulled);
            assertFalse(pulled.contains(SECRET), "Jolokia notification: " + pulled);

            ObjectName watch = AgentProcess.objectName("org.taskwatch:type=Watch,name=secretive");
            String lastExit = (String) mbs.getAttribute(watch, "LastExit");
            assertTrue(lastExit.contains("--password=***") && !lastExit.contains(SECRET), lastExit);
            String texts = JolokiaClient.value(j.get("read/org.taskwatch:type=Watch,name=secretive")).toString();
            assertTrue(texts.contains("--password=***"), texts);
            assertFalse(texts.contains(SECRET), "the watch's texts over Jolokia: " + texts);
        }
    }

    @Test
    void anEmptyRuleMasksNothing() throws Exception {
        try (AgentProcess a = agent("");
                JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(a.jmxUrl))) {
            MBeanServerConnection mbs = c.getMBeanServerConnection();
            MonitorNotifications seen = MonitorNotifications.listen(mbs);
            Process p = secretive();
            awaitStarts(new JolokiaClient(a.jolokiaUrl), 1);
            finish(p);
            CompositeData d = seen.awaitExitData((int) p.pid(), Duration.ofSeconds(30));
            assertTrue(((String) d.get("cmdline")).contains("--password=" + SECRET), String.valueOf(d));
        }
    }

    private static void awaitStarts(JolokiaClient j, long starts) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Object v = null;
        while (System.nanoTime() < deadline) {
            v = JolokiaClient.value(j.get("read/org.taskwatch:type=Watch,name=secretive/Starts"));
            if (((Number) v).longValue() >= starts) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the declared watch did not count " + starts + " start(s) within 30 s: " + v);
    }


}
