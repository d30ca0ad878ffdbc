package org.taskwatch.kernel;

import java.util.ArrayList;
import java.util.List;

/**
 * Lays out a classic BPF program written with labels, and encodes it as {@code struct sock_filter}
 * instructions.
 *
 * <p>Classic BPF jumps only forward, and a conditional jump's two targets are 8-bit offsets
 * ({@code jt}, {@code jf}: at most 255 instructions ahead); only the unconditional {@code ja}
 * has a 32-bit offset. {@link #assemble} therefore relaxes: every conditional jump starts short,
 * and one whose target turns out to be too far gets a {@code ja} trampoline right after it for
 * that branch. A trampoline moves the code after it, which can push other jumps out of range,
 * so layout repeats until nothing changes (forms only ever grow, so it ends).
 *
 * <p>Single use, one thread.
 */
final class BpfAssembler {
    // opcodes (linux/bpf_common.h): class | size | mode, class | op | source
    static final int LD_W_ABS = 0x20; // BPF_LD | BPF_W | BPF_ABS: A = u32 at k, read big-endian
    static final int LD_W_LEN = 0x80; // BPF_LD | BPF_W | BPF_LEN: A = length of the packet
    static final int JA = 0x05;       // BPF_JMP | BPF_JA
    static final int JEQ_K = 0x15;    // BPF_JMP | BPF_JEQ | BPF_K
    static final int JGE_K = 0x35;    // BPF_JMP | BPF_JGE | BPF_K (unsigned)
    static final int JSET_K = 0x45;   // BPF_JMP | BPF_JSET | BPF_K: jump if A & k != 0
    static final int RET_K = 0x06;    // BPF_RET | BPF_K

    /** The farthest a conditional branch reaches: {@code jt} and {@code jf} are u8. */
    static final int MAX_SHORT_JUMP = 255;

    /** A position in the program, bound to the next instruction emitted after {@link #bind}. */
    static final class Label {
        int item = -1;
    }

    // layout forms of a conditional jump: which branches go through a trampoline
    private static final int NEAR = 0;
    private static final int FAR_TRUE = 1;
    private static final int FAR_FALSE = 2;
    private static final int FAR_BOTH = FAR_TRUE | FAR_FALSE;

    private record Item(int code, int k, Label whenTrue, Label whenFalse) {
        boolean conditional() {
            return whenFalse != null;
        }
    }

    private final List<Item> items = new ArrayList<>();

    Label label() {
        return new Label();
    }

    void bind(Label l) {
        if (l.item >= 0) {
            throw new IllegalStateException("label bound twice");
        }
        l.item = items.size();
    }

    /** A non-jump instruction (a load or a return). */
    void emit(int code, int k) {
        items.add(new Item(code, k, null, null));
    }

    /** A conditional jump: to {@code whenTrue} if the comparison with {@code k} holds, else to {@code whenFalse}. */
    void jump(int code, int k, Label whenTrue, Label whenFalse) {
        items.add(new Item(code, k, whenTrue, whenFalse));
    }

    /** An unconditional jump. */
    void jumpAlways(Label target) {
        items.add(new Item(JA, 0, target, null));
    }

    /**
     * The instructions, each packed as {@code code | jt << 16 | jf << 24 | (long) k << 32}.
     *
     * @throws IllegalStateException for a label that is unbound, bound past the last
     *     instruction, or behind its jump (classic BPF jumps forward only)
     */
    long[] assemble() {
        int n = items.size();
        int[] form = new int[n];
        int[] pc = new int[n + 1];
        for (int i = 0; i < n; i++) {
            Item it = items.get(i);
            if (it.whenTrue != null) {
                checkForward(it.whenTrue, i, n);
            }
            if (it.whenFalse != null) {
                checkForward(it.whenFalse, i, n);
            }
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            layout(form, pc);
            for (int i = 0; i < n; i++) {
                Item it = items.get(i);
                if (!it.conditional()) {
                    continue;
                }
                int p = pc[i];
                int f = form[i];
                if ((f & FAR_TRUE) == 0 && pc[it.whenTrue.item] - p - 1 > MAX_SHORT_JUMP) {
                    f |= FAR_TRUE;
                }
                if ((f & FAR_FALSE) == 0 && pc[it.whenFalse.item] - p - 1 > MAX_SHORT_JUMP) {
                    f |= FAR_FALSE;
                }
                if (f != form[i]) {
                    form[i] = f;
                    changed = true;
                }
            }
        }
        long[] out = new long[pc[n]];
        for (int i = 0; i < n; i++) {
            Item it = items.get(i);
            int p = pc[i];
            if (it.whenTrue == null) {
                out[p] = pack(it.code, 0, 0, it.k);
            } else if (!it.conditional()) {
                out[p] = pack(JA, 0, 0, pc[it.whenTrue.item] - p - 1);
            } else {
                int t = pc[it.whenTrue.item];
                int f = pc[it.whenFalse.item];
                switch (form[i]) {
                    case NEAR:
                        out[p] = pack(it.code, t - p - 1, f - p - 1, it.k);
                        break;
                    case FAR_TRUE: // true: to the ja right after; false: over it
                        out[p] = pack(it.code, 0, f - p - 1, it.k);
                        out[p + 1] = pack(JA, 0, 0, t - p - 2);
                        break;
                    case FAR_FALSE:
                        out[p] = pack(it.code, t - p - 1, 0, it.k);
                        out[p + 1] = pack(JA, 0, 0, f - p - 2);
                        break;
                    default: // both: a ja for each
                        out[p] = pack(it.code, 0, 1, it.k);
                        out[p + 1] = pack(JA, 0, 0, t - p - 2);
                        out[p + 2] = pack(JA, 0, 0, f - p - 3);
                        break;
                }
            }
        }
        return out;
    }

    private void layout(int[] form, int[] pc) {
        int p = 0;
        for (int i = 0; i < items.size(); i++) {
            pc[i] = p;
            p += 1 + Integer.bitCount(form[i]); // one trampoline per far branch
        }
        pc[items.size()] = p;
    }

    private static void checkForward(Label l, int from, int n) {
        if (l.item < 0 || l.item >= n) {
            throw new IllegalStateException("label " + (l.item < 0 ? "unbound" : "bound past the last instruction"));
        }
        if (l.item <= from) {
            throw new IllegalStateException("jump from instruction " + from + " back to " + l.item);
        }
    }

    static long pack(int code, int jt, int jf, int k) {
        if (jt < 0 || jt > MAX_SHORT_JUMP || jf < 0 || jf > MAX_SHORT_JUMP) {
            throw new IllegalStateException("jump offsets out of range: jt=" + jt + " jf=" + jf);
        }
        return (code & 0xffffL) | (long) jt << 16 | (long) jf << 24 | (long) k << 32;
    }
}
