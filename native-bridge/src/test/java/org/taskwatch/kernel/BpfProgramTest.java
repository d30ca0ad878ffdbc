package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.taskwatch.kernel.ProcEventCodec.WHAT_COMM;
import static org.taskwatch.kernel.ProcEventCodec.WHAT_COREDUMP;
import static org.taskwatch.kernel.ProcEventCodec.WHAT_EXEC;
import static org.taskwatch.kernel.ProcEventCodec.WHAT_EXIT;
import static org.taskwatch.kernel.ProcEventCodec.WHAT_FORK;
import static org.taskwatch.kernel.ProcEventCodec.WHAT_GID;
import static org.taskwatch.kernel.ProcEventCodec.WHAT_PTRACE;
import static org.taskwatch.kernel.ProcEventCodec.WHAT_SID;
import static org.taskwatch.kernel.ProcEventCodec.WHAT_UID;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * The generated filters, run by an independent interpreter ({@link ClassicBpf}) over messages laid
 * out as the kernel does ({@link ProcMessageBuilder}): what is accepted and dropped, at every set
 * size across the points where jumps need trampolines, up to the kernel's instruction limit.
 */
class BpfProgramTest {
    static final int ALL_TYPES = BpfProgram.KNOWN_EVENTS;
    /** The largest pid Linux hands out (pid_max limit, 2^22). */
    static final int PID_MAX = 4_194_304;

    private static BpfProgram build(BpfProgram.Builder b) throws BpfProgram.TooLargeException {
        BpfProgram p = b.build();
        ClassicBpf.check(p);
        return p;
    }

    private static boolean accepts(BpfProgram p, ProcMessageBuilder m) {
        return ClassicBpf.accepts(p, m);
    }

    /** One message of each type about process {@code tgid} (thread {@code tgid + 1} where there is a pid field). */
    static List<ProcMessageBuilder> everyTypeAbout(int tgid) {
        return List.of(
                ProcMessageBuilder.fork(tgid, tgid, 9_000_001, 9_000_001),
                ProcMessageBuilder.exec(tgid, tgid),
                ProcMessageBuilder.uid(tgid + 1, tgid, 0, 1000),
                ProcMessageBuilder.gid(tgid + 1, tgid, 0, 1000),
                ProcMessageBuilder.sid(tgid, tgid),
                ProcMessageBuilder.ptrace(tgid + 1, tgid, 9_000_002, 9_000_002),
                ProcMessageBuilder.comm(tgid + 1, tgid, "worker"),
                ProcMessageBuilder.coredump(tgid, tgid, 9_000_003, 9_000_003),
                ProcMessageBuilder.exit(tgid + 1, tgid, 0x300, 17, 9_000_004, 9_000_004));
    }

    @Test
    void acksAndWhatTheCodecRejectsAlwaysPass() throws Exception {
        BpfProgram p = build(BpfProgram.builder().acceptProcesses(ALL_TYPES, 42));
        assertTrue(accepts(p, ProcMessageBuilder.ack(0)), "ack");
        assertTrue(accepts(p, ProcMessageBuilder.ack(1)), "ack with an error");
        assertFalse(accepts(p, ProcMessageBuilder.exec(7, 7)), "an event of another process");
        assertTrue(accepts(p, ProcMessageBuilder.exec(42, 42)));

        byte[] exec7 = ProcMessageBuilder.exec(7, 7).bytes();
        for (int len : new int[] {0, 3, 36, 40, 52, 60, 75}) {
            assertTrue(ClassicBpf.run(p, Arrays.copyOf(exec7, len)).accepted(), "short message of " + len + " bytes");
        }
        ProcMessageBuilder foreignIdx = ProcMessageBuilder.exec(7, 7);
        foreignIdx.cnIdx = 2;
        assertTrue(accepts(p, foreignIdx), "another connector's idx");
        ProcMessageBuilder foreignVal = ProcMessageBuilder.exec(7, 7);
        foreignVal.cnVal = 2;
        assertTrue(accepts(p, foreignVal), "another connector's val");
        for (int what : new int[] {0x8, 0x400, 0x10000, ProcEventCodec.WHAT_NONZERO_EXIT, WHAT_EXEC | 0x8}) {
            ProcMessageBuilder unknown = ProcMessageBuilder.exec(7, 7);
            unknown.what = what;
            assertTrue(accepts(p, unknown), "unknown what 0x" + Integer.toHexString(what));
        }
        byte[] longer = Arrays.copyOf(exec7, 200); // a longer datagram is still judged by its first event
        assertFalse(ClassicBpf.run(p, longer).accepted());
    }

