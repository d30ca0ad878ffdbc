package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.taskwatch.testing.EventRecorder;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.Spawn;
import org.taskwatch.testing.TestPrograms;

/**
 * {@link ProcEventReader#setFilter}: a process whose thread messages a filter hid, then let
 * through, still ends with one process exit carrying its real status, because the reader
 * re-read its threads from /proc. The processes are {@code late_leader_exit}, whose leader exits
 * before its last thread at a moment the test picks.
 */
class ProcEventReaderFilterKernelTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int ALL_TYPES = BpfProgram.KNOWN_EVENTS;

    private static void requireConnector() {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6),
                "the proc connector needs root before Linux 6.6");
    }

    private static BpfProgram only(int... pids) throws BpfProgram.TooLargeException {
        return BpfProgram.builder().acceptProcesses(ALL_TYPES, pids).acceptForksOf(pids).build();
    }

    private static void release(Process p) throws IOException {
        OutputStream in = p.getOutputStream();
        in.write('\n');
        in.flush();
    }

    /** Waits until /proc shows the process with {@code threads} tasks and (if asked) a zombie leader. */
    private static void awaitState(int pid, int threads, boolean leaderGone) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (ProcFs.SYSTEM.tasks(pid).size() != threads || leaderGone && ProcFs.SYSTEM.state(pid) != 'Z') {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("process " + pid + " never reached " + threads + " tasks"
                        + (leaderGone ? " with its leader gone" : ""));
            }
            Thread.sleep(5);
        }
    }

    private static void assertOneExit(EventRecorder events, int pid, int code, boolean leaderSeen)
            throws InterruptedException {
        ProcEvent.Exit exit;
        try {
            exit = (ProcEvent.Exit) events.await(e -> e instanceof ProcEvent.Exit && e.tgid() == pid, WAIT, "exit of " + pid);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; events of it: " + events.matching(x -> x.tgid() == pid), e);
        }
        assertEquals(code, exit.status().exitCode(), "the last thread's status, not the leader's 0");
        Thread.sleep(100);
        List<ProcEvent> exits = events.matching(e -> e instanceof ProcEvent.Exit && e.tgid() == pid);
        assertEquals(1, exits.size(), "one process exit: " + exits);
        if (leaderSeen) {
            events.await(e -> e instanceof ProcEvent.ThreadExit && e.pid() == pid, WAIT, "the leader's thread exit");
        }
    }

    /** Starts {@code late_leader_exit} while the reader's filter lets through only another process. */
    private static void run(boolean leaderGoneFirst, boolean clearInsteadOfWiden, int code) throws Exception {
        requireConnector();
        Process idle = Spawn.sh("while read x; do /bin/true; done"); // forks when told to
        EventRecorder events = new EventRecorder();
        Process p = null;
        try (ProcEventReader reader = ProcEventReader.start(ProcConnector.open(ProcConnector.DEFAULT_RECEIVE_BUFFER),
                events, "relearn-test")) {
            int i = (int) idle.pid();
            reader.setFilter(only(i));
            // the reader seeds its tracker from /proc when it starts: let it get through that and
            // handle a message first, so that it learns the process below from messages or not at all
            release(idle);
            events.await(e -> e instanceof ProcEvent.Fork && e.tgid() == i, WAIT, "a fork by the idle shell");
            p = leaderGoneFirst ? Spawn.start(TestPrograms.path("late_leader_exit"), Integer.toString(code), "100", "early")
                    : Spawn.start(TestPrograms.path("late_leader_exit"), Integer.toString(code), "100");
            int pid = (int) p.pid();
            awaitState(pid, 2, leaderGoneFirst); // its thread's fork (and the leader's exit) were dropped
            if (clearInsteadOfWiden) {
                reader.clearFilter();
                assertNull(reader.connector().filter());
            } else {
                BpfProgram wider = only(i, pid);
                reader.setFilter(wider);
                assertSame(wider, reader.connector().filter());
            }
            release(p);
            assertEquals(code, Spawn.waitFor(p));
            assertOneExit(events, pid, code, !leaderGoneFirst);
            assertEquals(0, events.lost.get());
            assertEquals(0, reader.handlerErrors());
        } finally {
            idle.destroyForcibly();
            if (p != null) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void aProcessLetThroughLaterHasItsThreadsRelearned() throws Exception {
        run(false, false, 6);
    }

    @Test
    void aProcessLetThroughAfterItsLeaderExitedEndsWithItsLastThread() throws Exception {
        run(true, false, 7);
    }

    @Test
    void detachingRelearnsEveryProcess() throws Exception {
        run(false, true, 8);
    }

    /**
     * The socket fails under the reader ({@code ReaderReopenTest}): the new one filters like the
     * old, or with the filter asked for while it was being opened.
     */
    @Test
    void aReplacedSocketKeepsTheFilterOrTakesTheOneAskedForMeanwhile() throws Exception {
        requireConnector();
        Process watched = Spawn.sh("read x; exit 9");
        EventRecorder events = new EventRecorder();
        try (ProcEventReader reader = ProcEventReader.start(ProcConnector.open(ProcConnector.DEFAULT_RECEIVE_BUFFER),
                events, "reopen-filter-test")) {
            int w = (int) watched.pid();
            BpfProgram first = only(w);
            reader.setFilter(first);
            reader.connector().close();
            awaitReopens(reader, 1);
            assertSame(first, reader.connector().filter(), "the new socket filters like the old");

            BpfProgram second = only(w, 1);
            reader.connector().close();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!reader.degraded()) { // the reader noticed and waits to reopen (100 ms)
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the reader never noticed its socket failed");
                }
                Thread.sleep(1);
            }
            reader.setFilter(second);
            awaitReopens(reader, 2);
            assertSame(second, reader.connector().filter(), "the filter asked for while reopening");

            long reopened = System.nanoTime();
            Process other = Spawn.sh("exit 0");
            release(watched);
            assertEquals(9, Spawn.waitFor(watched));
            assertEquals(0, Spawn.waitFor(other));
            ProcEvent.Exit exit = (ProcEvent.Exit) events.await(e -> e instanceof ProcEvent.Exit && e.tgid() == w, WAIT,
                    "exit of the watched shell");
            assertEquals(9, exit.status().exitCode());
            Thread.sleep(100);
            assertEquals(List.of(), events.matching(e -> e.timestampNanos() > reopened && e.tgid() != w && e.tgid() != 1),
                    "nothing else passes the new socket's filter");
        } finally {
            watched.destroyForcibly();
        }
    }

    private static void awaitReopens(ProcEventReader reader, int n) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (reader.reopens() < n || reader.degraded()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the reader did not reopen its socket " + n + " times");
            }
            Thread.sleep(5);
        }
    }

    @Test
    void whichProcessesAFilterChangeLetsThroughAnew() throws Exception {
        BpfProgram a = only(1, 2);
        BpfProgram b = only(2, 3);
        assertNull(ProcEventReader.newlyCovered(null, a), "from no filter: the tracker saw everything");
        assertArrayEquals(new int[] {3}, ProcEventReader.newlyCovered(a, b));
        assertNull(ProcEventReader.newlyCovered(b, only(3)), "narrowing");
        assertEquals(0, ProcEventReader.newlyCovered(a, null).length, "to no filter: every process");
        BpfProgram threadsOfAll = BpfProgram.builder().acceptTypes(ProcEventCodec.WHAT_FORK | ProcEventCodec.WHAT_EXIT)
                .build();
        assertEquals(0, ProcEventReader.newlyCovered(a, threadsOfAll).length, "forks and exits of all: every process");
        assertNull(ProcEventReader.newlyCovered(threadsOfAll, a));
    }
}
