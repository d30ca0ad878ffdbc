package org.taskwatch.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.taskwatch.kernel.EventSourceSettings;
import org.taskwatch.kernel.KernelVersion;
import org.taskwatch.kernel.ProcPollSource;
import org.taskwatch.testing.Spawn;

/**
 * The registry fed by the /proc poller. The poller stamps an event with the scan that saw it, so
 * a process watched right after it started has its fork stamped after the watch began; that fork
 * must not end the watch as if the pid had been reused (it did, and the agent's procfs test
 * failed in CI whenever the scan was late).
 */
class TaskMonitorProcfsTest {
    /** Long enough that a watch registered right after a spawn always comes before the scan that sees the process. */
    private static final Duration INTERVAL = Duration.ofMillis(300);
    private static TaskMonitor monitor;
    private static ProcPollSource poller;

    @BeforeAll
    static void start() throws Exception {
        EventSourceSettings procfs = EventSourceSettings.defaults().withMode(EventSourceSettings.Mode.PROCFS)
                .withPollInterval(INTERVAL);
        monitor = TaskMonitor.start(MonitorSettings.defaults().withEventSource(procfs));
        poller = (ProcPollSource) monitor.source();
    }

    @AfterAll
    static void stop() {
        if (monitor != null) {
            monitor.close();
        }
    }

    /** Returns once a whole scan has run after this call: it began after, and has been handled. */
    private static void awaitFullScan() throws InterruptedException {
        long target = poller.scans() + 2;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (poller.scans() < target) {
            assertTrue(System.nanoTime() < deadline, "the poller did not scan within 10 s");
            Thread.sleep(10);
        }
    }

    private static Watch awaitEnded(Watch w) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!w.ended()) {
            assertTrue(System.nanoTime() < deadline, "watch not ended within 10 s: " + w);
            Thread.sleep(10);
        }
        return w;
    }

    @Test
    void aProcessWatchedBeforeTheFirstScanSawItKeepsItsWatchUntilItsExit() throws Exception {
        Process p = Spawn.sh("read line; exit 3");
        Watch w = monitor.watch((int) p.pid(), "exit");
        awaitFullScan(); // the scan that reports its fork, stamped after the watch began
        assertTrue(!w.ended(), "its own late fork ended the watch: " + w);
        try (OutputStream in = p.getOutputStream()) {
            in.write('\n');
        }
        assertEquals(3, Spawn.waitFor(p));
        awaitEnded(w);
        if (KernelVersion.running().atLeast(6, 15)) { // the poller's pidfd knows the status
            assertEquals(3, w.exitStatus().exitCode(), w.toString());
        } else {
            assertTrue(!w.exitStatus().known(), w.toString());
        }
    }

    @Test
    void waitForExitOnAProcessTheScanHasNotSeenGetsItsExit() throws Exception {
        Process p = Spawn.sh("sleep 1; exit 5"); // ends after at least two scans have reported its fork
        TaskMonitor.WaitResult r = monitor.waitForExit((int) p.pid(), 10_000);
        assertEquals(5, Spawn.waitFor(p));
        assertTrue(r.exited(), r.toString());
        if (KernelVersion.running().atLeast(6, 15)) {
            assertEquals(5, r.status().exitCode(), r.toString());
        }
    }

    @Test
    void aTreeWatchedBeforeTheFirstScanSawItReportsItsChildren() throws Exception {
        Process root = Spawn.sh("read line; /bin/sleep 0.7; exit 0");
        Watch w = monitor.watchTree((int) root.pid(), "fork,exit");
        awaitFullScan();
        assertTrue(!w.ended(), "its own late fork ended the tree watch: " + w);
        try (OutputStream in = root.getOutputStream()) {
            in.write('\n');
        }
        assertEquals(0, Spawn.waitFor(root));
        awaitEnded(w);
        // the sleep lived for more than two scans: its fork was seen, and it was a member
        assertTrue(w.matched() >= 3, "the fork of the sleep, its exit and the root's: " + w);
    }
}
