package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.taskwatch.testing.EventRecorder;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.Spawn;
import org.taskwatch.testing.TestPrograms;

/** The real kernel: processes spawned here, events read from the proc connector. */
class ProcConnectorKernelTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int SELF = (int) ProcessHandle.current().pid();
    private static ProcEventReader reader;
    private static final EventRecorder events = new EventRecorder();

    @BeforeAll
    static void subscribe() throws Exception {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6),
                "the proc connector needs root before Linux 6.6");
        reader = ProcEventReader.start(ProcConnector.open(ProcConnector.DEFAULT_RECEIVE_BUFFER), events, "test-reader");
    }

    @BeforeEach
    void forgetEarlierTests() {
        // pids wrap (pid_max is often 32768; a storm elsewhere on the machine goes through them in
        // seconds): an exit an earlier test saw may carry the pid this test's process has now
        events.clear();
    }

    @AfterAll
    static void unsubscribe() {
        if (reader != null) {
            reader.close();
        }
    }

    private static ProcEvent.Exit awaitExit(long pid) throws InterruptedException {
        return (ProcEvent.Exit) events.await(e -> e instanceof ProcEvent.Exit && e.tgid() == pid, WAIT, "exit of " + pid);
    }

    @Test
    void theReceiveBufferIsDescribedAsAskedAndGranted() throws Exception {
        // the kernel reports twice what it granted (socket(7)): the banner said "16384 KiB" for 8 MiB asked
        ProcConnector c = reader.connector();
        int asked = ProcConnector.DEFAULT_RECEIVE_BUFFER;
        long rmemMax = Long.parseLong(java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/sys/net/core/rmem_max")).get(0).trim());
        long granted = c.receiveBufferForced() ? asked : Math.min(asked, rmemMax);
        assertEquals(2 * granted, c.receiveBufferBytes(), "the kernel's report: twice what it granted");
        assertEquals(granted < asked, c.receiveBufferCapped());
        assertEquals("receive buffer " + granted / 1024 + " KiB" + (granted < asked ? " of the 8192 KiB asked"
                + " (net.core.rmem_max, no CAP_NET_ADMIN)" : ""), c.receiveBufferText());
        // without CAP_NET_ADMIN, what rmem_max allows: said only when it is less than was asked
        assertEquals("receive buffer 4096 KiB of the 8192 KiB asked (net.core.rmem_max, no CAP_NET_ADMIN)",
                ProcConnector.receiveBufferText(8 << 20, 8 << 20));
        assertEquals("receive buffer 64 KiB", ProcConnector.receiveBufferText(64 << 10, 128 << 10));
    }

    @Test
    void aCoalescingPeriodOutsideTheRangeIsRefusedWithItsValue() {
        for (int bad : new int[] {-1, ProcConnector.MAX_COALESCE_MICROS + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> reader.connector().setCoalescing(bad));
            assertTrue(e.getMessage().contains("coalescing") && e.getMessage().contains("got " + bad), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> EventSourceSettings.defaults().withCoalescing(bad));
        }
    }

    @Test
    void aForgedEventFromUserSpaceIsCountedAndIgnored() throws Exception {
        KernelTests.require(KernelTests.isRoot(), "sending to another netlink socket needs CAP_NET_ADMIN");
        Process sleeper = Spawn.start("/bin/sleep", "30");
        int pid = (int) sleeper.pid();
        long foreign = reader.connector().foreign();
        try (UserSpaceNetlink forger = new UserSpaceNetlink()) {
            // a well-formed exit of the sleeper with status 42, and one far longer than any real message
            forger.sendTo(reader.connector().portId(),
                    ProcMessageBuilder.exit(pid, pid, 42 << 8, 17, SELF, SELF).header(0, System.nanoTime(), 1).bytes());
            forger.sendTo(reader.connector().portId(), new byte[4000]);
        }
        sleeper.destroyForcibly();
        Spawn.waitFor(sleeper);
        ProcEvent.Exit exit = awaitExit(pid);
        assertEquals(9, exit.status().signal(), "the first exit of the sleeper is its real one, SIGKILL: " + exit);
        assertEquals(1, events.matching(e -> e instanceof ProcEvent.Exit && e.tgid() == pid).size());
        assertEquals(foreign + 2, reader.connector().foreign(), "both forged datagrams were counted");
    }

    @Test
    void otherListenersSubscribingIsNotCountedAsLoss() throws Exception {
        // each LISTEN/IGNORE is acked to every listener with a per-CPU sequence number: a skipped
        // ack must not look like a lost event
        try (ProcConnector c = ProcConnector.open(ProcConnector.DEFAULT_RECEIVE_BUFFER)) {
            long gapsBefore = c.sequenceGaps();
            EventFrame f = new EventFrame();
            for (int i = 0; i < 5; i++) {
                ProcConnector.open(ProcConnector.DEFAULT_RECEIVE_BUFFER).close(); // LISTEN, then IGNORE: two acks
                Process p = Spawn.sh("exit 0");
                assertEquals(0, Spawn.waitFor(p));
            }
            long deadline = System.nanoTime() + WAIT.toNanos();
            int events = 0;
            while (events < 30 && System.nanoTime() < deadline) { // the acks, forks, execs and exits above
                if (c.receive(f) == ProcConnector.EVENT) {
                    events++;
                }
            }
            assertTrue(events >= 15, "events received: " + events);
            assertEquals(gapsBefore, c.sequenceGaps(), "acks of other listeners counted as lost events");
        }
    }

    @Test
    void forkExecExitWithExitCode() throws Exception {
        Process p = Spawn.sh("exec /bin/sh -c 'exit 3'");
        long pid = p.pid();
        assertEquals(3, Spawn.waitFor(p));
        ProcEvent.Exit exit = awaitExit(pid);
        assertEquals(3, exit.status().exitCode());
        assertEquals(0, exit.status().signal());
        assertEquals(ProcessHandle.current().pid(), exit.ppid(), "the JVM is the parent");
        ProcEvent.Fork fork = (ProcEvent.Fork) events.await(
                e -> e instanceof ProcEvent.Fork f && f.childTgid() == pid, WAIT, "fork of " + pid);
        assertEquals(ProcessHandle.current().pid(), fork.tgid(), "the JVM forked it");
        assertEquals(pid, fork.childPid());
        List<ProcEvent> execs = events.matching(e -> e instanceof ProcEvent.Exec && e.tgid() == pid);
        assertTrue(execs.size() >= 2, "sh, then the exec'd sh: " + execs);
        assertTrue(fork.timestampNanos() <= execs.get(0).timestampNanos()
                && execs.get(execs.size() - 1).timestampNanos() <= exit.timestampNanos(), "fork, exec, exit in order");
        assertEquals(1, events.matching(e -> e instanceof ProcEvent.Exit && e.tgid() == pid).size(), "one exit");
    }

    @Test
    void killedBySignal() throws Exception {
        Process p = Spawn.start("/bin/sleep", "30");
        long pid = p.pid();
        Spawn.run(List.of("kill", "-KILL", Long.toString(pid)));
        assertEquals(137, Spawn.waitFor(p));
        ProcEvent.Exit exit = awaitExit(pid);
        assertEquals(9, exit.status().signal());
        assertEquals(0, exit.status().exitCode());
        assertFalse(exit.status().coreDumped());
        assertEquals("killed by SIGKILL", exit.status().describe());
    }

    @Test
    void segfaultWithCoreDump() throws Exception {
        Path dir = Files.createTempDirectory("taskwatch-core");
        try {
            Process p = Spawn.startIn(dir.toFile(), "/bin/sh", "-c", "ulimit -c unlimited; exec /bin/sh -c 'kill -SEGV $$'");
            long pid = p.pid();
            assertEquals(128 + 11, Spawn.waitFor(p));
            ProcEvent.Exit exit = awaitExit(pid);
            assertEquals(11, exit.status().signal());
            boolean coreWritten;
            try (var files = Files.list(dir)) {
                coreWritten = files.anyMatch(f -> f.getFileName().toString().startsWith("core"));
            }
            assertEquals(coreWritten, exit.status().coreDumped(), "core flag agrees with the core file on disk");
            KernelTests.require(coreWritten, "no core file was written (core_pattern: "
                    + Files.readString(Path.of("/proc/sys/kernel/core_pattern")).trim() + ")");
        } finally {
            try (var files = Files.list(dir)) {
                files.map(Path::toFile).forEach(File::delete);
            }
            Files.delete(dir);
        }
    }

    @Test
    void threadsAreNotProcesses() throws Exception {
        Process p = Spawn.start(TestPrograms.path("threads"), "5", "6", "100");
        long pid = p.pid();
        assertEquals(6, Spawn.waitFor(p));
        ProcEvent.Exit exit = awaitExit(pid);
        assertEquals(6, exit.status().exitCode());
        List<ProcEvent> created = events.matching(e -> e instanceof ProcEvent.ThreadCreate && e.tgid() == pid);
        // the threads' own exits; the leader's is a thread exit too when a thread still on its way
        // out exits after it (the join returns before a thread's EXIT): the process's exit then
        // follows that last thread, with the status the leader's exit gave (checked above)
        List<ProcEvent> ended = events.matching(e -> e instanceof ProcEvent.ThreadExit && e.tgid() == pid && e.pid() != pid);
        assertEquals(5, created.size(), "thread creates: " + created);
        assertEquals(5, ended.size(), "thread exits: " + ended);
        for (ProcEvent t : created) {
            assertTrue(t.pid() != pid, "a thread has its own tid");
        }
        assertEquals(0, events.matching(e -> e instanceof ProcEvent.Fork f && f.childTgid() == pid && f.childPid() != pid).size());
        assertEquals(1, events.matching(e -> e instanceof ProcEvent.Exit && e.tgid() == pid).size());
    }

    @Test
    void leaderExitsEarlyAndTheProcessEndsWithItsLastThread() throws Exception {
        Process p = Spawn.start(TestPrograms.path("leader_exit"), "5", "300");
        long pid = p.pid();
        assertEquals(5, Spawn.waitFor(p));
        ProcEvent.Exit exit = awaitExit(pid);
        assertEquals(5, exit.status().exitCode(), "the real status, not the leader's 0");
        assertEquals(pid, exit.pid());
        assertEquals(ProcessHandle.current().pid(), exit.ppid());
        List<ProcEvent> exits = events.matching(e -> e instanceof ProcEvent.Exit && e.tgid() == pid);
        assertEquals(1, exits.size(), "reported once: " + exits);
        ProcEvent leader = events.await(e -> e instanceof ProcEvent.ThreadExit && e.pid() == pid, WAIT, "leader thread exit");
        assertTrue(leader.timestampNanos() < exit.timestampNanos());
    }

    @Test
    void execFromAThreadIsNotAnExit() throws Exception {
        Process p = Spawn.start(TestPrograms.path("thread_exec"), "4");
        long pid = p.pid();
        assertEquals(4, Spawn.waitFor(p));
        ProcEvent.Exit exit = awaitExit(pid);
        assertEquals(4, exit.status().exitCode());
        List<ProcEvent> exits = events.matching(e -> e instanceof ProcEvent.Exit && e.tgid() == pid);
        assertEquals(1, exits.size(), "one process exit, after the exec: " + exits);
        ProcEvent exec = events.await(e -> e instanceof ProcEvent.Exec && e.tgid() == pid, WAIT, "exec from thread");
        assertTrue(exec.timestampNanos() < exit.timestampNanos());
    }

    @Test
    void countsNothingLostOnAQuietMachine() throws Exception {
        Process p = Spawn.sh("exit 0");
        assertEquals(0, Spawn.waitFor(p));
        awaitExit(p.pid());
        assertEquals(0, reader.connector().malformed());
        assertEquals(0, reader.connector().foreign());
        assertTrue(reader.connector().received() > 0);
        assertTrue(events.errors.isEmpty(), () -> "reader errors: " + events.errors);
    }
}
