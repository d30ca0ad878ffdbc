package org.taskwatch.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.taskwatch.kernel.EventType;
import org.taskwatch.kernel.KernelVersion;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.Spawn;

/**
 * The exit of a watched process stays answerable (processStatus, waitForExit) as long as its
 * Watch MBean shows it, however many other exits pass through the recent-exit cache meanwhile.
 */
class WatchedExitMemoryTest {
    private static final int RING = 16;

    @Test
    void aWatchedExitOutlivesTheRecentExitCache() throws Exception {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6), "needs the connector");
        MonitorSettings d = MonitorSettings.defaults();
        // the reader sees every exit (no kernel filter): the recent-exit cache is the agent's own
        // ring then; with counting, the kernel's map of exits keeps at least as many and often
        // more (KernelCounts.exitMapSize), so the unwatched exit would still be known
        MonitorSettings small = new MonitorSettings(d.eventSource(), d.handoffCapacity(), d.maxWatches(),
                d.maxPatternLength(), RING, d.maxWaiters(), d.maxSummaries(), d.summaryHistory(), d.maxWindowSeconds(),
                KernelFilterMode.OFF, d.priorityBoost(), 600);
        try (TaskMonitor m = TaskMonitor.start(small)) {
            Process watched = Spawn.start("/bin/sleep", "30");
            int pid = (int) watched.pid();
            Watch w = m.watch(pid, "exit");
            watched.destroyForcibly();
            assertEquals(137, Spawn.waitFor(watched));
            awaitEnded(w);

            Process unwatched = Spawn.start("/bin/sleep", "30"); // an exit the cache may forget
            int other = (int) unwatched.pid();
            unwatched.destroyForcibly();
            Spawn.waitFor(unwatched);
            long exitsBefore = m.statistics().count(EventType.EXIT);
            // four times the cache's worth of other exits
            assertEquals(0, Spawn.waitFor(Spawn.sh("i=0; while [ $i -lt " + 4 * RING + " ]; do /bin/true; i=$((i+1)); done")));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (m.statistics().count(EventType.EXIT) - exitsBefore < 4 * RING && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(m.statistics().count(EventType.EXIT) - exitsBefore >= 4 * RING, "the reader saw the other exits");
            assertFalse(m.processStatus(other).exitKnown(), "the unwatched exit left the cache (the test's premise)");

            TaskMonitor.ProcessStatus st = m.processStatus(pid);
            assertTrue(st.exitKnown(), "the watched process's end is still known");
            assertEquals(9, st.status().signal());
            TaskMonitor.WaitResult r = m.waitForExit(pid, 0);
            assertTrue(r.exited());
            assertEquals(9, r.status().signal());
        }
    }

    private static void awaitEnded(Watch w) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!w.ended() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(w.ended(), "the watch ended with its process");
    }
}
