package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.taskwatch.testing.EventRecorder;
import org.taskwatch.testing.OpenFiles;
import org.taskwatch.testing.Spawn;

/**
 * What every {@link EventSource} promises, run against each one (JCTools' QueueSanityTest
 * pattern): {@code NetlinkSourceContractTest} and {@code ProcPollSourceContractTest}. Real
 * processes, checked against what the test chose and what Java and /proc say.
 *
 * <p>The processes live long enough for a poller scanning every 100 ms to see each phase (half a
 * second or more). What a source may leave unknown is what it declares: an exit status is exact
 * wherever its {@link EventSource#exitStatusCoverage()} covers the process, and elsewhere either
 * exact or {@link ExitStatus#UNKNOWN}, never a wrong number.
 */
abstract class EventSourceContract {
    static final Duration WAIT = Duration.ofSeconds(10);
    static final int SELF = (int) ProcessHandle.current().pid();

    /** Starts the source under test (or skips/fails the test, via KernelTests, where it cannot run). */
    abstract EventSource open(EventHandler handler, String threadName) throws Exception;

    final Recorder events = new Recorder();
    EventSource source;
    private int pidfdsBefore;
    private int socketsBefore;

    @BeforeEach
    void startSource() throws Exception {
        pidfdsBefore = OpenFiles.pidfds();
        socketsBefore = OpenFiles.connectorSockets();
        source = open(events, "contract-" + getClass().getSimpleName());
    }

    @AfterEach
    void closeSource() {
        if (source != null) {
            source.close();
        }
    }

    /** Records every event, and for execs of the processes a test names, what /proc shows right after. */
    static final class Recorder implements EventHandler {
        final EventRecorder all = new EventRecorder();
        final Set<Integer> interesting = ConcurrentHashMap.newKeySet();
        /** pid to "comm exe" as read when each of its execs arrived. */
        final Map<Integer, List<String>> images = new ConcurrentHashMap<>();

        @Override
        public void onEvent(EventFrame f) {
            if (f.type() == EventType.EXEC && interesting.contains(f.tgid())) {
                images.computeIfAbsent(f.tgid(), k -> new CopyOnWriteArrayList<>())
                        .add(ProcFs.SYSTEM.comm(f.tgid()) + " " + ProcFs.SYSTEM.exe(f.tgid()));
            }
            all.onEvent(f);
        }

        @Override
        public void onLoss(long count, String cause) {
            all.onLoss(count, cause);
        }

        @Override
        public void onError(Throwable error) {
            all.onError(error);
        }
    }

    ProcEvent.Fork awaitFork(long pid) throws InterruptedException {
        return (ProcEvent.Fork) events.all.await(e -> e instanceof ProcEvent.Fork f && f.childTgid() == pid, WAIT,
                source.name() + ": fork of " + pid);
    }

    ProcEvent.Exit awaitExit(long pid) throws InterruptedException {
        return (ProcEvent.Exit) events.all.await(e -> e instanceof ProcEvent.Exit && e.tgid() == pid, WAIT,
                source.name() + ": exit of " + pid);
    }

    List<ProcEvent> about(long pid) {
        return events.all.matching(e -> e.tgid() == pid || e instanceof ProcEvent.Fork f && f.childTgid() == pid);
    }

    /**
     * Waits until the source has told everything up to now: a marker process that lives past
     * one more scan is started and its exit awaited. Anything about earlier processes is in.
     */
    void barrier() throws Exception {
        Process marker = Spawn.sh("sleep 0.3");
        Spawn.waitFor(marker);
        awaitExit(marker.pid());
    }

    /** The status of a process this test tracked: exact, unless the source covers no exit status. */
    void assertTrackedStatus(ExitStatus expected, ProcEvent.Exit exit) {
        if (source.exitStatusCoverage() == EventSource.ExitStatusCoverage.NONE) {
            assertTrue(!exit.status().known() || exit.status().equals(expected), "unknown or right: " + exit);
        } else {
            assertEquals(expected, exit.status(), source.name() + ": " + exit);
        }
    }

    @Test
    void aForkIsSeenWithItsParent() throws Exception {
        Process p = Spawn.sh("sleep 0.5");
        long pid = p.pid();
        ProcEvent.Fork fork = awaitFork(pid);
        assertEquals(SELF, fork.tgid(), "this JVM forked it");
        assertEquals(pid, fork.childPid());
        assertEquals(0, Spawn.waitFor(p));
        ProcEvent.Exit exit = awaitExit(pid);
        assertEquals(SELF, exit.ppid(), "its parent was this JVM to the end");
        List<ProcEvent> story = about(pid);
        assertEquals(fork, story.get(0), "the fork comes first: " + story);
        assertEquals(exit, story.get(story.size() - 1), "the exit comes last: " + story);
        assertTrue(fork.timestampNanos() <= exit.timestampNanos());
    }

