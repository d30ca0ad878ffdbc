package org.taskwatch.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes an eBPF program with labels and encodes it as {@code struct bpf_insn[]} for a
 * little-endian host: {@code u8 code; u8 dst_reg:4, src_reg:4; s16 off; s32 imm}. Only what
 * {@link KernelCounts} needs: moves, a few ALU operations, loads and stores, conditional jumps to
 * labels (16-bit offsets), helper calls, map references, and a classic program appended after
 * the eBPF code ({@link #appendClassic}).
 *
 * <p>Single use, one thread.
 */
final class EbpfAssembler {
    // registers
    static final int R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R6 = 6, R7 = 7, R8 = 8, R9 = 9, FP = 10;

    // instruction classes, sizes, modes, operations (linux/bpf.h, linux/bpf_common.h)
    private static final int LD = 0x00, LDX = 0x01, ST = 0x02, STX = 0x03, ALU = 0x04, JMP = 0x05, JMP32 = 0x06,
            ALU64 = 0x07;
    static final int W = 0x00, DW = 0x18;
    private static final int IMM = 0x00, ABS = 0x20, MEM = 0x60;
    private static final int K = 0x00, X = 0x08;
    static final int ADD = 0x00, DIV = 0x30, AND = 0x50, MOV = 0xb0;
    static final int JEQ = 0x10, JNE = 0x50;
    private static final int JA = 0x00, CALL = 0x80, EXIT = 0x90;
    private static final int PSEUDO_MAP_FD = 1;

    /** A position in the program, bound by {@link #bind}; jumps go forward only. */
    static final class Label {
        int at = -1;
    }

    private record Insn(int code, int dst, int src, int off, int imm, Label target) {}

    private final List<Insn> code = new ArrayList<>();

    Label label() {
        return new Label();
    }

    void bind(Label l) {
        l.at = code.size();
    }

    /** Instructions so far. */
    int size() {
        return code.size();
    }

    private void emit(int code, int dst, int src, int off, int imm) {
        this.code.add(new Insn(code, dst, src, off, imm, null));
    }

    void movReg(int dst, int src) { emit(ALU64 | MOV | X, dst, src, 0, 0); }
    void movImm(int dst, int imm) { emit(ALU64 | MOV | K, dst, 0, 0, imm); }
    /** 32-bit move: the upper half is zeroed, so {@code imm = -1} gives {@code 0xFFFFFFFF}. */
    void mov32Imm(int dst, int imm) { emit(ALU | MOV | K, dst, 0, 0, imm); }
    void aluImm(int op, int dst, int imm) { emit(ALU64 | op | K, dst, 0, 0, imm); }
    /** {@code dst = *(size *)(src + off)} */
    void load(int size, int dst, int src, int off) { emit(LDX | MEM | size, dst, src, off, 0); }
    /** {@code *(size *)(dst + off) = src} */
    void store(int size, int dst, int off, int src) { emit(STX | MEM | size, dst, src, off, 0); }
    /** {@code *(size *)(dst + off) = imm} */
    void storeImm(int size, int dst, int off, int imm) { emit(ST | MEM | size, dst, 0, off, imm); }
    void call(int helper) { emit(JMP | CALL, 0, 0, 0, helper); }
    void exit() { emit(JMP | EXIT, 0, 0, 0, 0); }

    /** {@code dst = map}: the two-instruction load of a map descriptor, resolved by the kernel. */
    void loadMap(int dst, int mapFd) {
        emit(LD | DW | IMM, dst, PSEUDO_MAP_FD, 0, mapFd);
        emit(0, 0, 0, 0, 0);
    }

    void jump(Label to) { code.add(new Insn(JMP | JA, 0, 0, 0, 0, to)); }
    /** 64-bit compare of a register with an immediate. */
    void jumpImm(int op, int reg, int imm, Label to) { code.add(new Insn(JMP | op | K, reg, 0, 0, imm, to)); }
    /** 32-bit compare (the low halves). */
    void jump32Imm(int op, int reg, int imm, Label to) { code.add(new Insn(JMP32 | op | K, reg, 0, 0, imm, to)); }
    void jumpReg(int op, int reg, int src, Label to) { code.add(new Insn(JMP | op | X, reg, src, 0, 0, to)); }

    /**
     * Appends a classic BPF program, translated instruction by instruction: the accumulator is
     * R0, {@code BPF_ABS} loads keep their meaning (big-endian, R6 must hold the context), the
     * packet length is {@code __sk_buff.len}, a return is a 32-bit move and an exit. Only the
     * forms {@link BpfProgram} generates are known.
     */
    void appendClassic(BpfProgram p) {
        int n = p.instructions();
        int[] at = new int[n + 1];
        int pos = code.size();
        for (int i = 0; i < n; i++) {
            at[i] = pos;
            pos += classicSize(p.instruction(i));
        }
        at[n] = pos;
        for (int i = 0; i < n; i++) {
            long insn = p.instruction(i);
            int c = (int) (insn & 0xffff);
            int jt = (int) (insn >>> 16 & 0xff);
            int jf = (int) (insn >>> 24 & 0xff);
            int k = (int) (insn >>> 32);
            switch (c) {
                case BpfAssembler.LD_W_ABS -> emit(LD | W | ABS, 0, 0, 0, k);
                case BpfAssembler.LD_W_LEN -> load(W, R0, R6, 0); // __sk_buff.len
                case BpfAssembler.RET_K -> {
                    mov32Imm(R0, k);
                    exit();
                }
                case BpfAssembler.JA -> emitAt(JMP | JA, 0, at[i + 1 + k]);
                case BpfAssembler.JEQ_K, BpfAssembler.JGE_K, BpfAssembler.JSET_K -> {
                    int here = code.size();
                    code.add(new Insn(JMP32 | (c & 0xf0) | K, R0, 0, at[i + 1 + jt] - (here + 1), k, null));
                    if (jf != 0) {
                        emitAt(JMP | JA, 0, at[i + 1 + jf]);
                    }
                }
                default -> throw new IllegalArgumentException("classic BPF instruction 0x" + Integer.toHexString(c)
                        + " at " + i + " has no translation");
            }
        }
    }

    private void emitAt(int c, int imm, int target) {
        int here = code.size();
        code.add(new Insn(c, 0, 0, target - (here + 1), imm, null));
    }

    private static int classicSize(long insn) {
        int c = (int) (insn & 0xffff);
        int jf = (int) (insn >>> 24 & 0xff);
        return switch (c) {
            case BpfAssembler.RET_K -> 2;
            case BpfAssembler.JEQ_K, BpfAssembler.JGE_K, BpfAssembler.JSET_K -> jf != 0 ? 2 : 1;
            default -> 1;
        };
    }

    /** The program as {@code struct bpf_insn[]}. */
    byte[] assemble() {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("eBPF programs are encoded for little-endian hosts only");
        }
        ByteBuffer b = ByteBuffer.allocate(code.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < code.size(); i++) {
            Insn in = code.get(i);
            int off = in.off;
            if (in.target != null) {
                if (in.target.at <= i) {
                    throw new IllegalStateException("label not bound, or behind its jump, at " + i);
                }
                off = in.target.at - (i + 1);
            }
            if (off > Short.MAX_VALUE || off < Short.MIN_VALUE) {
                throw new IllegalStateException("jump at " + i + " too far: " + off);
            }
            b.put((byte) in.code).put((byte) (in.dst | in.src << 4)).putShort((short) off).putInt(in.imm);
        }
        return b.array();
    }
}