    @Test
    void everyTypeIsMatchedOnItsTgidAndNothingElse() throws Exception {
        BpfProgram p = build(BpfProgram.builder().acceptProcesses(ALL_TYPES, 500));
        for (ProcMessageBuilder m : everyTypeAbout(500)) {
            assertTrue(accepts(p, m), "type 0x" + Integer.toHexString(m.what));
        }
        // the same pid in any other field (a thread's pid, a fork's child, exit's or coredump's
        // parent, a tracer, comm bytes) does not make an event the watched process's
        for (int field : new int[] {0, 2, 3, 4, 5}) {
            for (ProcMessageBuilder m : everyTypeAbout(499)) {
                m.u32(field, 500);
                assertFalse(accepts(p, m), "type 0x" + Integer.toHexString(m.what) + " with 500 in field " + field);
            }
        }
    }

    @Test
    void typesOfASetRestrictIt() throws Exception {
        BpfProgram p = build(BpfProgram.builder().acceptProcesses(WHAT_EXIT | WHAT_COMM, 42));
        for (ProcMessageBuilder m : everyTypeAbout(42)) {
            assertEquals(m.what == WHAT_EXIT || m.what == WHAT_COMM, accepts(p, m), "type 0x" + Integer.toHexString(m.what));
        }
    }

    @Test
    void forksByAndOfSets() throws Exception {
        BpfProgram p = build(BpfProgram.builder().acceptForksBy(10).acceptForksOf(20));
        assertTrue(accepts(p, ProcMessageBuilder.fork(10, 10, 11, 11)), "a fork by a tree member");
        assertTrue(accepts(p, ProcMessageBuilder.fork(12, 10, 13, 13)), "a fork by another thread of it");
        assertTrue(accepts(p, ProcMessageBuilder.fork(1, 1, 21, 20)), "a thread created in 20 (its fork names 20's parent)");
        assertTrue(accepts(p, ProcMessageBuilder.fork(5, 5, 20, 20)), "a new process that took pid 20");
        assertFalse(accepts(p, ProcMessageBuilder.fork(20, 20, 30, 30)), "a fork by 20: not asked for");
        assertFalse(accepts(p, ProcMessageBuilder.fork(1, 1, 10, 10)), "the fork of 10 itself: not asked for");
        assertFalse(accepts(p, ProcMessageBuilder.exec(10, 10)));
        assertFalse(accepts(p, ProcMessageBuilder.exit(20, 20, 0, 17, 1, 1)));
    }

    @Test
    void typesOfEveryProcess() throws Exception {
        BpfProgram p = build(BpfProgram.builder().acceptTypes(WHAT_EXEC).acceptProcesses(WHAT_EXIT | WHAT_EXEC, 42));
        assertTrue(accepts(p, ProcMessageBuilder.exec(7, 7)));
        assertTrue(accepts(p, ProcMessageBuilder.exec(42, 42)));
        assertTrue(accepts(p, ProcMessageBuilder.exit(42, 42, 0, 17, 1, 1)));
        assertFalse(accepts(p, ProcMessageBuilder.exit(7, 7, 0, 17, 1, 1)));
        assertFalse(accepts(p, ProcMessageBuilder.fork(42, 42, 43, 43)));
        assertTrue(p.acceptsEveryProcess(WHAT_EXEC));
        assertFalse(p.acceptsEveryProcess(WHAT_EXEC | WHAT_EXIT));
        assertEquals("bpf: exec of any process, 1 tgids (exit) (16 instructions)", p.description(),
                "exec is accepted for everyone already, so the set is only asked about exits");

        BpfProgram all = build(BpfProgram.builder().acceptTypes(ALL_TYPES).acceptProcesses(WHAT_EXIT, 42));
        assertTrue(all.acceptsAll());
        assertEquals(1, all.instructions());
        for (ProcMessageBuilder m : everyTypeAbout(7)) {
            assertTrue(accepts(all, m));
        }
    }

