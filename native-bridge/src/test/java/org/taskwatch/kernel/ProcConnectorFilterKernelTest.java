package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.taskwatch.testing.EventRecorder;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.Spawn;

/**
 * BPF filters attached to a real proc connector socket: what the kernel delivers with them, while
 * other processes run, across swaps and after detaching. The truth is the processes spawned here
 * (pinned to CPU 0 where the per-CPU sequence matters) and the exit codes they were given.
 */
class ProcConnectorFilterKernelTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int ALL_TYPES = BpfProgram.KNOWN_EVENTS;

    /** One received message, copied out of the reusable frame. */
    record Msg(int result, int what, int pid, int tgid, int childPid, int childTgid, int waitStatus, int cpu, int seq,
            long stamp) {
        boolean event() {
            return result == ProcConnector.EVENT;
        }

        boolean ack() {
            return result == ProcConnector.SKIPPED && what == 0;
        }

        /** Whether the message is about process {@code p}: its tgid, or the child of a fork. */
        boolean about(int p) {
            return tgid == p || what == ProcEventCodec.WHAT_FORK && childTgid == p;
        }
    }

    @BeforeEach
    void requireConnector() {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6),
                "the proc connector needs root before Linux 6.6");
    }

    /** Receives until {@code until} matches a message (then for {@code settleMillis} more), or fails after WAIT. */
    private static List<Msg> receive(ProcConnector c, Predicate<Msg> until, long settleMillis) throws Exception {
        List<Msg> out = new ArrayList<>();
        EventFrame f = new EventFrame();
        long deadline = System.nanoTime() + WAIT.toNanos();
        long settleUntil = Long.MAX_VALUE;
        while (System.nanoTime() - Math.min(deadline, settleUntil) < 0) {
            int r = c.receive(f);
            if (r == ProcConnector.EVENT || r == ProcConnector.SKIPPED) {
                Msg m = new Msg(r, f.what, f.pid, f.tgid, f.childPid, f.childTgid, f.waitStatus, f.cpu, f.cnSeq,
                        f.timestampNanos);
                out.add(m);
                if (settleUntil == Long.MAX_VALUE && until.test(m)) {
                    settleUntil = System.nanoTime() + settleMillis * 1_000_000;
                }
            } else if (r == ProcConnector.TIMEOUT && settleUntil != Long.MAX_VALUE) {
                break;
            }
        }
        if (settleUntil == Long.MAX_VALUE) {
            throw new AssertionError("the awaited message never came; received " + out.size() + " messages");
        }
        return out;
    }

    /** Receives what is queued, until the socket is quiet (or for at most two seconds on a busy machine). */
    private static List<Msg> drain(ProcConnector c) throws Exception {
        List<Msg> out = new ArrayList<>();
        EventFrame f = new EventFrame();
        long deadline = System.nanoTime() + 2_000_000_000L;
        int r;
        while ((r = c.receive(f)) != ProcConnector.TIMEOUT && System.nanoTime() - deadline < 0) {
            out.add(new Msg(r, f.what, f.pid, f.tgid, f.childPid, f.childTgid, f.waitStatus, f.cpu, f.cnSeq, f.timestampNanos));
        }
        return out;
    }

    private static List<Msg> builtAfter(List<Msg> ms, long nanos) {
        return ms.stream().filter(m -> (m.event() || m.ack()) && m.stamp - nanos > 0).toList();
    }

    /** A shell on CPU 0 that waits for one line on stdin, runs /bin/true, and exits with {@code code}. */
    private static Process waitingShell(int code) throws IOException {
        return Spawn.start("taskset", "-c", "0", "/bin/sh", "-c", "read x; /bin/true; exit " + code);
    }

    private static void release(Process p) throws IOException {
        OutputStream in = p.getOutputStream();
        in.write('\n');
        in.flush();
    }

    /** {@code n} runs of /bin/true from a shell on CPU 0: 3n events the filters under test must drop. */
    private static void noise(int n) throws Exception {
        Spawn.run(List.of("taskset", "-c", "0", "/bin/sh", "-c",
                "i=0; while [ $i -lt " + n + " ]; do /bin/true; i=$((i+1)); done"));
    }

    /** Whether some CPU's sequence jumped between two received messages: the kernel dropped some for us. */
    private static boolean sawGap(List<Msg> ms) {
        int[] last = new int[4096];
        boolean[] seen = new boolean[4096];
        for (Msg m : ms) {
            if (seen[m.cpu] && m.seq - last[m.cpu] > 1) {
                return true;
            }
            seen[m.cpu] = true;
            last[m.cpu] = m.seq;
        }
        return false;
    }

    private static int largestJumpOnCpu0(List<Msg> ms) {
        int largest = 0;
        Integer last = null;
        for (Msg m : ms) {
            if (m.cpu == 0) {
                if (last != null) {
                    largest = Math.max(largest, m.seq - last);
                }
                last = m.seq;
            }
        }
        return largest;
    }

    @Test
    void onlyTheWatchedProcessAndAcksArrive() throws Exception {
        Process watched = waitingShell(7);
        int w = (int) watched.pid();
        try (ProcConnector c = ProcConnector.open(ProcConnector.DEFAULT_RECEIVE_BUFFER)) {
            BpfProgram program = BpfProgram.builder().acceptProcesses(ALL_TYPES, w).acceptForksOf(w).build();
            c.setFilter(program);
            long attached = System.nanoTime();
            long drops = c.kernelDrops();
            assertSame(program, c.filter());

            noise(100);
            release(watched);
            assertEquals(7, Spawn.waitFor(watched));
            List<Msg> got = builtAfter(receive(c, m -> m.what == ProcEventCodec.WHAT_EXIT && m.tgid == w, 300), attached);

            List<Msg> events = got.stream().filter(Msg::event).toList();
            for (Msg m : events) {
                assertTrue(m.about(w), "an event about another process passed: " + m);
            }
            Msg fork = events.stream().filter(m -> m.what == ProcEventCodec.WHAT_FORK && m.tgid == w).findFirst()
                    .orElseThrow(() -> new AssertionError("the shell's fork of /bin/true: " + events));
            assertTrue(events.stream().noneMatch(m -> m.tgid == fork.childTgid),
                    "the child's own exec and exit are not the watched process's");
            Msg exit = events.stream().filter(m -> m.what == ProcEventCodec.WHAT_EXIT && m.tgid == w).findFirst().orElseThrow();
            assertEquals(7 << 8, exit.waitStatus);
            assertEquals(drops, c.kernelDrops(), "nothing dropped for want of buffer");
            assertTrue(sawGap(got), "the kernel numbered messages it did not deliver (the child's, the noise's)");
            assertEquals(0, c.sequenceGaps(), "gaps made by the filter are not loss");
            assertEquals(0, c.malformed());
        } finally {
            watched.destroyForcibly();
        }
    }

    @Test
    void acksPassAFilterThatDropsEverythingElse() throws Exception {
        Process idle = Spawn.start("/bin/sleep", "30");
        try (ProcConnector c = ProcConnector.open(ProcConnector.DEFAULT_RECEIVE_BUFFER)) {
            c.setFilter(BpfProgram.builder().acceptProcesses(ALL_TYPES, (int) idle.pid()).build());
            long attached = System.nanoTime();
            ProcConnector.open(1 << 20).close(); // LISTEN, then IGNORE: each acked to every listener
            noise(20);
            List<Msg> got = builtAfter(drain(c), attached);
            assertTrue(got.stream().filter(Msg::ack).count() >= 2, "acks: " + got);
            assertTrue(got.stream().noneMatch(Msg::event), "events: " + got);
            assertEquals(0, c.sequenceGaps());
        } finally {
            idle.destroyForcibly();
        }
    }

    @Test
    void afterDetachingEverythingArrivesAndTheFilteredGapIsNotLoss() throws Exception {
        Process idle = Spawn.start("/bin/sleep", "30");
        try (ProcConnector c = ProcConnector.open(ProcConnector.DEFAULT_RECEIVE_BUFFER)) {
            Spawn.run(List.of("taskset", "-c", "0", "/bin/true"));
            List<Msg> before = drain(c);
            assertTrue(before.stream().anyMatch(m -> m.cpu == 0), "a message on CPU 0 before filtering");
            long drops = c.kernelDrops();

            c.setFilter(BpfProgram.builder().acceptProcesses(ALL_TYPES, (int) idle.pid()).build());
            noise(100);
            c.clearFilter();
            assertNull(c.filter());
            c.clearFilter(); // nothing attached: no error

            Process p = Spawn.start("taskset", "-c", "0", "/bin/sh", "-c", "exit 4");
            int pid = (int) p.pid();
            assertEquals(4, Spawn.waitFor(p));
            List<Msg> after = receive(c, m -> m.what == ProcEventCodec.WHAT_EXIT && m.tgid == pid, 300);
            assertTrue(after.stream().anyMatch(m -> m.what == ProcEventCodec.WHAT_FORK && m.childTgid == pid), "its fork");
            assertTrue(after.stream().anyMatch(m -> m.what == ProcEventCodec.WHAT_EXEC && m.tgid == pid), "its exec");
            List<Msg> all = new ArrayList<>(before);
            all.addAll(after);
            assertTrue(largestJumpOnCpu0(all) > 100, "CPU 0's sequence jumped over the filtered noise");
            assertEquals(0, c.sequenceGaps(), "messages filtered before the detach are not loss after it");
            assertEquals(drops, c.kernelDrops());
        } finally {
            idle.destroyForcibly();
        }
    }

    /**
     * A process in both the old and the new filter loses nothing while filters are swapped under
     * it: a shell forks exactly {@code N} times while the filter alternates between {A, B} and
     * {A, C}; every fork arrives, and after the last swap B's events stop.
     */
    @Test
    void swapsLoseNothingOfWhatBothFiltersAccept() throws Exception {
        int n = 1500;
        EventRecorder events = new EventRecorder();
        Process b = Spawn.sh("while :; do /bin/true; done");
        Process cProc = Spawn.sh("while :; do /bin/true; done");
        Process a = Spawn.sh("read x; i=0; while [ $i -lt " + n + " ]; do /bin/true; i=$((i+1)); done; exit 3");
        try (ProcEventReader reader = ProcEventReader.start(ProcConnector.open(ProcConnector.DEFAULT_RECEIVE_BUFFER), events,
                "swap-test")) {
            ProcConnector c = reader.connector();
            int pb = (int) b.pid();
            int pc = (int) cProc.pid();
            int pa = (int) a.pid();
            BpfProgram withB = BpfProgram.builder().acceptProcesses(ALL_TYPES, pa, pb).acceptForksOf(pa, pb).build();
            BpfProgram withC = BpfProgram.builder().acceptProcesses(ALL_TYPES, pa, pc).acceptForksOf(pa, pc).build();
            c.setFilter(withB);
            long attached = System.nanoTime();
            long drops = c.kernelDrops();
            release(a);
            int swaps = 0;
            while (a.isAlive()) {
                c.setFilter(swaps % 2 == 0 ? withC : withB);
                swaps++;
                Thread.sleep(1);
            }
            c.setFilter(withC);
            long lastSwap = System.nanoTime();
            assertEquals(3, Spawn.waitFor(a));
            events.await(e -> e instanceof ProcEvent.Exit && e.tgid() == pa, WAIT, "exit of A");
            events.await(e -> e.tgid() == pc && e.timestampNanos() > lastSwap, WAIT, "C's events after the last swap");
            Thread.sleep(200);

            List<ProcEvent> forks = events.matching(e -> e instanceof ProcEvent.Fork f && f.tgid() == pa);
            assertEquals(n, forks.size(), "every fork of A, across " + swaps + " swaps (socket drops meanwhile: "
                    + (c.kernelDrops() - drops) + ", loss reported: " + events.lost.get() + ")");
            // each once: the same child and time would be the same message twice (a child pid alone may
            // repeat: a busy machine with pid_max 32768 reuses pids within the minute this takes there)
            Set<ProcEvent> distinct = new HashSet<>(forks);
            assertEquals(n, distinct.size(), "no fork delivered twice");
            assertTrue(swaps >= 20, "swaps while A ran: " + swaps);
            assertTrue(events.matching(e -> e.tgid() == pb && e.timestampNanos() > lastSwap).isEmpty(),
                    "B's events stop with the last swap");
            assertTrue(events.matching(e -> e.timestampNanos() > attached && e.tgid() != pa && e.tgid() != pb
                    && e.tgid() != pc).isEmpty(), "nothing else passed");
            assertEquals(drops, c.kernelDrops());
            assertEquals(0, c.sequenceGaps());
            assertEquals(0, events.lost.get());
        } finally {
            a.destroyForcibly();
            b.destroyForcibly();
            cProc.destroyForcibly();
        }
    }

    /**
     * The kernel accepts the longest program the builder makes (its ja trampolines included) and
     * filters with it as the interpreter does: every event that arrives is about a pid of the set.
     */
    @Test
    void theLargestProgramIsAcceptedAndFilters() throws Exception {
        Process watched = waitingShell(5);
        int w = (int) watched.pid();
        SplittableRandom r = new SplittableRandom(11);
        Set<Integer> set = new HashSet<>();
        set.add(w);
        while (set.size() < 1650) {
            set.add(r.nextInt(2, 32768));
        }
        int[] pids = set.stream().mapToInt(Integer::intValue).toArray();
        try (ProcConnector c = ProcConnector.open(ProcConnector.DEFAULT_RECEIVE_BUFFER)) {
            BpfProgram program = BpfProgram.builder().acceptProcesses(ALL_TYPES, pids).acceptForksOf(pids).build();
            assertTrue(program.instructions() > 4000, program.description());
            c.setFilter(program);
            long attached = System.nanoTime();
            noise(100);
            release(watched);
            assertEquals(5, Spawn.waitFor(watched));
            List<Msg> got = builtAfter(receive(c, m -> m.what == ProcEventCodec.WHAT_EXIT && m.tgid == w, 300), attached);
            assertTrue(got.stream().anyMatch(m -> m.what == ProcEventCodec.WHAT_FORK && m.tgid == w));
            for (Msg m : got) {
                if (m.event()) {
                    assertTrue(set.contains(m.tgid) || m.what == ProcEventCodec.WHAT_FORK && set.contains(m.childTgid),
                            "an event about a pid outside the set: " + m);
                }
            }
            assertEquals(0, c.sequenceGaps());
        } finally {
            watched.destroyForcibly();
        }
    }

    @Test
    void aReopenedConnectorFiltersLikeTheOld() throws Exception {
        Process watched = waitingShell(2);
        int w = (int) watched.pid();
        BpfProgram program = BpfProgram.builder().acceptProcesses(ALL_TYPES, w).build();
        try (ProcConnector old = ProcConnector.open(1 << 20)) {
            old.setFilter(program);
            try (ProcConnector c = old.reopen()) {
                assertSame(program, c.filter());
                long attached = System.nanoTime();
                noise(20);
                release(watched);
                assertEquals(2, Spawn.waitFor(watched));
                List<Msg> got = builtAfter(receive(c, m -> m.what == ProcEventCodec.WHAT_EXIT && m.tgid == w, 300), attached);
                assertTrue(got.stream().filter(Msg::event).allMatch(m -> m.tgid == w), "only the watched shell: " + got);
            }
        } finally {
            watched.destroyForcibly();
        }
    }

    @Test
    void aFilterThatAcceptsEverythingAttachesNothingAndAClosedSocketRefuses() throws Exception {
        ProcConnector c = ProcConnector.open(ProcConnector.DEFAULT_RECEIVE_BUFFER);
        try {
            c.setFilter(BpfProgram.builder().acceptProcesses(ProcEventCodec.WHAT_EXIT, 1).build());
            c.setFilter(BpfProgram.builder().acceptTypes(ALL_TYPES).build());
            assertNull(c.filter(), "accepting everything is no filter: sequence gaps count as loss again");
        } finally {
            c.close();
        }
        NativeException e = assertThrows(NativeException.class,
                () -> c.setFilter(BpfProgram.builder().acceptProcesses(ProcEventCodec.WHAT_EXIT, 1).build()));
        assertEquals(Errno.EBADF, e.errno());
    }
}
