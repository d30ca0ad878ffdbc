package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.taskwatch.kernel.ProcEventCodec.WHAT_EXEC;
import static org.taskwatch.kernel.ProcEventCodec.WHAT_EXIT;
import static org.taskwatch.kernel.ProcEventCodec.WHAT_UID;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.taskwatch.testing.KernelTests;

/**
 * The counting program's filter part, run by the kernel ({@code BPF_PROG_TEST_RUN}) on hand-built
 * messages, against the classic program it was translated from as the kernel's classic rules
 * judge it ({@link ClassicBpf}): the same verdict for every message, over programs of every size
 * the classic generator makes (jeq chains, binary searches, ja trampolines), for acks, foreign and
 * short messages, and every event type.
 */
class KernelCountsProgramTest {
    private static final int PID_MAX = 4_194_304;
    private static final int ETH_HLEN = 14;

    @BeforeEach
    void requireBpf() {
        KernelTests.require(KernelTests.isRoot(), "eBPF programs need CAP_BPF (root)");
    }

    @Test
    void theTranslatedFilterJudgesEveryMessageAsTheClassicOne() throws Exception {
        SplittableRandom r = new SplittableRandom(12);
        int programs = 0;
        long messages = 0;
        boolean sawTrampolines = false;
        try (KernelCounts k = KernelCounts.create(64)) {
            for (int n = 1; n <= 1200; n += n < 40 ? 1 : 97) {
                int[] set = pids(r, n);
                BpfProgram.Builder b = BpfProgram.builder().acceptProcesses(WHAT_EXIT | WHAT_EXEC, set).acceptForksOf(set);
                if (n % 3 == 0) {
                    b.acceptTypes(WHAT_UID); // a type of every process too
                }
                BpfProgram p = b.build();
                for (int pc = 0; pc < p.instructions(); pc++) {
                    sawTrampolines |= ClassicBpf.code(p.instruction(pc)) == BpfAssembler.JA;
                }
                int fd = k.load(p);
                try {
                    for (ProcMessageBuilder m : messages(set, r)) {
                        byte[] msg = m.bytes();
                        int classic = ClassicBpf.run(p, msg).verdict();
                        assertEquals(classic, Bpf.testRun(fd, framed(msg)),
                                () -> p.description() + ": message " + java.util.HexFormat.of().formatHex(msg));
                        messages++;
                    }
                    byte[] shortOne = new byte[40]; // shorter than an event: the classic program lets it pass
                    System.arraycopy(ProcMessageBuilder.exec(set[0], set[0]).bytes(), 0, shortOne, 0, 40);
                    assertEquals(ClassicBpf.run(p, shortOne).verdict(), Bpf.testRun(fd, framed(shortOne)), "short");
                } finally {
                    Syscalls.close(fd);
                }
                programs++;
            }
        }
        assertTrue(programs > 40 && messages > 10_000, programs + " programs, " + messages + " messages");
        assertTrue(sawTrampolines, "programs long enough for ja trampolines were among them");
    }

    /** Members' and others' messages of every type, acks and another connector's message. */
    private static List<ProcMessageBuilder> messages(int[] set, SplittableRandom r) {
        List<ProcMessageBuilder> out = new ArrayList<>();
        out.add(ProcMessageBuilder.ack(0));
        for (int i = 0; i < Math.min(set.length, 60); i++) {
            int pid = set[i];
            out.addAll(everyTypeAbout(pid));
            for (int near : new int[] {pid - 1, pid + 1, pid ^ 0x100, Integer.reverseBytes(pid)}) {
                if (near > 0) {
                    out.add(ProcMessageBuilder.exit(near, near, 0, 17, 1, 1));
                }
            }
        }
        for (int i = 0; i < 60; i++) {
            out.addAll(everyTypeAbout(r.nextInt(1, PID_MAX + 1)));
        }
        return out;
    }

    /** {@link BpfProgramTest}'s message of each type, and a thread's creation and exit in the process. */
    private static List<ProcMessageBuilder> everyTypeAbout(int tgid) {
        List<ProcMessageBuilder> out = new ArrayList<>(BpfProgramTest.everyTypeAbout(tgid));
        out.add(ProcMessageBuilder.fork(1, 1, tgid + 1, tgid));
        out.add(ProcMessageBuilder.exit(tgid, tgid, 0x300, 17, 9_000_004, 9_000_004));
        return out;
    }

    private static int[] pids(SplittableRandom r, int n) {
        Set<Integer> out = new LinkedHashSet<>();
        for (int e : new int[] {1, 2, 255, 256, 0x8000, 0xffff, 0x10000, PID_MAX}) {
            if (out.size() < n) {
                out.add(e);
            }
        }
        while (out.size() < n) {
            out.add(r.nextInt(1, PID_MAX + 1));
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The message behind a zeroed Ethernet header, as BPF_PROG_TEST_RUN takes a socket filter's packet. */
    private static byte[] framed(byte[] msg) {
        return ByteBuffer.allocate(ETH_HLEN + msg.length).position(ETH_HLEN).put(msg).array();
    }
}
