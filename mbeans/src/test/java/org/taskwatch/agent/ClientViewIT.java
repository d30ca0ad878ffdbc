package org.taskwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanNotificationInfo;
import javax.management.MBeanServerConnection;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.taskwatch.testing.Spawn;

/**
 * What generic clients show of a running agent ({@code java -jar}, a separate JVM): a remote JMX
 * client reading MBeanInfo and attributes as JConsole does, and a Jolokia {@code list} request
 * as any HTTP client sends it. The defects of issue 12 that real clients showed.
 */
class ClientViewIT {
    private static final ObjectName MONITOR = AgentProcess.objectName("org.taskwatch:type=Monitor");
    /** Every notification type the Monitor sends (README, Notifications). */
    private static final List<String> TYPES = List.of("taskwatch.process.fork", "taskwatch.process.exec",
            "taskwatch.process.exit", "taskwatch.thread.create", "taskwatch.thread.exit", "taskwatch.process.comm",
            "taskwatch.process.uid", "taskwatch.process.gid", "taskwatch.process.sid", "taskwatch.process.ptrace",
            "taskwatch.process.coredump", "taskwatch.monitor.lost");
    /** What an MBean built by plain introspection says of itself (the JDK's text). */
    private static final String JDK_MBEAN_DESCRIPTION = "Information on the management interface of the MBean";

    private static AgentProcess agent;
    private static JMXConnector client;
    private static MBeanServerConnection mbs;
    private static MonitorNotifications received;

    @BeforeAll
    static void start() throws Exception {
        AgentProcess.requireConnector();
        agent = AgentProcess.start("--jmx-port", Integer.toString(AgentProcess.freePort()),
                "--jolokia-port", Integer.toString(AgentProcess.freePort()));
        client = JMXConnectorFactory.connect(new JMXServiceURL(agent.jmxUrl));
        mbs = client.getMBeanServerConnection();
        received = MonitorNotifications.listen(mbs);
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (agent != null) {
            agent.close();
        }
    }

    private long watch(int pid, String events) throws Exception {
        return (Long) mbs.invoke(MONITOR, "watch", new Object[] {pid, events}, new String[] {"int", "java.lang.String"});
    }

    private static ObjectName watchName(long id) {
        return AgentProcess.objectName("org.taskwatch:type=Watch,id=" + id);
    }

    @Test
    void theMonitorNamesItsOwnClassNotAProxy() throws Exception {
        MBeanInfo info = mbs.getMBeanInfo(MONITOR);
        assertEquals("org.taskwatch.jmx.Monitor", info.getClassName());
    }

    @Test
    void jolokiaListShowsEveryNotificationType() throws Exception {
        JolokiaClient j = new JolokiaClient(agent.jolokiaUrl);
        Map<?, ?> monitor = (Map<?, ?>) JolokiaClient.value(
                j.post("{\"type\":\"list\",\"path\":\"org.taskwatch/type=Monitor\"}"));
        Map<?, ?> notif = (Map<?, ?>) monitor.get("notif");
        assertNotNull(notif, monitor.toString());
        Set<String> listed = new HashSet<>();
        for (Object o : notif.values()) {
            Map<?, ?> n = (Map<?, ?>) o;
            for (Object t : (List<?>) n.get("types")) {
                listed.add((String) t);
            }
            assertFalse(((String) n.get("desc")).isEmpty(), n.toString());
        }
        // the same as a JMX client reads from MBeanInfo, and every type the README names
        Set<String> declared = new HashSet<>();
        for (MBeanNotificationInfo i : mbs.getMBeanInfo(MONITOR).getNotifications()) {
            declared.addAll(List.of(i.getNotifTypes()));
            for (String t : i.getNotifTypes()) { // one row per type in JConsole's descriptor table
                assertTrue(i.getDescriptor().getFieldValue(t) instanceof String d && !d.isBlank(), t + ": " + i);
            }
        }
        assertEquals(declared, listed, "Jolokia list against MBeanInfo: " + notif);
        assertEquals(new HashSet<>(TYPES), listed, notif.toString());
        for (Object o : notif.values()) {
            String desc = (String) ((Map<?, ?>) o).get("desc");
            for (String t : TYPES) {
                assertTrue(desc.contains(t), "the description says what " + t + " means: " + desc);
            }
        }
    }

