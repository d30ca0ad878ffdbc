package org.taskwatch.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.taskwatch.kernel.KernelVersion;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.Spawn;

/** A pattern with catastrophic backtracking cannot hang the reader thread. */
class CommandPatternBudgetTest {
    private static TaskMonitor monitor;

    @BeforeAll
    static void start() throws Exception {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6), "needs the connector");
        monitor = TaskMonitor.start(MonitorSettings.defaults());
    }

    @AfterAll
    static void stop() {
        if (monitor != null) {
            monitor.close();
        }
    }

    @Test
    void catastrophicBacktrackingIsAbandonedAndTheReaderGoesOn() throws Exception {
        // (.*a){20}b against 28 a's and no b: about a minute of backtracking without a budget
        // (Java 17 defuses the textbook (a+)+b, not this one)
        Watch evil = monitor.watchCommand("(.*a){20}b", "exec,exit");
        Watch plain = monitor.watchCommand("taskwatch-budget-marker", "exec,exit");
        String as = "a".repeat(28);
        Process p = Spawn.start("/bin/sh", "-c", "sleep 0.3", as);
        assertEquals(0, Spawn.waitFor(p));
        // the reader is still alive and matching: a later process is seen at once
        Process q = Spawn.start("/bin/sh", "-c", "sleep 0.3; exit 7", "taskwatch-budget-marker");
        TaskMonitor.WaitResult r = monitor.waitForExit((int) q.pid(), 10_000);
        assertEquals(7, Spawn.waitFor(q));
        assertTrue(r.exited(), "the reader completed the wait");
        assertEquals(7, r.status().exitCode());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (plain.matched() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(plain.matched() >= 2, "the plain watch matched its process's exec and exit: " + plain.matched());
        assertTrue(evil.abandonedMatches() >= 1, "the search over the a's was given up and counted");
        assertEquals(0, evil.matched(), "an abandoned search is no match");
        monitor.unwatch(evil.id());
        monitor.unwatch(plain.id());
    }
}
