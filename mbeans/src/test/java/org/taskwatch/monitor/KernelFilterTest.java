package org.taskwatch.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.taskwatch.kernel.KernelVersion;
import org.taskwatch.kernel.ProcEvent;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.Spawn;

/**
 * kernelFilter=auto (classic BPF) and counted (the same rules translated behind the eBPF
 * counting): while every watch is a single-process watch the kernel drops the events of other
 * processes (they never reach taskwatch), yet every event a watch needs arrives, also across
 * filter swaps; a tree watch turns the filter off.
 */
class KernelFilterTest {
    private static final String BURST = "i=0; while [ $i -lt 200 ]; do /bin/true; i=$((i+1)); done";

    @ParameterizedTest
    @EnumSource(value = KernelFilterMode.class, names = {"AUTO", "COUNTED"})
    void unwatchedEventsStayInTheKernelAndWatchedOnesArrive(KernelFilterMode mode) throws Exception {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6), "needs the connector");
        List<MonitorEvent> exits = new ArrayList<>();
        try (TaskMonitor m = TaskMonitor.start(MonitorSettings.defaults().withKernelFilter(mode))) {
            m.addListener(e -> {
                if (e.event() instanceof ProcEvent.Exit) {
                    synchronized (exits) {
                        exits.add(e);
                        exits.notifyAll();
                    }
                }
            });
            assertTrue(m.kernelFilter().startsWith("bpf:"), "no watch: the kernel drops all but acks: " + m.kernelFilter());
            assertEquals(mode == KernelFilterMode.COUNTED, m.kernelFilter().contains("every event counted in the kernel"),
                    m.kernelFilter());

            Process a = Spawn.start("/bin/sleep", "30");
            Process b = Spawn.start("/bin/sleep", "30");
            m.watch((int) a.pid(), "exit");
            m.watch((int) b.pid(), "exit");
            assertTrue(m.kernelFilter().contains("2 tgids"), m.kernelFilter());
            long before = m.statistics().received();
            assertEquals(0, Spawn.waitFor(Spawn.sh(BURST))); // 600 events the kernel keeps to itself
            Thread.sleep(300);
            long let = m.statistics().received() - before;
            assertTrue(let < 60, "the burst's 600 events were dropped in the kernel, " + let + " came through");

            a.destroyForcibly(); // watched: its exit passes
            assertEquals(137, Spawn.waitFor(a));
            MonitorEvent ea = awaitExit(exits, (int) a.pid());
            assertEquals(9, ((ProcEvent.Exit) ea.event()).status().signal());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!m.kernelFilter().contains("1 tgid") && System.nanoTime() < deadline) {
                Thread.sleep(20); // narrowed by the delivery thread once the ended watch is retired
            }
            assertTrue(m.kernelFilter().contains("1 tgid"), "narrowed after the watch ended: " + m.kernelFilter());

            // a waiter widens the filter before it waits: its process's exit is not dropped
            Process c = Spawn.sh("sleep 0.5; exit 4");
            TaskMonitor.WaitResult r = m.waitForExit((int) c.pid(), 10_000);
            assertEquals(4, Spawn.waitFor(c));
            assertTrue(r.exited());
            assertEquals(4, r.status().exitCode());

            // a tree watch needs every fork: the filter goes
            Process shell = Spawn.sh("sleep 30");
            Watch tree = m.watchTree((int) shell.pid(), "exit");
            assertTrue(m.kernelFilter().startsWith("none"), m.kernelFilter());
            before = m.statistics().received();
            assertEquals(0, Spawn.waitFor(Spawn.sh(BURST)));
            long caughtUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (m.statistics().received() - before < 600 && System.nanoTime() < caughtUp) {
                Thread.sleep(20); // however long a busy machine keeps the reader from them
            }
            assertTrue(m.statistics().received() - before >= 600, "everything comes through again");
            m.unwatch(tree.id());
            assertTrue(m.kernelFilter().startsWith("bpf:"), "back on once the tree is gone: " + m.kernelFilter());
            shell.destroyForcibly().waitFor();

            b.destroyForcibly();
            assertEquals(137, Spawn.waitFor(b));
            awaitExit(exits, (int) b.pid());
        }
    }

    @ParameterizedTest
    @EnumSource(value = KernelFilterMode.class, names = {"AUTO", "COUNTED"})
    void aRefusedRegistrationLeavesTheFilterAsItWas(KernelFilterMode mode) throws Exception {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6), "needs the connector");
        try (TaskMonitor m = TaskMonitor.start(MonitorSettings.defaults().withKernelFilter(mode))) {
            Process a = Spawn.start("/bin/sleep", "30");
            try {
                m.watch((int) a.pid(), "exit");
                String before = m.kernelFilter();
                assertTrue(before.contains("1 tgid"), before);
                // each would need every event; each is refused before it exists
                assertThrows(IllegalArgumentException.class, () -> m.watchCommand("nginx(", "exec"));
                assertEquals(before, m.kernelFilter(), "a bad regex");
                assertThrows(IllegalArgumentException.class, () -> m.watchTree(999_999_999, "exit"));
                assertEquals(before, m.kernelFilter(), "no such process for a tree");
                assertThrows(IllegalArgumentException.class, () -> m.summary("(", 60));
                assertEquals(before, m.kernelFilter(), "a bad summary pattern");
                assertThrows(IllegalArgumentException.class, () -> m.waitForExit(999_999_999, 10));
                assertEquals(before, m.kernelFilter(), "a wait for no process");
            } finally {
                a.destroyForcibly().waitFor();
            }
        }
    }

    private static MonitorEvent awaitExit(List<MonitorEvent> exits, int pid) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        synchronized (exits) {
            while (System.nanoTime() < deadline) {
                for (MonitorEvent e : exits) {
                    if (e.event().tgid() == pid) {
                        return e;
                    }
                }
                exits.wait(50);
            }
        }
        throw new AssertionError("no exit of " + pid + ": " + exits);
    }
}
