package org.taskwatch.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A classic BPF socket filter for a proc connector socket ({@link ProcConnector#setFilter}): the
 * kernel runs it on every message before queueing it, so what it drops costs neither socket
 * buffer nor a wake-up of the reader. Built by a {@link Builder} from what the consumer needs:
 * event types of every process, events of a set of processes, forks by or of a set of processes.
 *
 * <p>It never drops, whatever it was built from (it fails open):
 * <ul>
 * <li>acks ({@code what} = 0): the subscription handshake needs its own, and other listeners'
 *     acks are harmless and rare;
 * <li>anything that is not a whole proc connector event of a known type: shorter than 76 bytes,
 *     another connector's {@code idx/val}, a {@code what} with a bit the codec does not know.
 *     The codec counts these as malformed or foreign; a filter that hid them would hide that
 *     evidence (and the first event of a type a newer kernel adds) instead of the problem, and
 *     they cost nothing in practice because the kernel never sends them.
 * </ul>
 *
 * <p>The code: a header of 9 or 10 instructions checks the above and the types accepted for every
 * process; then, per set, a {@code jset} on the event type, a load of the pid field and a search:
 * a {@code jeq} chain for up to {@value #LEAF} pids, else a binary search ({@code jge}) over the
 * pids sorted as the filter sees them, down to {@code jeq} chains of at most {@value #LEAF}. So a
 * message costs at most about {@code 10 + sets * (3 + log2(n / 16) + 16)} instructions, and the
 * program about {@code 1.2} instructions per pid. {@code BPF_ABS} loads read big-endian while the
 * kernel writes the message in host order, so every constant compared with a loaded field is
 * byte-swapped on little-endian hosts ({@link #wire}). Accept returns {@code 0xFFFFFFFF} (the
 * whole message), drop returns 0.
 *
 * <p>Immutable, so any thread may use it.
 */
public final class BpfProgram {
    /** The kernel's limit on a classic BPF program ({@code BPF_MAXINSNS}). */
    public static final int MAX_INSTRUCTIONS = 4096;

    static final int ACCEPT = 0xFFFFFFFF;
    static final int DROP = 0;
    /** The {@code what} values the kernel sends as events (NONZERO_EXIT is a filter flag only). */
    static final int KNOWN_EVENTS = ProcEventCodec.WHAT_FORK | ProcEventCodec.WHAT_EXEC | ProcEventCodec.WHAT_UID
            | ProcEventCodec.WHAT_GID | ProcEventCodec.WHAT_SID | ProcEventCodec.WHAT_PTRACE | ProcEventCodec.WHAT_COMM
            | ProcEventCodec.WHAT_COREDUMP | ProcEventCodec.WHAT_EXIT;
    /** Pids per {@code jeq} chain at the leaves of a search. */
    static final int LEAF = 16;

    /** Offsets the filter reads (docs/kernel.md, Message layout and Kernel-side filtering): the first u32 of event_data after pid is the tgid for every type but fork. */
    static final int OFF_TGID = ProcEventCodec.OFF_DATA + 4;
    static final int OFF_FORK_PARENT_TGID = ProcEventCodec.OFF_DATA + 4;
    static final int OFF_FORK_CHILD_TGID = ProcEventCodec.OFF_DATA + 12;

    private static final boolean SWAP = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private final long[] code;
    private final int anyProcessTypes;
    private final List<PidSet> sets;
    private final String description;

    /** What one set accepts: events of {@code what} whose u32 at {@code kind.offset} is in {@code pids} (sorted, distinct). */
    private record PidSet(Kind kind, int what, int[] pids) {}

    private enum Kind {
        PROCESSES("tgids", OFF_TGID),
        FORK_PARENTS("fork parents", OFF_FORK_PARENT_TGID),
        FORK_CHILDREN("fork children", OFF_FORK_CHILD_TGID);

        final String noun;
        final int offset;

        Kind(String noun, int offset) {
            this.noun = noun;
            this.offset = offset;
        }
    }

    private BpfProgram(long[] code, int anyProcessTypes, List<PidSet> sets) {
        this.code = code;
        this.anyProcessTypes = anyProcessTypes;
        this.sets = sets;
        this.description = describe(code.length, anyProcessTypes, sets);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The program's length in instructions, at most {@link #MAX_INSTRUCTIONS}. */
    public int instructions() {
        return code.length;
    }

    /** Whether it accepts every message: then {@link ProcConnector#setFilter} attaches nothing. */
    public boolean acceptsAll() {
        return (anyProcessTypes & KNOWN_EVENTS) == KNOWN_EVENTS;
    }

    /**
     * What it accepts, for the agent's {@code KernelFilter}: for example
     * {@code "bpf: exec of any process, 10 tgids (fork,exit), 2 fork parents, 10 fork children (45 instructions)"}.
     */
    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return description;
    }

    /** Whether every event of all the types in {@code what} is accepted, whatever its process. */
    boolean acceptsEveryProcess(int what) {
        return (anyProcessTypes & what) == what;
    }

    /** Every pid named in any of its sets, sorted: the processes this program lets through besides the types of every process. */
    int[] pids() {
        return sets.stream().flatMapToInt(s -> Arrays.stream(s.pids)).sorted().distinct().toArray();
    }

    /** The instruction at {@code pc}, packed as {@link BpfAssembler#assemble} does. */
    long instruction(int pc) {
        return code[pc];
    }

    /** The program as {@code struct sock_filter[]} ({@code u16 code; u8 jt; u8 jf; u32 k}), in host order. */
    byte[] toSockFilters() {
        ByteBuffer b = ByteBuffer.allocate(code.length * 8).order(ByteOrder.nativeOrder());
        for (long insn : code) {
            b.putShort((short) insn).put((byte) (insn >>> 16)).put((byte) (insn >>> 24)).putInt((int) (insn >>> 32));
        }
        return b.array();
    }

    /**
     * The u32 a {@code BPF_ABS} load reads from a field the kernel wrote as {@code hostValue}:
     * loads are big-endian, the message is in host order.
     */
    static int wire(int hostValue) {
        return SWAP ? Integer.reverseBytes(hostValue) : hostValue;
    }

    /** The program is longer than the kernel allows: filter in user space instead. */
    public static final class TooLargeException extends Exception {
        private static final long serialVersionUID = 1L;

        private final int instructions;

        TooLargeException(String what, int instructions) {
            super("a kernel filter for " + what + " needs " + instructions + " instructions, more than the kernel's "
                    + MAX_INSTRUCTIONS + " (BPF_MAXINSNS)");
            this.instructions = instructions;
        }

        /** How long the program would have been. */
        public int instructions() {
            return instructions;
        }
    }

    /**
     * Collects what a consumer needs; every call adds to what the program accepts. Pids are tgids
     * (process ids) of the initial pid namespace, as the kernel writes them. Event types are
     * kernel {@code what} bits ({@code ProcEventCodec.WHAT_*}; {@link EventType#kernelMask} turns
     * taskwatch's types into them: a thread create is a fork, a thread exit an exit).
     *
     * <p>Not thread-safe; reusable (each {@link #build} sees everything added so far).
     */
    public static final class Builder {
        private int anyProcessTypes;
        private final Map<Kind, Map<Integer, TreeSet<Integer>>> sets = new TreeMap<>();

        private Builder() {}

        /** Accepts every event of these types, whatever its process: exec for command watches, say. */
        public Builder acceptTypes(int what) {
            anyProcessTypes |= what;
            return this;
        }

        /**
         * Accepts events of these types whose tgid is one of {@code tgids}: the field at offset 56,
         * which for a fork is the parent's tgid, so a fork is accepted when one of these processes
         * forks. A thread created in one of them is not: its fork names the process's parent (see
         * {@link #acceptForksOf}).
         */
        public Builder acceptProcesses(int what, int... tgids) {
            return add(Kind.PROCESSES, what, tgids);
        }

        /** Accepts forks by these processes (parent_tgid, offset 56): the forks that grow a followed tree. */
        public Builder acceptForksBy(int... parentTgids) {
            return add(Kind.FORK_PARENTS, ProcEventCodec.WHAT_FORK, parentTgids);
        }

        /**
         * Accepts forks whose child_tgid (offset 64) is one of these: every thread created in these
         * processes (a thread's fork names its process's parent as the parent, so only the child
         * field identifies it), and a new process that takes one of these pids after the old one
         * ended unseen (pid reuse).
         */
        public Builder acceptForksOf(int... childTgids) {
            return add(Kind.FORK_CHILDREN, ProcEventCodec.WHAT_FORK, childTgids);
        }

        private Builder add(Kind kind, int what, int[] pids) {
            if (what == 0 || pids.length == 0) {
                return this;
            }
            TreeSet<Integer> set = sets.computeIfAbsent(kind, k -> new TreeMap<>())
                    .computeIfAbsent(what, w -> new TreeSet<>());
            for (int pid : pids) {
                if (pid <= 0) {
                    throw new IllegalArgumentException("pid: must be a positive process id, got " + pid);
                }
                set.add(pid);
            }
            return this;
        }

        /**
         * The program.
         *
         * @throws TooLargeException when it would be longer than {@link #MAX_INSTRUCTIONS}: the
         *     caller keeps the socket unfiltered (or narrower by event type) and filters in user space
         */
        public BpfProgram build() throws TooLargeException {
            int any = anyProcessTypes & KNOWN_EVENTS;
            if (any == KNOWN_EVENTS) {
                return new BpfProgram(new long[] {BpfAssembler.pack(BpfAssembler.RET_K, 0, 0, ACCEPT)}, any, List.of());
            }
            List<PidSet> kept = new ArrayList<>();
            for (Map.Entry<Kind, Map<Integer, TreeSet<Integer>>> byKind : sets.entrySet()) {
                for (Map.Entry<Integer, TreeSet<Integer>> e : byKind.getValue().entrySet()) {
                    int what = e.getKey() & KNOWN_EVENTS & ~any; // types accepted for everyone need no set
                    if (what != 0) {
                        kept.add(new PidSet(byKind.getKey(), what,
                                e.getValue().stream().mapToInt(Integer::intValue).toArray()));
                    }
                }
            }
            long[] code = generate(any, kept);
            if (code.length > MAX_INSTRUCTIONS) {
                throw new TooLargeException(accepted(any, kept), code.length);
            }
            return new BpfProgram(code, any, List.copyOf(kept));
        }
    }

    private static long[] generate(int anyProcessTypes, List<PidSet> sets) {
        BpfAssembler a = new BpfAssembler();
        BpfAssembler.Label accept = a.label();
        BpfAssembler.Label start = a.label();
        // not a whole proc connector event of a known type, or an ack: let the codec have it
        step(a, BpfAssembler.LD_W_LEN, 0, BpfAssembler.JGE_K, ProcEventCodec.EVENT_MESSAGE_SIZE, accept, false);
        step(a, BpfAssembler.LD_W_ABS, ProcEventCodec.OFF_CN_IDX, BpfAssembler.JEQ_K, wire(ProcEventCodec.CN_IDX_PROC), accept, false);
        step(a, BpfAssembler.LD_W_ABS, ProcEventCodec.OFF_CN_VAL, BpfAssembler.JEQ_K, wire(ProcEventCodec.CN_VAL_PROC), accept, false);
        step(a, BpfAssembler.LD_W_ABS, ProcEventCodec.OFF_WHAT, BpfAssembler.JEQ_K, wire(ProcEventCodec.WHAT_NONE), accept, true);
        if (anyProcessTypes == 0) {
            a.jump(BpfAssembler.JSET_K, wire(~KNOWN_EVENTS), accept, start);
        } else {
            BpfAssembler.Label next = a.label();
            a.jump(BpfAssembler.JSET_K, wire(~KNOWN_EVENTS), accept, next);
            a.bind(next);
            a.jump(BpfAssembler.JSET_K, wire(anyProcessTypes), accept, start);
        }
        a.bind(accept);
        a.emit(BpfAssembler.RET_K, ACCEPT);
        a.bind(start);
        boolean holdsWhat = true; // A still holds what from the header
        for (PidSet s : sets) {
            BpfAssembler.Label next = a.label();
            if (!holdsWhat) {
                a.emit(BpfAssembler.LD_W_ABS, ProcEventCodec.OFF_WHAT);
            }
            if ((s.what & KNOWN_EVENTS) != KNOWN_EVENTS) { // else any event that got here is of the set's types
                BpfAssembler.Label search = a.label();
                a.jump(BpfAssembler.JSET_K, wire(s.what), search, next);
                a.bind(search);
            }
            a.emit(BpfAssembler.LD_W_ABS, s.kind.offset);
            int[] keys = Arrays.stream(s.pids).map(BpfProgram::wire).toArray();
            sortUnsigned(keys); // jge compares unsigned, on the wire form
            search(a, keys, 0, keys.length, next);
            a.bind(next);
            holdsWhat = false;
        }
        a.emit(BpfAssembler.RET_K, DROP);
        return a.assemble();
    }

    /** Loads a field and goes on when {@code code k} holds, else (or, if {@code onTrue}, then) jumps to {@code exit}. */
    private static void step(BpfAssembler a, int load, int offset, int code, int k, BpfAssembler.Label exit, boolean onTrue) {
        a.emit(load, offset);
        BpfAssembler.Label next = a.label();
        if (onTrue) {
            a.jump(code, k, exit, next);
        } else {
            a.jump(code, k, next, exit);
        }
        a.bind(next);
    }

    /** Accepts when A is one of {@code keys[lo..hi)} (sorted unsigned), else jumps to {@code miss}. */
    private static void search(BpfAssembler a, int[] keys, int lo, int hi, BpfAssembler.Label miss) {
        if (hi - lo <= LEAF) {
            BpfAssembler.Label hit = a.label();
            for (int i = lo; i < hi - 1; i++) {
                BpfAssembler.Label next = a.label();
                a.jump(BpfAssembler.JEQ_K, keys[i], hit, next);
                a.bind(next);
            }
            a.jump(BpfAssembler.JEQ_K, keys[hi - 1], hit, miss);
            a.bind(hit); // a return of its own next to each chain keeps every hit a short jump
            a.emit(BpfAssembler.RET_K, ACCEPT);
            return;
        }
        int mid = (lo + hi) >>> 1;
        BpfAssembler.Label left = a.label();
        BpfAssembler.Label right = a.label();
        a.jump(BpfAssembler.JGE_K, keys[mid], right, left);
        a.bind(left);
        search(a, keys, lo, mid, miss);
        a.bind(right);
        search(a, keys, mid, hi, miss);
    }

    private static void sortUnsigned(int[] keys) {
        for (int i = 0; i < keys.length; i++) {
            keys[i] ^= Integer.MIN_VALUE; // flipping the sign bit makes signed order the unsigned one
        }
        Arrays.sort(keys);
        for (int i = 0; i < keys.length; i++) {
            keys[i] ^= Integer.MIN_VALUE;
        }
    }

    private static String describe(int instructions, int anyProcessTypes, List<PidSet> sets) {
        return "bpf: " + accepted(anyProcessTypes, sets) + " (" + instructions + " instructions)";
    }

    private static String accepted(int anyProcessTypes, List<PidSet> sets) {
        List<String> parts = new ArrayList<>();
        if ((anyProcessTypes & KNOWN_EVENTS) == KNOWN_EVENTS) {
            parts.add("all events");
        } else if (anyProcessTypes != 0) {
            parts.add(typeNames(anyProcessTypes) + " of any process");
        }
        for (PidSet s : sets) {
            parts.add(s.pids.length + " " + s.kind.noun + (s.kind == Kind.PROCESSES ? " (" + typeNames(s.what) + ")" : ""));
        }
        if (parts.isEmpty()) {
            parts.add("acks only");
        }
        return String.join(", ", parts);
    }

    /** {@code "fork,exec,exit"}: the kernel types in {@code what}, or {@code "all"}. */
    static String typeNames(int what) {
        if ((what & KNOWN_EVENTS) == KNOWN_EVENTS) {
            return "all";
        }
        StringBuilder sb = new StringBuilder();
        int[] bits = {ProcEventCodec.WHAT_FORK, ProcEventCodec.WHAT_EXEC, ProcEventCodec.WHAT_EXIT, ProcEventCodec.WHAT_UID,
            ProcEventCodec.WHAT_GID, ProcEventCodec.WHAT_SID, ProcEventCodec.WHAT_PTRACE, ProcEventCodec.WHAT_COMM,
            ProcEventCodec.WHAT_COREDUMP};
        String[] names = {"fork", "exec", "exit", "uid", "gid", "sid", "ptrace", "comm", "coredump"};
        for (int i = 0; i < bits.length; i++) {
            if ((what & bits[i]) != 0) {
                sb.append(sb.length() > 0 ? "," : "").append(names[i]);
            }
        }
        return sb.toString();
    }
}
