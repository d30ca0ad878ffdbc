package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.Spawn;
import org.taskwatch.testing.TestPrograms;

/**
 * Counting in the kernel, on real sockets: what the eBPF program counts per second and type is
 * what a plain socket beside it receives (the truth: the kernel's own messages, classified from
 * their fields), while the counted socket's filter lets nothing through; and the exits it keeps
 * are the statuses the spawned processes were given.
 */
class KernelCountsTest {
    @BeforeEach
    void requireBpf() {
        KernelTests.require(KernelTests.isRoot(), "eBPF maps and the proc connector need root here");
    }

    @Test
    void countsPerSecondAndTypeWhatAPlainSocketReceivesWhileItsFilterDropsEverything() throws Exception {
        try (KernelCounts k = KernelCounts.create(1024);
                ProcConnector plain = ProcConnector.open(ProcConnector.DEFAULT_RECEIVE_BUFFER);
                ProcConnector counted = ProcConnector.open(ProcConnector.DEFAULT_RECEIVE_BUFFER, k)) {
            counted.setFilter(BpfProgram.builder().build()); // acks only
            assertTrue(counted.filter() != null);
            long firstSecond = System.nanoTime() / 1_000_000_000L + 1; // both listen for all of it
            while (System.nanoTime() / 1_000_000_000L < firstSecond) {
                Thread.sleep(20);
            }
            List<Process> ps = new ArrayList<>();
            int[] codes = {0, 3, 0, 7, 255};
            for (int i = 0; i < 20; i++) {
                ps.add(Spawn.sh("exit " + codes[i % codes.length]));
            }
            ps.add(Spawn.start(TestPrograms.path("threads"), "8", "5", "10"));
            List<Integer> pids = new ArrayList<>();
            for (Process p : ps) {
                pids.add((int) p.pid());
                Spawn.waitFor(p);
            }
            long lastSecond = System.nanoTime() / 1_000_000_000L; // complete once the clock is past it
            while (System.nanoTime() / 1_000_000_000L <= lastSecond) {
                Thread.sleep(20);
            }

            Map<Long, long[]> truth = new TreeMap<>();
            EventFrame f = new EventFrame();
            int r;
            while ((r = plain.receive(f)) != ProcConnector.TIMEOUT) {
                if (r != ProcConnector.EVENT) {
                    continue;
                }
                long sec = f.timestampNanos / 1_000_000_000L;
                if (sec < firstSecond || sec > lastSecond) {
                    continue;
                }
                long[] c = truth.computeIfAbsent(sec, s -> new long[KernelCounts.KINDS]);
                c[classify(f).ordinal()]++;
                if (f.what == ProcEventCodec.WHAT_EXIT && f.pid == f.tgid && f.waitStatus != 0) {
                    c[KernelCounts.NONZERO_EXITS]++;
                }
            }
            assertEquals(0, plain.kernelDrops(), "the plain socket lost messages: no truth to compare with");

            Map<Long, long[]> counts = new TreeMap<>();
            for (KernelCounts.Second s : k.seconds(firstSecond - 1)) {
                if (s.second() <= lastSecond) {
                    counts.put(s.second(), s.counts());
                }
            }
            assertEquals(truth.keySet(), counts.keySet());
            long exits = 0;
            for (Map.Entry<Long, long[]> e : truth.entrySet()) {
                assertArrayEquals(e.getValue(), counts.get(e.getKey()), "second " + e.getKey());
                exits += e.getValue()[EventType.EXIT.ordinal()];
            }
            assertTrue(exits >= ps.size(), "the spawned processes' exits are among them: " + exits);

            // the filter let nothing through: the counted socket has only its ack
            int events = 0;
            while ((r = counted.receive(f)) != ProcConnector.TIMEOUT) {
                events += r == ProcConnector.EVENT ? 1 : 0;
            }
            assertEquals(0, events);

            for (int i = 0; i < ps.size(); i++) {
                long[] exit = k.exitOf(pids.get(i));
                int code = i < 20 ? codes[i % codes.length] : 5;
                assertEquals(code << 8, (int) exit[0], "wait status of " + pids.get(i));
                assertTrue(exit[1] / 1_000_000_000L >= firstSecond, "its timestamp");
            }
            assertNull(k.exitOf(Integer.MAX_VALUE - 1), "no such exit");
        }
    }

