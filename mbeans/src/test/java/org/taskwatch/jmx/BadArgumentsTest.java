package org.taskwatch.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import javax.management.MBeanServer;
import javax.management.MBeanServerConnection;
import javax.management.MBeanServerFactory;
import javax.management.RuntimeOperationsException;
import javax.management.openmbean.TabularData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.taskwatch.agent.JmxRemote;
import org.taskwatch.kernel.KernelVersion;
import org.taskwatch.monitor.MonitorSettings;
import org.taskwatch.monitor.TaskMonitor;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.Spawn;

/**
 * Every operation with wrong arguments, over remote JMX: a clear error naming the argument
 * (RuntimeOperationsException around IllegalArgumentException), and the registry exactly as
 * it was (WatchCount and the Watches table).
 */
class BadArgumentsTest {
    private static final int MAX_WATCHES = 3;
    private static TaskMonitor monitor;
    private static JmxExporter exporter;
    private static JmxRemote remote;
    private static JMXConnector client;
    private static MBeanServerConnection mbs;
    private static Process sleeper;

    @BeforeAll
    static void start() throws Exception {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6), "needs the connector");
        MonitorSettings d = MonitorSettings.defaults();
        monitor = TaskMonitor.start(new MonitorSettings(d.eventSource(), d.handoffCapacity(), MAX_WATCHES, 64,
                d.recentExits(), 2, d.maxSummaries(), d.summaryHistory(), 3600, d.kernelFilter(), d.priorityBoost(), d.watchedExitSeconds()));
        MBeanServer server = MBeanServerFactory.newMBeanServer();
        exporter = JmxExporter.export(server, monitor);
        remote = JmxRemote.start(server, "127.0.0.1", 0);
        client = JMXConnectorFactory.connect(new JMXServiceURL(remote.url()));
        mbs = client.getMBeanServerConnection();
        sleeper = Spawn.start("/bin/sleep", "60");
    }

    @AfterAll
    static void stop() throws Exception {
        if (sleeper != null) {
            sleeper.destroyForcibly().waitFor();
        }
        for (AutoCloseable c : new AutoCloseable[] {client, remote, exporter, monitor}) {
            if (c != null) {
                c.close();
            }
        }
    }

    private record Case(String operation, Object[] args, String[] signature, String mentions) {}

    private static Case c(String op, String mentions, Object... args) {
        String[] sig = new String[args.length];
        for (int i = 0; i < args.length; i++) {
            sig[i] = args[i] instanceof Integer ? "int" : args[i] instanceof Long ? "long" : "java.lang.String";
        }
        return new Case(op, args, sig, mentions);
    }

    @Test
    void everyBadArgumentIsNamedAndChangesNothing() throws Exception {
        int alive = (int) sleeper.pid();
        List<Case> cases = List.of(
                c("watch", "pid", -1, "exit"),
                c("watch", "pid", 0, "exit"),
                c("watch", "no such process", Integer.MAX_VALUE, "exit"),
                c("watch", "unknown event 'bogus'", alive, "exit,bogus"),
                c("watch", "events: empty", alive, ""),
                c("watch", "events", alive, " , "),
                c("watchTree", "pid", 0, "exit"),
                c("watchTree", "no such process", Integer.MAX_VALUE, "fork"),
                c("watchCommand", "regex: empty", "", "exec"),
                c("watchCommand", "regex: invalid pattern", "(unclosed", "exec"),
                c("watchCommand", "regex: 65 characters", "x".repeat(65), "exec"),
                c("watchCommand", "unknown event", "sleep", "forks"),
                c("waitForExit", "pid", -5, 10L),
                c("waitForExit", "timeoutMillis", alive, -1L),
                c("waitForExit", "timeoutMillis", alive, Long.MAX_VALUE),
                c("summary", "windowSeconds", "sleep", 0),
                c("summary", "windowSeconds", "sleep", 3601),
                c("summary", "regex: invalid pattern", "[", 60),
                c("processStatus", "pid", -1),
                c("eventCounts", "windowSeconds", 0),
                c("eventCounts", "windowSeconds", 1_000_000),
                c("health", "windowSeconds", -3));
        int before = (Integer) mbs.getAttribute(JmxNames.monitor(), "WatchCount");
        TabularData watchesBefore = (TabularData) mbs.getAttribute(JmxNames.monitor(), "Watches");
        int mbeansBefore = mbs.queryNames(JmxNames.of("org.taskwatch:type=Watch,*"), null).size();
        for (Case k : cases) {
            try {
                mbs.invoke(JmxNames.monitor(), k.operation, k.args, k.signature);
                fail(k.operation + List.of(k.args) + " was accepted");
            } catch (RuntimeOperationsException e) {
                assertTrue(e.getTargetException() instanceof IllegalArgumentException, k.operation + ": " + e);
                assertTrue(e.getMessage().contains(k.mentions), k.operation + List.of(k.args) + " said: " + e.getMessage());
            }
        }
        assertEquals(before, mbs.getAttribute(JmxNames.monitor(), "WatchCount"));
        assertEquals(watchesBefore, mbs.getAttribute(JmxNames.monitor(), "Watches"), "the registry is as it was");
        assertEquals(mbeansBefore, mbs.queryNames(JmxNames.of("org.taskwatch:type=Watch,*"), null).size());
        assertFalse((Boolean) mbs.invoke(JmxNames.monitor(), "unwatch", new Object[] {-1L}, new String[] {"long"}),
                "no such watch is an answer, not an error");
    }

    @Test
    void theWatchLimitRefusesClearlyAndKeepsTheOthers() throws Exception {
        int alive = (int) sleeper.pid();
        List<Long> ids = new java.util.ArrayList<>();
        try {
            while (ids.size() < MAX_WATCHES) {
                ids.add((Long) mbs.invoke(JmxNames.monitor(), "watch", new Object[] {alive, "exit"},
                        new String[] {"int", "java.lang.String"}));
            }
            try {
                mbs.invoke(JmxNames.monitor(), "watchCommand", new Object[] {"sleep", "exec"},
                        new String[] {"java.lang.String", "java.lang.String"});
                fail("a fourth watch was accepted");
            } catch (RuntimeOperationsException e) {
                assertTrue(e.getMessage().contains("too many watches: the limit is 3 (setting maxWatches)"), e.getMessage());
            }
            assertEquals(MAX_WATCHES, mbs.getAttribute(JmxNames.monitor(), "WatchCount"));
        } finally {
            for (long id : ids) {
                mbs.invoke(JmxNames.monitor(), "unwatch", new Object[] {id}, new String[] {"long"});
            }
        }
    }
}
