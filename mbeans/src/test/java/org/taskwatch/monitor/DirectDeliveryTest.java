package org.taskwatch.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.taskwatch.kernel.KernelVersion;
import org.taskwatch.kernel.ProcEvent;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.Spawn;

/**
 * The reader may deliver to {@link MonitorListener#direct} listeners itself (issue 15): events
 * still come complete and in order, and a listener that is not direct is only ever called on
 * the delivery thread.
 */
class DirectDeliveryTest {
    private static final int CHILDREN = 20;

    /** Records each event with the thread that delivered it. */
    private static final class Recorder implements MonitorListener {
        private final boolean direct;
        final List<MonitorEvent> events = new ArrayList<>();
        final List<String> threads = new ArrayList<>();

        Recorder(boolean direct) {
            this.direct = direct;
        }

        @Override
        public boolean direct() {
            return direct;
        }

        @Override
        public synchronized void onEvent(MonitorEvent e) {
            events.add(e);
            threads.add(Thread.currentThread().getName());
            notifyAll();
        }

        synchronized List<MonitorEvent> awaitExitOf(long pid) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (events.stream().noneMatch(e -> e.event() instanceof ProcEvent.Exit && e.event().pid() == pid)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("the exit of " + pid + " was not delivered within 20 s");
                }
                wait(Math.max(1, left / 1_000_000));
            }
            return new ArrayList<>(events);
        }
    }

    /** A shell that runs {@link #CHILDREN} programs one after the other, a little apart: an ordinary rate. */
    private static Process slowShell() throws Exception {
        return Spawn.start("/bin/sh", "-c", "read line; i=0; while [ $i -lt " + CHILDREN
                + " ]; do /bin/sleep 0.02; i=$((i+1)); done; exit 3");
    }

    private static void run(boolean direct) throws Exception {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6),
                "the proc connector needs root before Linux 6.6");
        try (TaskMonitor monitor = TaskMonitor.start(MonitorSettings.defaults())) {
            Recorder r = new Recorder(direct);
            monitor.addListener(r);
            Process sh = slowShell();
            monitor.watchTree((int) sh.pid(), "fork,exec,exit");
            try (var in = sh.getOutputStream()) {
                in.write('\n');
            }
            assertEquals(3, Spawn.waitFor(sh));
            List<MonitorEvent> got = r.awaitExitOf(sh.pid());
            // every child: its fork, then its exec, then its exit, in that order
            Map<Integer, String> seen = new HashMap<>();
            for (MonitorEvent e : got) {
                ProcEvent ev = e.event();
                if (ev instanceof ProcEvent.Fork f && f.pid() == sh.pid()) {
                    assertEquals(null, seen.put(f.childPid(), "fork"), "one fork per child");
                } else if (ev instanceof ProcEvent.Exec && seen.containsKey(ev.pid())) {
                    assertEquals("fork", seen.put(ev.pid(), "exec"), "exec after the fork of " + ev.pid());
                } else if (ev instanceof ProcEvent.Exit && seen.containsKey(ev.pid())) {
                    assertEquals("exec", seen.put(ev.pid(), "exit"), "exit after the exec of " + ev.pid());
                }
            }
            assertEquals(CHILDREN, seen.size(), "children forked: " + seen);
            assertTrue(seen.values().stream().allMatch("exit"::equals), "every child's fork, exec and exit: " + seen);
            for (String t : r.threads) {
                if (direct) {
                    assertTrue(t.equals("taskwatch-reader") || t.equals("taskwatch-delivery"), t);
                } else {
                    assertEquals("taskwatch-delivery", t, "a listener that is not direct runs on the delivery thread");
                }
            }
        }
    }

    @Test
    void directListenerGetsEveryEventInOrder() throws Exception {
        run(true);
    }

    @Test
    void listenerThatIsNotDirectStaysOnTheDeliveryThread() throws Exception {
        run(false);
    }
}