    @Test
    void everyMBeanAndAttributeIsDescribed() throws Exception {
        Process p = Spawn.start("/bin/sleep", "600");
        try {
            long id = watch((int) p.pid(), "exit");
            for (ObjectName name : List.of(MONITOR, watchName(id))) {
                MBeanInfo info = mbs.getMBeanInfo(name);
                assertFalse(info.getDescription() == null || info.getDescription().isBlank()
                        || info.getDescription().equals(JDK_MBEAN_DESCRIPTION), name + ": " + info.getDescription());
                Set<String> seen = new HashSet<>();
                for (MBeanAttributeInfo a : info.getAttributes()) {
                    String d = a.getDescription();
                    assertFalse(d == null || d.isBlank() || d.equals(a.getName()), name + " " + a.getName() + ": " + d);
                    assertTrue(seen.add(d), name + " " + a.getName() + " repeats another's description: " + d);
                }
            }
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @Test
    void aKilledProcessIsExitCodeZeroAndItsSignalOnTheWatchAsInTheNotification() throws Exception {
        Process p = Spawn.start("/bin/sleep", "600");
        int pid = (int) p.pid();
        long id = watch(pid, "exit");
        p.destroy(); // SIGTERM
        assertEquals(128 + 15, Spawn.waitFor(p), "Java reports the shell-style status of SIGTERM");
        CompositeData exit = received.awaitExitData(pid, Duration.ofSeconds(10));
        assertEquals(0, exit.get("exitCode"));
        assertEquals(15, exit.get("signal"));
        assertEquals(false, exit.get("coreDumped"));
        ObjectName w = watchName(id);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (mbs.getAttribute(w, "Signal") == null && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(exit.get("exitCode"), mbs.getAttribute(w, "ExitCode"), "one model: the notification's");
        assertEquals(exit.get("signal"), mbs.getAttribute(w, "Signal"));
        assertEquals(exit.get("coreDumped"), mbs.getAttribute(w, "CoreDumped"));

        Process q = Spawn.sh("read line; exit 3");
        long qid = watch((int) q.pid(), "exit");
        assertEquals(null, mbs.getAttribute(watchName(qid), "ExitCode"), "no status while it runs");
        assertEquals(null, mbs.getAttribute(watchName(qid), "Signal"));
        try (var in = q.getOutputStream()) {
            in.write('\n');
        }
        assertEquals(3, Spawn.waitFor(q));
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (mbs.getAttribute(watchName(qid), "ExitCode") == null && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(3, mbs.getAttribute(watchName(qid), "ExitCode"));
        assertEquals(0, mbs.getAttribute(watchName(qid), "Signal"));
    }

    @Test
    void theWatchesTableShowsWhenEachWasCreatedReadably() throws Exception {
        Process p = Spawn.start("/bin/sleep", "600");
        try {
            long before = System.currentTimeMillis();
            long id = watch((int) p.pid(), "exit");
            long after = System.currentTimeMillis();
            TabularData t = (TabularData) mbs.getAttribute(MONITOR, "Watches");
            CompositeData row = t.get(new Object[] {id});
            assertNotNull(row, t.toString());
            long created = (Long) row.get("created");
            assertTrue(created >= before && created <= after, before + " <= " + created + " <= " + after);
            String iso = (String) row.get("createdIso");
            assertEquals(Instant.ofEpochMilli(created), Instant.parse(iso), "ISO-8601, the same instant: " + iso);
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @Test
    void theReadmeNamesEveryAttributeAClientShows() throws Exception {
        Process p = Spawn.start("/bin/sleep", "600");
        try {
            long id = watch((int) p.pid(), "exit");
            String all = Files.readString(Path.of(System.getenv().getOrDefault("TASKWATCH_ROOT", ".."), "README.md"),
                    StandardCharsets.UTF_8);
            // where the README lists the MBeans' attributes (not a mention elsewhere)
            int from = all.indexOf("Attributes (point-in-time):");
            assertTrue(from >= 0, "README.md has no attribute list");
            String readme = all.substring(from, all.indexOf("Notifications:", from));
            for (ObjectName name : List.of(MONITOR, watchName(id))) {
                for (MBeanAttributeInfo a : mbs.getMBeanInfo(name).getAttributes()) {
                    assertTrue(readme.contains("`" + a.getName() + "`"), "README.md's attribute list does not name " + name + " " + a.getName());
                }
            }
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @Test
    void sigtermStopsTheAgentSilentlyWithExitZero() throws Exception {
        AgentProcess a = AgentProcess.start("--jmx-port", Integer.toString(AgentProcess.freePort()),
                "--jolokia-port", Integer.toString(AgentProcess.freePort()));
        // SIGTERM through the handle: Process.destroy would close our end of its output first
        assertTrue(a.process.toHandle().destroy());
        assertEquals(0, a.awaitExit(), a.output());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        synchronized (a.output) { // to the end of its output (null), not to some time after its exit
            while (!a.output.contains(null) && System.nanoTime() < deadline) {
                a.output.wait(100);
            }
        }
        List<String> after = new ArrayList<>();
        for (String line : a.output().split("\n")) {
            if (!line.startsWith("taskwatch agent: ")) { // the banner
                after.add(line);
            }
        }
        assertEquals(List.of(), after, "nothing printed on a clean stop: " + a.output());
    }
}
