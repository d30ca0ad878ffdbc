package org.taskwatch.kernel;

/**
 * Test helper: a classic BPF interpreter for the instructions {@link BpfProgram} generates, written
 * from the kernel's rules (net/core/filter.c, Documentation/networking/filter.rst) and not from
 * the generator: {@code BPF_ABS} loads read big-endian and a load past the end of the packet
 * ends the program with 0 (drop); {@code jge} compares unsigned; jumps count from the next
 * instruction. {@link #check} applies the kernel's structural checks first
 * ({@code bpf_check_classic}): length 1..4096, every jump inside the program, a return last.
 */
final class ClassicBpf {
    /** A verdict (what the program returned) and how many instructions ran to reach it. */
    record Result(int verdict, int steps) {
        boolean accepted() {
            return verdict != 0;
        }
    }

    private ClassicBpf() {}

    static int code(long insn) {
        return (int) (insn & 0xffff);
    }

    static int jt(long insn) {
        return (int) (insn >>> 16) & 0xff;
    }

    static int jf(long insn) {
        return (int) (insn >>> 24) & 0xff;
    }

    static int k(long insn) {
        return (int) (insn >>> 32);
    }

    /** Fails like the kernel's SO_ATTACH_FILTER would (EINVAL) for a program it rejects. */
    static void check(BpfProgram p) {
        int len = p.instructions();
        if (len < 1 || len > 4096) {
            throw new AssertionError("length " + len);
        }
        for (int pc = 0; pc < len; pc++) {
            long insn = p.instruction(pc);
            switch (code(insn)) {
                case 0x20: // ld [k]
                case 0x80: // ld len
                case 0x06: // ret #k
                    break;
                case 0x05: // ja
                    if (Integer.toUnsignedLong(k(insn)) >= len - pc - 1) {
                        throw new AssertionError("ja out of the program at " + pc);
                    }
                    break;
                case 0x15: // jeq #k
                case 0x35: // jge #k
                case 0x45: // jset #k
                    if (pc + 1 + jt(insn) >= len || pc + 1 + jf(insn) >= len) {
                        throw new AssertionError("conditional jump out of the program at " + pc);
                    }
                    break;
                default:
                    throw new AssertionError("unexpected opcode 0x" + Integer.toHexString(code(insn)) + " at " + pc);
            }
        }
        if (code(p.instruction(len - 1)) != 0x06) {
            throw new AssertionError("the last instruction is not a return");
        }
    }

    static Result run(BpfProgram p, byte[] packet) {
        int a = 0;
        int pc = 0;
        int steps = 0;
        while (true) {
            long insn = p.instruction(pc);
            steps++;
            int k = k(insn);
            switch (code(insn)) {
                case 0x20:
                    if (k < 0 || k + 4 > packet.length) {
                        return new Result(0, steps);
                    }
                    a = (packet[k] & 0xff) << 24 | (packet[k + 1] & 0xff) << 16 | (packet[k + 2] & 0xff) << 8 | packet[k + 3] & 0xff;
                    pc++;
                    break;
                case 0x80:
                    a = packet.length;
                    pc++;
                    break;
                case 0x05:
                    pc += 1 + k;
                    break;
                case 0x15:
                    pc += 1 + (a == k ? jt(insn) : jf(insn));
                    break;
                case 0x35:
                    pc += 1 + (Integer.compareUnsigned(a, k) >= 0 ? jt(insn) : jf(insn));
                    break;
                case 0x45:
                    pc += 1 + ((a & k) != 0 ? jt(insn) : jf(insn));
                    break;
                case 0x06:
                    return new Result(k, steps);
                default:
                    throw new AssertionError("unexpected opcode at " + pc);
            }
        }
    }

    static boolean accepts(BpfProgram p, ProcMessageBuilder m) {
        return run(p, m.bytes()).accepted();
    }
}
