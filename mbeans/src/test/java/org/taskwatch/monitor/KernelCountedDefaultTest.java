package org.taskwatch.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.taskwatch.kernel.EventFrame;
import org.taskwatch.kernel.EventType;
import org.taskwatch.kernel.ProcConnector;
import org.taskwatch.kernel.ProcEvent;
import org.taskwatch.kernel.ProcEventCodec;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.Spawn;

/**
 * The defaults (kernelFilter=counted) with one watched idle process: the kernel drops everyone
 * else's events before they reach the reader, and still the system-wide counters count them and
 * {@code waitForExit} answers for an unwatched process that ended before the call. The truth:
 * the processes spawned here with the exit codes chosen here, and a plain connector socket of the
 * test's own beside the monitor.
 */
class KernelCountedDefaultTest {
    private static final int N = 30;

    @Test
    void unwatchedEventsAreCountedButNotReadAndTheirExitsAreAnswered() throws Exception {
        KernelTests.require(KernelTests.isRoot(), "counting in the kernel needs CAP_BPF (root)");
        try (ProcConnector plain = ProcConnector.open(ProcConnector.DEFAULT_RECEIVE_BUFFER);
                TaskMonitor m = TaskMonitor.start(MonitorSettings.defaults())) {
            Process idle = Spawn.start("/bin/sleep", "60");
            try {
                m.watch((int) idle.pid(), "all");
                assertTrue(m.kernelFilter().startsWith("bpf:") && m.kernelFilter().contains("1 tgids")
                        && m.kernelFilter().contains("every event counted in the kernel (eBPF)"), m.kernelFilter());
                drain(plain, null); // what came before the first reading is not compared

                Statistics st = m.statistics();
                long forks = st.count(EventType.FORK);
                long exits = st.count(EventType.EXIT);
                long nonZero = st.nonZeroExits();
                long received = st.received();
                long windowExits = st.window(3600).exits();
                List<Integer> pids = new ArrayList<>();
                for (int i = 0; i < N; i++) {
                    Process p = Spawn.sh("exit " + (i % 3 == 0 ? 0 : 40 + i));
                    pids.add((int) p.pid());
                    Spawn.waitFor(p);
                }
                long forksAfter = st.count(EventType.FORK);
                long exitsAfter = st.count(EventType.EXIT);
                long nonZeroAfter = st.nonZeroExits();
                long windowExitsAfter = st.window(3600).exits();
                Thread.sleep(300); // the plain socket's messages of those events are queued by now
                long[] seen = new long[3];
                drain(plain, seen);

                // counted: at least the processes spawned here, at most what the kernel sent meanwhile
                assertTrue(forksAfter - forks >= N && forksAfter - forks <= seen[0],
                        "forks counted " + (forksAfter - forks) + ", spawned " + N + ", sent " + seen[0]);
                assertTrue(exitsAfter - exits >= N && exitsAfter - exits <= seen[1],
                        "exits counted " + (exitsAfter - exits) + ", spawned " + N + ", sent " + seen[1]);
                assertTrue(nonZeroAfter - nonZero >= N - N / 3 && nonZeroAfter - nonZero <= seen[2],
                        "nonzero exits counted " + (nonZeroAfter - nonZero) + ", sent " + seen[2]);
                assertTrue(windowExitsAfter - windowExits >= N && windowExitsAfter - windowExits <= seen[1],
                        "exits in the hour's window " + (windowExitsAfter - windowExits) + ", sent " + seen[1]);
                // not read: the reader got none of the spawned processes' 3 * N events
                assertTrue(st.received() - received < N, "received " + (st.received() - received));

                // the exits the kernel kept answer for processes nobody watched
                for (int i = 0; i < N; i++) {
                    TaskMonitor.WaitResult w = m.waitForExit(pids.get(i), 0);
                    assertTrue(w.exited(), "pid " + pids.get(i));
                    assertEquals(i % 3 == 0 ? 0 : 40 + i, w.status().exitCode(), "pid " + pids.get(i));
                }

                // and the watched process's events pass the filter behind the counting
                CompletableFuture<ProcEvent.Exit> exit = new CompletableFuture<>();
                m.addListener(e -> {
                    if (e.event() instanceof ProcEvent.Exit x && x.tgid() == idle.pid()) {
                        exit.complete(x);
                    }
                });
                idle.destroy();
                assertEquals(143, Spawn.waitFor(idle));
                assertEquals(15, exit.get(10, TimeUnit.SECONDS).status().signal());
            } finally {
                idle.destroy();
                Spawn.waitFor(idle);
            }
        }
    }

    /** Reads what is queued; counts process forks, process exits and nonzero ones into {@code seen}. */
    private static void drain(ProcConnector c, long[] seen) throws Exception {
        EventFrame f = new EventFrame();
        int r;
        while ((r = c.receive(f)) != ProcConnector.TIMEOUT) {
            if (r != ProcConnector.EVENT || seen == null) {
                continue;
            }
            if (f.kernelWhat() == ProcEventCodec.WHAT_FORK && f.childPid() == f.childTgid()) {
                seen[0]++;
            } else if (f.kernelWhat() == ProcEventCodec.WHAT_EXIT && f.pid() == f.tgid()) {
                seen[1]++;
                seen[2] += f.waitStatus() != 0 ? 1 : 0;
            }
        }
        assertEquals(0, c.kernelDrops(), "the test's socket lost messages");
    }
}
