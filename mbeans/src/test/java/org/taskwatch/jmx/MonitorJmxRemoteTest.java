package org.taskwatch.jmx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.management.JMX;
import javax.management.MBeanNotificationInfo;
import javax.management.MBeanServer;
import javax.management.MBeanServerConnection;
import javax.management.MBeanServerFactory;
import javax.management.Notification;
import javax.management.RuntimeOperationsException;
import javax.management.openmbean.CompositeData;
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

/** A real remote JMX client over RMI on loopback against a monitor reading the real kernel. */
class MonitorJmxRemoteTest {
    private static TaskMonitor monitor;
    private static JmxExporter exporter;
    private static JmxRemote remote;
    private static JMXConnector client;
    private static MBeanServerConnection connection;
    private static MonitorMXBean proxy;
    private static final List<Notification> received = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6),
                "the proc connector needs root before Linux 6.6");
        monitor = TaskMonitor.start(MonitorSettings.defaults());
        MBeanServer mbs = MBeanServerFactory.newMBeanServer();
        exporter = JmxExporter.export(mbs, monitor, 2); // ended watches' MBeans stay 2 s here
        remote = JmxRemote.start(mbs, "127.0.0.1", 0);
        client = JMXConnectorFactory.connect(new JMXServiceURL(remote.url()));
        connection = client.getMBeanServerConnection();
        // a plain proxy: its values are the open types themselves (an MXBean proxy cannot map
        // the TabularData of Watches back), as any generic client such as JConsole sees them
        proxy = JMX.newMBeanProxy(connection, JmxNames.monitor(), MonitorMXBean.class);
        connection.addNotificationListener(JmxNames.monitor(), (n, h) -> {
            synchronized (received) {
                received.add(n);
                received.notifyAll();
            }
        }, null, null);
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (remote != null) {
            remote.close();
        }
        if (exporter != null) {
            exporter.close();
        }
        if (monitor != null) {
            monitor.close();
        }
    }

    private static CompositeData data(Notification n) {
        return (CompositeData) n.getUserData();
    }

    private static Notification await(String type, Predicate<CompositeData> p) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        synchronized (received) {
            while (true) {
                for (Notification n : received) {
                    if (n.getType().equals(type) && p.test(data(n))) {
                        return n;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no " + type + " notification within 10 s; got " + received.size());
                }
                received.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    private static int pidOf(CompositeData d) {
        return (Integer) d.get("pid");
    }

    @Test
    void watchTreeDeliversForkExecAndExitWithTheExitCode() throws Exception {
        Process shell = Spawn.start("/bin/sh", "-c", "read line; /bin/true; exit 7");
        int pid = (int) shell.pid();
        Process bystander = Spawn.start("/bin/sh", "-c", "read line; exit 5");
        long id = proxy.watchTree(pid, "fork,exec,exit");
        assertTrue(connection.isRegistered(JmxNames.watch(id)), "the watch has its MBean");
        try (OutputStream in = bystander.getOutputStream()) {
            in.write('\n');
        }
        try (OutputStream in = shell.getOutputStream()) {
            in.write('\n');
        }
        assertEquals(7, Spawn.waitFor(shell));
        assertEquals(5, Spawn.waitFor(bystander));

        CompositeData exit = data(await("taskwatch.process.exit", d -> pidOf(d) == pid));
        assertEquals(7, exit.get("exitCode"));
        assertEquals(0, exit.get("signal"));
        assertArrayEquals(new long[] {id}, (long[]) exit.get("watchIds"));
        assertEquals((int) ProcessHandle.current().pid(), exit.get("ppid"));
        CompositeData fork = data(await("taskwatch.process.fork", d -> pidOf(d) == pid));
        int child = (Integer) fork.get("childPid");
        assertTrue(child != pid && child > 0);
        CompositeData exec = data(await("taskwatch.process.exec", d -> pidOf(d) == child));
        assertEquals(child, exec.get("tgid"));
        CompositeData childExit = data(await("taskwatch.process.exit", d -> pidOf(d) == child));
        assertEquals(0, childExit.get("exitCode"));
        assertEquals(pid, childExit.get("ppid"));

        Thread.sleep(300); // anything about the bystander would have arrived with the rest
        synchronized (received) {
            long seq = -1;
            for (Notification n : received) {
                assertTrue(pidOf(data(n)) != bystander.pid(), "nobody watches the bystander: " + n);
                assertTrue(n.getSequenceNumber() > seq, "sequence numbers increase");
                seq = n.getSequenceNumber();
            }
        }
        assertTrue(proxy.getExitCount() >= 3, "the counters see every exit, watched or not");
    }

    @Test
    void singleProcessWatchEndsAfterItsExitAndItsMBeanGoes() throws Exception {
        Process p = Spawn.start("/bin/sh", "-c", "read line; exit 2");
        long id = proxy.watch((int) p.pid(), "exit");
        int before = proxy.getWatchCount();
        try (OutputStream in = p.getOutputStream()) {
            in.write('\n');
        }
        assertEquals(2, Spawn.waitFor(p));
        CompositeData exit = data(await("taskwatch.process.exit", d -> pidOf(d) == p.pid()));
        assertEquals("sh", exit.get("comm"), "named from when the watch began, though gone by delivery");
        assertTrue(((String) exit.get("cmdline")).contains("exit 2"), exit.toString());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (proxy.getWatchCount() != before - 1 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(before - 1, proxy.getWatchCount(), "the watch ended with its process");
        assertFalse(proxy.unwatch(id), "already ended");
        assertTrue(connection.isRegistered(JmxNames.watch(id)), "its MBean stays a while to show how it ended");
        assertEquals(2, connection.getAttribute(JmxNames.watch(id), "ExitCode"));
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (connection.isRegistered(JmxNames.watch(id)) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertFalse(connection.isRegistered(JmxNames.watch(id)), "and goes after endedWatchSeconds");
    }

    @Test
    void waitForExitFromAnotherThreadAndAfterTheFact() throws Exception {
        Process p = Spawn.start("/bin/sh", "-c", "sleep 0.5; exit 9");
        int pid = (int) p.pid();
        CompletableFuture<CompositeData> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return proxy.waitForExit(pid, 10_000);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(9, Spawn.waitFor(p));
        CompositeData r = waiting.get(15, TimeUnit.SECONDS);
        assertEquals(true, r.get("exited"));
        assertEquals(9, r.get("exitCode"));
        assertEquals(pid, r.get("pid"));
        CompositeData later = proxy.waitForExit(pid, 1000);
        assertEquals(true, later.get("exited"));
        assertEquals(9, later.get("exitCode"), "answered from the recent-exit cache");

        Process sleeper = Spawn.start("/bin/sleep", "30");
        CompositeData timeout = proxy.waitForExit((int) sleeper.pid(), 200);
        assertEquals(false, timeout.get("exited"));
        sleeper.destroyForcibly().waitFor();
    }

    @Test
    void badArgumentsAreClearAndChangeNothing() throws Exception {
        Process p = Spawn.start("/bin/sleep", "30");
        try {
            int watches = proxy.getWatchCount();
            String[][] cases = {{"-1", "exit", "pid"}, {"0", "exit", "pid"}, {String.valueOf(p.pid()), "bogus", "bogus"},
                {String.valueOf(p.pid()), "", "events"}, {"2147483647", "exit", "no such process"}};
            for (String[] c : cases) {
                RuntimeOperationsException e = assertThrows(RuntimeOperationsException.class,
                        () -> proxy.watch(Integer.parseInt(c[0]), c[1]));
                assertTrue(e.getMessage().contains(c[2]), e.getMessage());
                assertTrue(e.getTargetException() instanceof IllegalArgumentException);
            }
            RuntimeOperationsException e = assertThrows(RuntimeOperationsException.class,
                    () -> proxy.watchCommand("(unclosed", "exit"));
            assertTrue(e.getMessage().contains("regex"), e.getMessage());
            e = assertThrows(RuntimeOperationsException.class, () -> proxy.waitForExit(-5, 10));
            assertTrue(e.getMessage().contains("pid"), e.getMessage());
            e = assertThrows(RuntimeOperationsException.class, () -> proxy.summary("sleep", 0));
            assertTrue(e.getMessage().contains("windowSeconds"), e.getMessage());
            assertEquals(watches, proxy.getWatchCount(), "nothing registered");
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @Test
    void processStatusTellsAliveFromEndedAndHowItEnded() throws Exception {
        Process p = Spawn.start("/bin/sleep", "30");
        int pid = (int) p.pid();
        CompositeData alive = proxy.processStatus(pid);
        assertEquals(true, alive.get("alive"));
        assertEquals(false, alive.get("exitKnown"));
        assertEquals("sleep", alive.get("comm"));
        p.destroyForcibly();
        assertEquals(137, Spawn.waitFor(p), "Java saw SIGKILL");
        CompositeData gone = awaitStatus(pid);
        assertEquals(false, gone.get("alive"));
        assertEquals(9, gone.get("signal"));
        assertEquals(0, gone.get("exitCode"));
        assertEquals("", gone.get("comm"));

        Process q = Spawn.sh("exit 4");
        assertEquals(4, Spawn.waitFor(q));
        assertEquals(4, awaitStatus((int) q.pid()).get("exitCode"));
        RuntimeOperationsException e = assertThrows(RuntimeOperationsException.class, () -> proxy.processStatus(0));
        assertTrue(e.getMessage().contains("pid"), e.getMessage());
    }

    /** The status once the reader has recorded the exit (Java may reap before the event is read). */
    private static CompositeData awaitStatus(int pid) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        CompositeData d = proxy.processStatus(pid);
        while (!(Boolean) d.get("exitKnown") && System.nanoTime() < deadline) {
            Thread.sleep(20);
            d = proxy.processStatus(pid);
        }
        assertEquals(true, d.get("exitKnown"), "exit of " + pid + " recorded");
        return d;
    }

    @Test
    void eventCountsAndHealthCountEveryProcessInTheWindow() throws Exception {
        CompositeData before = proxy.eventCounts(3600);
        int n = 5;
        for (int i = 0; i < n; i++) {
            assertEquals(1, Spawn.waitFor(Spawn.start("/bin/false")));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        CompositeData after = proxy.eventCounts(3600);
        while ((Long) after.get("nonZeroExits") - (Long) before.get("nonZeroExits") < n
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
            after = proxy.eventCounts(3600);
        }
        // each /bin/false is one fork, one exec and one non-zero exit (other processes may add more)
        for (String k : new String[] {"forks", "execs", "exits", "nonZeroExits"}) {
            assertTrue((Long) after.get(k) - (Long) before.get(k) >= n, k + ": " + before + " -> " + after);
        }
        long covered = (Long) after.get("coveredSeconds");
        assertTrue(covered >= 1 && covered <= 3600, "covered " + covered);
        RuntimeOperationsException e = assertThrows(RuntimeOperationsException.class, () -> proxy.eventCounts(3601));
        assertTrue(e.getMessage().contains("windowSeconds"), e.getMessage());

        CompositeData h = proxy.health(60);
        assertEquals("ok", h.get("state"));
        assertEquals("", h.get("reason"));
        assertEquals("netlink", h.get("eventSource"));
        assertEquals(0L, h.get("lostTotal"));
        assertEquals("ok", connection.getAttribute(JmxNames.monitor(), "Health"));
    }

    @Test
    void everyNotificationTypeIsDeclared() throws Exception {
        List<String> declared = new ArrayList<>();
        for (MBeanNotificationInfo i : connection.getMBeanInfo(JmxNames.monitor()).getNotifications()) {
            declared.addAll(List.of(i.getNotifTypes()));
        }
        for (String t : new String[] {"taskwatch.process.fork", "taskwatch.process.exec", "taskwatch.process.exit",
            "taskwatch.thread.create", "taskwatch.thread.exit", "taskwatch.process.comm", "taskwatch.process.uid",
            "taskwatch.process.gid", "taskwatch.process.sid", "taskwatch.process.ptrace", "taskwatch.process.coredump",
            "taskwatch.monitor.lost"}) {
            assertTrue(declared.contains(t), t + " declared in " + declared);
        }
        assertEquals("netlink", connection.getAttribute(JmxNames.monitor(), "EventSource"));
    }
}