    @Test
    void anExecIsSeenAndTheProcessRunsTheNewProgramAfterIt() throws Exception {
        String sleep = Path.of("/bin/sleep").toRealPath().toString();
        Process p = Spawn.sh("sleep 0.5; exec /bin/sleep 0.7");
        int pid = (int) p.pid();
        events.interesting.add(pid);
        ProcEvent.Fork fork = awaitFork(pid);
        assertEquals(0, Spawn.waitFor(p));
        awaitExit(pid);
        List<String> images = events.images.getOrDefault(pid, List.of());
        assertTrue(images.contains("sleep " + sleep), source.name() + ": an exec after which /proc shows "
                + sleep + "; seen: " + images);
        List<ProcEvent> story = about(pid);
        assertEquals(fork, story.get(0), "the fork before the execs: " + story);
        for (ProcEvent e : story) {
            if (e instanceof ProcEvent.Exec) {
                assertEquals(pid, e.pid());
                assertTrue(fork.timestampNanos() <= e.timestampNanos());
            }
        }
    }

    @Test
    void aTrackedExitArrivesOnceWithTheChosenCode() throws Exception {
        Process p = Spawn.sh("sleep 0.5; exit 3");
        int pid = (int) p.pid();
        assertEquals(source.exitStatusCoverage() != EventSource.ExitStatusCoverage.NONE, source.track(pid),
                "track answers whether the status will be known");
        assertEquals(3, Spawn.waitFor(p));
        ProcEvent.Exit exit = awaitExit(pid);
        assertTrackedStatus(new ExitStatus(3, 0, false), exit);
        barrier();
        assertEquals(1, events.all.matching(e -> e instanceof ProcEvent.Exit && e.tgid() == pid).size(), "exactly one exit");
        source.untrack(pid); // after the exit: a no-op
    }

    @Test
    void aTrackedProcessKilledBySigkillReportsSignal9() throws Exception {
        Process p = Spawn.start("/bin/sleep", "30");
        int pid = (int) p.pid();
        source.track(pid);
        awaitFork(pid);
        Spawn.run(List.of("kill", "-KILL", Integer.toString(pid)));
        assertEquals(128 + 9, Spawn.waitFor(p));
        assertTrackedStatus(new ExitStatus(0, 9, false), awaitExit(pid));
    }

    @Test
    void aShortTrackedProcessStillReportsItsExit() throws Exception {
        // may start and end between two scans of a poller: tracking must catch it all the same
        Process p = Spawn.sh("sleep 0.05; exit 5");
        int pid = (int) p.pid();
        source.track(pid);
        assertEquals(5, Spawn.waitFor(p));
        assertTrackedStatus(new ExitStatus(5, 0, false), awaitExit(pid));
        barrier();
        assertEquals(1, events.all.matching(e -> e instanceof ProcEvent.Exit && e.tgid() == pid).size(), "exactly one exit");
    }

    @Test
    void anUntrackedExitArrivesWithItsStatusOrSaysItIsUnknown() throws Exception {
        Process p = Spawn.sh("sleep 0.5; exit 3");
        int pid = (int) p.pid();
        awaitFork(pid);
        assertEquals(3, Spawn.waitFor(p));
        ProcEvent.Exit exit = awaitExit(pid);
        if (source.exitStatusCoverage() == EventSource.ExitStatusCoverage.ALL) {
            assertEquals(new ExitStatus(3, 0, false), exit.status());
        } else {
            assertTrue(!exit.status().known() || exit.status().exitCode() == 3, "unknown, or right: " + exit);
        }
        assertEquals(SELF, exit.ppid());
    }

    @Test
    void closeStopsTheThreadAndReleasesWhatItHeld() throws Exception {
        Process p = Spawn.start("/bin/sleep", "30");
        try {
            source.track((int) p.pid());
            awaitFork(p.pid());
            assertTrue(source.isRunning());
            source.close();
            assertFalse(source.isRunning(), "the thread has ended");
            assertFalse(source.failed(), "a close is not a failure");
            source.close(); // idempotent
            assertEquals(pidfdsBefore, OpenFiles.pidfds(), "no pidfd left open");
            assertEquals(socketsBefore, OpenFiles.connectorSockets(), "no proc connector socket left open");
            Process after = Spawn.sh("sleep 0.3");
            Spawn.waitFor(after);
            Thread.sleep(200);
            assertEquals(List.of(), events.all.matching(e -> e.tgid() == after.pid()
                    || e instanceof ProcEvent.Fork f && f.childTgid() == after.pid()), "nothing after close");
        } finally {
            p.destroyForcibly();
            Spawn.waitFor(p);
        }
        assertTrue(events.all.errors.isEmpty(), () -> "errors: " + events.all.errors);
    }

    @Test
    void saysWhatItIs() {
        assertFalse(source.name().isEmpty());
        assertEquals(source.degraded(), !source.degradedReason().isEmpty(), "a degraded source says why");
        assertEquals(source.degraded(), !source.limitations().isEmpty(), "a degraded source says what it misses");
        assertTrue(source.isRunning());
        assertFalse(source.failed());
        assertEquals(0, source.handlerErrors());
    }
}
