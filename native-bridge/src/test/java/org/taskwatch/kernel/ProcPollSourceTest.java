package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.taskwatch.testing.EventRecorder;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.Spawn;

/** What only the /proc poller does, beyond the shared contract: its unknowns, its interval, its robustness. */
class ProcPollSourceTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @BeforeEach
    void needProc() {
        KernelTests.require(Files.isReadable(Path.of("/proc/self/stat")), "no /proc");
    }

    private static ProcEvent.Exit awaitExit(EventRecorder events, long pid) throws InterruptedException {
        return (ProcEvent.Exit) events.await(e -> e instanceof ProcEvent.Exit && e.tgid() == pid, WAIT, "exit of " + pid);
    }

    @Test
    void anUntrackedExitIsUnknownNeverAnInventedZero() throws Exception {
        EventRecorder events = new EventRecorder();
        try (ProcPollSource s = ProcPollSource.start(ProcPollSource.DEFAULT_INTERVAL, "test", events, "poll-test")) {
            Process p = Spawn.sh("sleep 0.4; exit 0");
            events.await(e -> e instanceof ProcEvent.Fork f && f.childTgid() == p.pid(), WAIT, "fork");
            assertEquals(0, Spawn.waitFor(p));
            ProcEvent.Exit exit = awaitExit(events, p.pid());
            assertFalse(exit.status().known(), "nobody tracked it: " + exit);
            assertEquals(ExitStatus.UNKNOWN, exit.status());
            assertEquals(-1, exit.cpu(), "no CPU sent it");
            assertEquals(0, s.trackedCount());
        }
    }

    @Test
    void aTrackedProcessThatNoScanSawIsReportedByItsExit() throws Exception {
        KernelTests.require(KernelVersion.running().atLeast(6, 15), "exit statuses through pidfds need Linux 6.15");
        EventRecorder events = new EventRecorder();
        // scans 2 s apart: the process below lives 0.1 s, between two of them
        try (ProcPollSource s = ProcPollSource.start(Duration.ofSeconds(2), "test", events, "poll-test")) {
            Process p = Spawn.sh("sleep 0.1; exit 6");
            assertTrue(s.track((int) p.pid()));
            assertEquals(1, s.trackedCount());
            assertEquals(6, Spawn.waitFor(p));
            ProcEvent.Exit exit = awaitExit(events, p.pid());
            assertEquals(new ExitStatus(6, 0, false), exit.status());
            assertEquals(ProcessHandle.current().pid(), exit.ppid(), "the parent, as read when it was tracked");
            assertEquals(0, s.trackedCount(), "its pidfd is closed once its exit is told");
        }
    }

    @Test
    void trackingWhatDoesNotExistFailsAndUntrackingWhatIsNotTrackedDoesNothing() throws Exception {
        EventRecorder events = new EventRecorder();
        try (ProcPollSource s = ProcPollSource.start(ProcPollSource.DEFAULT_INTERVAL, "test", events, "poll-test")) {
            Process p = Spawn.sh("exit 0");
            Spawn.waitFor(p);
            assertFalse(s.track((int) p.pid()), "reaped: no such process");
            assertFalse(s.track(0));
            assertFalse(s.track(-5));
            s.untrack(12345678);
            assertEquals(0, s.trackedCount());
        }
    }

    @Test
    void trackingIsCounted() throws Exception {
        EventRecorder events = new EventRecorder();
        Process p = Spawn.start("/bin/sleep", "30");
        try (ProcPollSource s = ProcPollSource.start(ProcPollSource.DEFAULT_INTERVAL, "test", events, "poll-test")) {
            int pid = (int) p.pid();
            s.track(pid);
            s.track(pid);
            assertEquals(1, s.trackedCount(), "one pidfd per process");
            s.untrack(pid);
            assertEquals(1, s.trackedCount(), "one tracker is left");
            s.untrack(pid);
            assertEquals(0, s.trackedCount());
        } finally {
            p.destroyForcibly();
            Spawn.waitFor(p);
        }
    }

    @Test
    void aHandlerThatThrowsDoesNotStopThePoller() throws Exception {
        EventRecorder events = new EventRecorder();
        AtomicBoolean thrown = new AtomicBoolean();
        EventHandler failing = new EventHandler() {
            @Override
            public void onEvent(EventFrame frame) {
                events.onEvent(frame);
                if (thrown.compareAndSet(false, true)) {
                    throw new IllegalStateException("a handler bug");
                }
            }

            @Override
            public void onError(Throwable error) {
                events.onError(error);
            }
        };
        try (ProcPollSource s = ProcPollSource.start(ProcPollSource.DEFAULT_INTERVAL, "test", failing, "poll-test")) {
            Process first = Spawn.sh("sleep 0.3");
            Spawn.waitFor(first);
            awaitExit(events, first.pid());
            Process second = Spawn.sh("sleep 0.3");
            Spawn.waitFor(second);
            awaitExit(events, second.pid());
            assertTrue(s.isRunning());
            assertEquals(1, s.handlerErrors());
            synchronized (events) {
                assertEquals("a handler bug", events.errors.get(0).getMessage());
            }
        }
    }

    @Test
    void saysWhyAndWhatItMisses() throws Exception {
        try (EventSource s = EventSources.open(EventSourceSettings.defaults()
                .withMode(EventSourceSettings.Mode.PROCFS).withPollInterval(Duration.ofMillis(250)), f -> { }, "poll-test")) {
            assertEquals("procfs", s.name());
            assertTrue(s.degraded());
            assertTrue(s.degradedReason().contains("source=procfs"), s.degradedReason());
            for (String missed : List.of("250 ms", "between two scans", "thread", "comm", "uid", "gid", "sid", "ptrace",
                    "exit status")) {
                assertTrue(s.limitations().contains(missed), "limitations name " + missed + ": " + s.limitations());
            }
            // it follows the source's name or reason ("...: misses ...", "which misses ..."): said once
            assertTrue(s.limitations().startsWith("misses processes that "), s.limitations());
            assertEquals(1, s.limitations().split("misses", -1).length - 1, s.limitations());
        }
    }

    @Test
    void intervalsOutsideTheRangeAreRefusedWithTheirValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EventSourceSettings.defaults().withPollInterval(Duration.ofMillis(1)));
        assertTrue(e.getMessage().contains("1 ms"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EventSourceSettings.defaults().withPollInterval(Duration.ofMinutes(5)));
    }

    @Test
    void theSourceSettingTakesItsThreeWords() {
        assertEquals(EventSourceSettings.Mode.AUTO, EventSourceSettings.Mode.parse("auto"));
        assertEquals(EventSourceSettings.Mode.NETLINK, EventSourceSettings.Mode.parse(" NetLink "));
        assertEquals(EventSourceSettings.Mode.PROCFS, EventSourceSettings.Mode.parse("procfs"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EventSourceSettings.Mode.parse("ebpf"));
        assertEquals("source: expected auto, netlink or procfs, got 'ebpf'", e.getMessage());
    }
}