    /**
     * The kernel's LRU is approximate: each CPU takes free elements in batches and a full map
     * evicts a batch at once, so a map exactly as large as the exits to keep forgets recent
     * ones early (failed before the map had headroom: 30 to 40 of the last 64 were gone).
     */
    @Test
    void keepsAtLeastItsCapacityOfTheLatestExitsWhicheverCpuTheyEndOn() throws Exception {
        int capacity = 64;
        try (KernelCounts k = KernelCounts.create(capacity);
                ProcConnector counted = ProcConnector.open(ProcConnector.DEFAULT_RECEIVE_BUFFER, k)) {
            counted.setFilter(BpfProgram.builder().build()); // counts and keeps exits, lets nothing through
            int cpus = Runtime.getRuntime().availableProcessors();
            List<Integer> pids = new ArrayList<>();
            int n = 4 * capacity + 7; // not a multiple of the kernel's batches
            for (int i = 0; i < n; i++) { // each ends on one CPU, in turn
                Process p = Spawn.start("taskset", "-c", Integer.toString(i % cpus), "sh", "-c", "exit " + i % 200);
                pids.add((int) p.pid()); // taskset execs sh: the same process
                assertEquals(i % 200, Spawn.waitFor(p));
            }
            List<String> forgotten = new ArrayList<>();
            for (int i = n - capacity; i < n; i++) {
                long[] exit = k.exitOf(pids.get(i));
                if (exit == null || (int) exit[0] != (i % 200) << 8) {
                    forgotten.add(pids.get(i) + (exit == null ? " gone" : " status " + exit[0]));
                }
            }
            assertTrue(forgotten.isEmpty(), "of the last " + capacity + " exits: " + forgotten);
        }
    }

    /** Kernels before 5.6 have no batch lookups: one lookup per slot must read the same seconds. */
    @Test
    void readsTheSameSecondsOneSlotAtATimeAsInOneBatch() throws Exception {
        try (KernelCounts k = KernelCounts.create(64);
                ProcConnector counted = ProcConnector.open(ProcConnector.DEFAULT_RECEIVE_BUFFER, k)) {
            counted.setFilter(BpfProgram.builder().build());
            for (int i = 0; i < 10; i++) {
                assertEquals(i % 3, Spawn.waitFor(Spawn.sh("exit " + i % 3)));
            }
            long settled = System.nanoTime() / 1_000_000_000L; // up to this one, final two seconds later
            while (System.nanoTime() / 1_000_000_000L <= settled + 1) {
                Thread.sleep(20);
            }
            Map<Long, List<Long>> batch = settled(k.seconds(0), settled);
            k.withoutBatchLookups();
            Map<Long, List<Long>> oneByOne = settled(k.seconds(0), settled);
            assertTrue(batch.values().stream().anyMatch(c -> c.get(EventType.EXIT.ordinal()) >= 10),
                    "the spawned processes' exits were counted: " + batch);
            assertEquals(batch, oneByOne);
        }
    }

    private static Map<Long, List<Long>> settled(List<KernelCounts.Second> seconds, long last) {
        Map<Long, List<Long>> out = new TreeMap<>();
        for (KernelCounts.Second s : seconds) {
            if (s.second() <= last) {
                out.put(s.second(), java.util.Arrays.stream(s.counts()).boxed().toList());
            }
        }
        return out;
    }

    /** The type from the message's fields, as the kernel means them. */
    private static EventType classify(EventFrame f) {
        return switch (f.what) {
            case ProcEventCodec.WHAT_FORK -> f.childPid == f.childTgid ? EventType.FORK : EventType.THREAD_CREATE;
            case ProcEventCodec.WHAT_EXIT -> f.pid == f.tgid ? EventType.EXIT : EventType.THREAD_EXIT;
            default -> f.type;
        };
    }

    @Test
    void countsCpuListsAsTheKernelWritesThem() {
        assertEquals(1, KernelCounts.countCpus("0\n"));
        assertEquals(2, KernelCounts.countCpus("0-1\n"));
        assertEquals(5, KernelCounts.countCpus("0-3,8"));
    }
}
