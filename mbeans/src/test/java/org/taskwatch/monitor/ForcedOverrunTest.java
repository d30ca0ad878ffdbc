package org.taskwatch.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.taskwatch.kernel.EventSourceSettings;
import org.taskwatch.kernel.ProcConnector;
import org.taskwatch.kernel.KernelVersion;
import org.taskwatch.kernel.ProcEvent;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.Spawn;
import org.taskwatch.testing.TestPrograms;

/**
 * The kernel drops events, yet no watched process's exit is missed: each arrives once, from its
 * own event or recovered after the loss, with the status the test chose wherever the kernel can
 * still tell it.
 *
 * <p>The overrun is forced whatever the machine's speed: the receive buffer holds about ten events
 * (4 KiB asked, below the agent's 64 KiB minimum: the monitor's settings take it), and while events
 * stream in the reader takes them at most every 100 ms (the longest coalescing period). Any storm
 * faster than about 100 events a second overflows it; a thread storm makes some 10,000 a second
 * even where a fork takes 750 us. The test waits until the loss has begun before the watched
 * processes exit, instead of hoping the storm is under way by then.
 */
class ForcedOverrunTest {
    private static final int WATCHED = 20;

    @Test
    void everyWatchedExitArrivesOnceDespiteAnOverrun() throws Exception {
        KernelTests.require(KernelTests.isRoot(), "a receive buffer below the default needs SO_RCVBUFFORCE (root)");
        MonitorSettings d = MonitorSettings.defaults();
        MonitorSettings tiny = d.withEventSource(new EventSourceSettings(EventSourceSettings.Mode.NETLINK, 4096,
                ProcConnector.MAX_COALESCE_MICROS, Duration.ofMillis(100)))
                .withKernelFilter(KernelFilterMode.OFF); // the storm's events must reach the tiny buffer
        String threadStorm = TestPrograms.path("thread_storm");
        List<MonitorEvent> exits = new ArrayList<>();
        List<Process> procs = new ArrayList<>();
        Map<Integer, Integer> chosen = new HashMap<>();
        Process storm = null;
        try (TaskMonitor monitor = TaskMonitor.start(tiny)) {
            monitor.addListener(e -> {
                if (e.event() instanceof ProcEvent.Exit) {
                    synchronized (exits) {
                        exits.add(e);
                        exits.notifyAll();
                    }
                }
            });
            for (int i = 0; i < WATCHED; i++) {
                Process p = Spawn.sh("read line; exit " + (10 + i));
                procs.add(p);
                chosen.put((int) p.pid(), 10 + i);
                monitor.watch((int) p.pid(), "exit");
            }
            storm = Spawn.start(threadStorm, "-"); // until the test closes its stdin
            long lossDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (monitor.statistics().lost() == 0 && storm.isAlive() && System.nanoTime() < lossDeadline) {
                Thread.sleep(5);
            }
            assertTrue(monitor.statistics().lost() > 0, "the tiny buffer overflowed: the test forced a loss");
            for (Process p : procs) { // all at once, in the middle of it
                try (OutputStream in = p.getOutputStream()) {
                    in.write('\n');
                }
            }
            for (Process p : procs) {
                assertEquals((int) chosen.get((int) p.pid()), Spawn.waitFor(p), "Java saw the exit code it chose");
            }
            storm.getOutputStream().close(); // the watched processes are gone: the storm may end
            assertEquals(0, Spawn.waitFor(storm));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            synchronized (exits) {
                while (exits.size() < WATCHED && System.nanoTime() < deadline) {
                    exits.wait(100);
                }
            }
            Thread.sleep(500); // a second notice of any exit would arrive by now
            int recovered = 0;
            synchronized (exits) {
                assertEquals(WATCHED, exits.size(), "one exit per watched process: " + exits);
                for (MonitorEvent e : exits) {
                    ProcEvent.Exit x = (ProcEvent.Exit) e.event();
                    Integer code = chosen.remove(x.tgid());
                    assertTrue(code != null, "an exit of a watched process, once: " + x);
                    if (e.recovered()) {
                        recovered++;
                        if (KernelVersion.running().atLeast(6, 15)) { // a pidfd or the zombie tells the status
                            assertEquals((int) code, x.status().exitCode(), "recovered with its status: " + x);
                        }
                    } else {
                        assertEquals((int) code, x.status().exitCode(), x.toString());
                    }
                }
            }
            assertEquals(recovered, monitor.statistics().recoveredExits());
            System.out.println("forced overrun: " + monitor.statistics().lost() + " events lost, " + recovered
                    + " of " + WATCHED + " watched exits recovered after the loss");
        } finally {
            for (Process p : procs) {
                p.destroyForcibly();
            }
            if (storm != null) {
                storm.destroyForcibly();
            }
        }
    }
}