    @Test
    void nothingButAcks() throws Exception {
        BpfProgram p = build(BpfProgram.builder());
        assertEquals("bpf: acks only (11 instructions)", p.description());
        assertTrue(accepts(p, ProcMessageBuilder.ack(0)));
        for (ProcMessageBuilder m : everyTypeAbout(7)) {
            assertFalse(accepts(p, m));
        }
    }

    @Test
    void description() throws Exception {
        int[] members = {100, 200, 300};
        BpfProgram p = build(BpfProgram.builder().acceptTypes(WHAT_EXEC)
                .acceptProcesses(WHAT_FORK | WHAT_EXEC | WHAT_EXIT, members).acceptForksBy(100, 200).acceptForksOf(members));
        assertEquals("bpf: exec of any process, 3 tgids (fork,exit), 2 fork parents, 3 fork children ("
                + p.instructions() + " instructions)", p.description());
        assertEquals(p.description(), p.toString());
        assertArrayEquals(new int[] {100, 200, 300}, p.pids());
    }

    @Test
    void badPidsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> BpfProgram.builder().acceptProcesses(WHAT_EXIT, 5, 0));
        assertThrows(IllegalArgumentException.class, () -> BpfProgram.builder().acceptForksOf(-1));
    }

    @Test
    void sockFilterLayout() throws Exception {
        BpfProgram p = build(BpfProgram.builder().acceptProcesses(WHAT_EXIT, 42));
        ByteBuffer b = ByteBuffer.wrap(p.toSockFilters()).order(ByteOrder.nativeOrder());
        assertEquals(p.instructions() * 8, b.capacity());
        // struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }: first "ld len", then "jge #76"
        assertEquals(0x80, b.getShort(0));
        assertEquals(0, b.getInt(4));
        assertEquals(0x35, b.getShort(8));
        assertEquals(0, b.get(10));
        assertEquals(76, b.getInt(12));
        assertEquals(0x06, b.getShort(b.capacity() - 8), "ends with a return");
        for (int pc = 0; pc < p.instructions(); pc++) {
            long insn = p.instruction(pc);
            assertEquals(ClassicBpf.code(insn), b.getShort(pc * 8) & 0xffff);
            assertEquals(ClassicBpf.jt(insn), b.get(pc * 8 + 2) & 0xff);
            assertEquals(ClassicBpf.jf(insn), b.get(pc * 8 + 3) & 0xff);
            assertEquals(ClassicBpf.k(insn), b.getInt(pc * 8 + 4));
        }
    }

    /**
     * {@code n} distinct random pids; from 32 on, with the values whose byte patterns matter once
     * swapped to the wire form (high bit set, 0x00 and 0xff bytes).
     */
    private static int[] pids(SplittableRandom r, int n) {
        Set<Integer> out = new LinkedHashSet<>();
        if (n >= 32) {
            for (int e : new int[] {1, 2, 127, 128, 255, 256, 257, 0x7f00, 0x8000, 0xff00, 0xffff, 0x10000, 0x7fff_ffff,
                0x7fff_ff00, 0x0100_0000, PID_MAX}) {
                out.add(e);
            }
        }
        while (out.size() < n) {
            out.add(r.nextInt(1, PID_MAX + 1));
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void everySetSizeAcrossTheJumpSplitting() throws Exception {
        SplittableRandom r = new SplittableRandom(6);
        boolean sawTrampolines = false;
        for (int n = 1; n <= 1200; n += n < 300 ? 1 : 7) {
            int[] set = pids(r, n);
            BpfProgram p = build(BpfProgram.builder().acceptProcesses(WHAT_EXIT | WHAT_EXEC, set).acceptForksOf(set));
            sawTrampolines |= hasTrampoline(p);
            checkSet(p, set, r);
        }
        assertTrue(sawTrampolines, "sets this large need ja trampolines: the splitting was exercised");
        BpfProgram small = build(BpfProgram.builder().acceptProcesses(WHAT_EXIT, pids(r, 100)));
        assertFalse(hasTrampoline(small), "a small set needs none");
    }

    private static boolean hasTrampoline(BpfProgram p) {
        for (int pc = 0; pc < p.instructions(); pc++) {
            if (ClassicBpf.code(p.instruction(pc)) == 0x05) {
                return true;
            }
        }
        return false;
    }

    private static void checkSet(BpfProgram p, int[] set, SplittableRandom r) {
        int[] sorted = set.clone();
        Arrays.sort(sorted);
        IntFunction<Boolean> member = x -> Arrays.binarySearch(sorted, x) >= 0;
        for (int pid : set) {
            assertTrue(accepts(p, ProcMessageBuilder.exit(pid, pid, 0, 17, 1, 1)), "exit of member " + pid + ", n=" + set.length);
            assertTrue(accepts(p, ProcMessageBuilder.exec(pid, pid)), "exec of member " + pid);
            assertTrue(accepts(p, ProcMessageBuilder.fork(1, 1, pid + 1, pid)), "thread of member " + pid);
            assertFalse(accepts(p, ProcMessageBuilder.uid(pid, pid, 0, 0)), "uid of member " + pid + ": not asked for");
            for (int near : new int[] {pid - 1, pid + 1, pid ^ 0x100, pid ^ 0x10000, Integer.reverseBytes(pid)}) {
                if (near > 0 && !member.apply(near)) {
                    assertFalse(accepts(p, ProcMessageBuilder.exit(near, near, 0, 17, 1, 1)), "exit of non-member " + near);
                }
            }
        }
        for (int i = 0; i < 200; i++) {
            int x = r.nextInt(1, PID_MAX + 1);
            assertEquals(member.apply(x), accepts(p, ProcMessageBuilder.exec(x, x)), "exec of " + x);
        }
    }

    @Test
    void messagesRunFewInstructionsEvenWithLargeSets() throws Exception {
        SplittableRandom r = new SplittableRandom(7);
        int[] set = pids(r, 1500);
        BpfProgram p = build(BpfProgram.builder().acceptTypes(WHAT_EXEC).acceptProcesses(WHAT_EXIT, set).acceptForksOf(set));
        int worst = 0;
        for (int i = 0; i < 20_000; i++) {
            int x = i < set.length ? set[i] : r.nextInt(1, PID_MAX + 1);
            worst = Math.max(worst, ClassicBpf.run(p, ProcMessageBuilder.exit(x, x, 0, 17, 1, 1).bytes()).steps());
            worst = Math.max(worst, ClassicBpf.run(p, ProcMessageBuilder.fork(x, x, x + 1, x + 1).bytes()).steps());
        }
        // header 11 + per set (jset, ld, about log2(1500/16) = 7 jge, up to 16 jeq, a few trampolines)
        assertTrue(worst <= 11 + 2 * (2 + 8 + 16 + 4), "worst path " + worst + " of " + p.instructions() + " instructions");
    }

    @Test
    void tooLargeIsReportedAndTheLargestThatFitsWorks() throws Exception {
        SplittableRandom r = new SplittableRandom(8);
        int[] many = pids(r, 4000);
        BpfProgram.TooLargeException e = assertThrows(BpfProgram.TooLargeException.class,
                () -> BpfProgram.builder().acceptProcesses(WHAT_EXIT, many).build());
        assertTrue(e.instructions() > BpfProgram.MAX_INSTRUCTIONS);
        assertTrue(e.getMessage().contains("4096") && e.getMessage().contains(many.length + " tgids"), e.getMessage());

        int single = largestThatFits(many, set -> BpfProgram.builder().acceptProcesses(WHAT_EXIT, set));
        assertTrue(single >= 3300, "one set of up to " + single + " pids fits");
        int both = largestThatFits(many, set -> BpfProgram.builder().acceptProcesses(WHAT_EXIT | WHAT_EXEC, set)
                .acceptForksOf(set));
        assertTrue(both >= 1650, "processes and their forks: up to " + both + " pids fit");
        int[] largest = Arrays.copyOf(many, both);
        BpfProgram p = build(BpfProgram.builder().acceptProcesses(WHAT_EXIT | WHAT_EXEC, largest).acceptForksOf(largest));
        assertTrue(p.instructions() <= BpfProgram.MAX_INSTRUCTIONS && p.instructions() > BpfProgram.MAX_INSTRUCTIONS - 5,
                p.instructions() + " instructions");
        checkSet(p, largest, r);
        int[] oneMore = Arrays.copyOf(many, both + 1);
        assertThrows(BpfProgram.TooLargeException.class,
                () -> BpfProgram.builder().acceptProcesses(WHAT_EXIT | WHAT_EXEC, oneMore).acceptForksOf(oneMore).build());
    }

    /** The largest prefix of {@code pids} whose program still fits. */
    private static int largestThatFits(int[] pids, Function<int[], BpfProgram.Builder> program) {
        int lo = 0;
        int hi = pids.length;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            try {
                program.apply(Arrays.copyOf(pids, mid)).build();
                lo = mid;
            } catch (BpfProgram.TooLargeException tooLarge) {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /**
     * Random programs and random messages against a model written from the builder's contract: a
     * message passes when it is an ack or not a whole known event, when its type is accepted for
     * every process, or when its type is a set's and the set's field holds one of the set's pids.
     */
    @Test
    void randomProgramsAgreeWithTheModel() throws Exception {
        SplittableRandom r = new SplittableRandom(9);
        int[] types = {WHAT_FORK, WHAT_EXEC, WHAT_UID, WHAT_GID, WHAT_SID, WHAT_PTRACE, WHAT_COMM, WHAT_COREDUMP, WHAT_EXIT};
        for (int round = 0; round < 300; round++) {
            int pool = 1 + r.nextInt(400);
            int[] universe = pids(r, pool);
            int any = r.nextInt(4) == 0 ? types[r.nextInt(types.length)] : 0;
            int procTypes = r.nextInt(1 << types.length);
            int what = 0;
            for (int i = 0; i < types.length; i++) {
                what |= (procTypes >> i & 1) != 0 ? types[i] : 0;
            }
            int[] procs = subset(r, universe);
            int[] parents = subset(r, universe);
            int[] children = subset(r, universe);
            BpfProgram p = build(BpfProgram.builder().acceptTypes(any).acceptProcesses(what, procs).acceptForksBy(parents)
                    .acceptForksOf(children));
            for (int i = 0; i < 300; i++) {
                int type = types[r.nextInt(types.length)];
                int[] f = new int[6];
                for (int j = 0; j < 6; j++) {
                    f[j] = r.nextBoolean() ? universe[r.nextInt(universe.length)] : r.nextInt(1, PID_MAX + 1);
                }
                ProcMessageBuilder m = new ProcMessageBuilder(type);
                for (int j = 0; j < 6; j++) {
                    m.u32(j, f[j]);
                }
                boolean expected = (any & type) != 0
                        || (what & type) != 0 && contains(procs, f[1])
                        || type == WHAT_FORK && (contains(parents, f[1]) || contains(children, f[3]));
                assertEquals(expected, accepts(p, m), () -> "round with " + p + ": type 0x" + Integer.toHexString(type)
                        + " fields " + Arrays.toString(f));
            }
        }
    }

    private static int[] subset(SplittableRandom r, int[] universe) {
        return r.nextInt(3) == 0 ? new int[0] : Arrays.stream(universe).filter(x -> r.nextInt(3) == 0).toArray();
    }

    private static boolean contains(int[] a, int x) {
        for (int v : a) {
            if (v == x) {
                return true;
            }
        }
        return false;
    }
}
