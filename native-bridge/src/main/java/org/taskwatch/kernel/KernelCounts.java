package org.taskwatch.kernel;

import com.sun.jna.Memory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counting in the kernel, so that a kernel filter can drop the events nobody watches while the
 * system-wide counters stay true: an eBPF socket filter on the proc connector's socket counts
 * every event before it judges it, in two maps this object owns (docs/kernel.md, eBPF):
 * <ul>
 * <li>per second, per CPU ({@code BPF_MAP_TYPE_PERCPU_ARRAY}, {@value #SECONDS} slots indexed by
 *     the event's CLOCK_MONOTONIC second): how many events of each {@link EventType}, and how many
 *     process exits had a nonzero status. A slot that holds an older second is reset by the next
 *     event of its CPU. The connector sends an event with its CPU's event lock held, so no two
 *     events of one CPU run the program at once and the counts need no atomic operation. Whoever
 *     reads must {@link #seconds fold} at least every {@value #SECONDS} seconds, or seconds are
 *     overwritten unread;
 * <li>the latest exits ({@code BPF_MAP_TYPE_LRU_HASH} by tgid): wait status and timestamp of
 *     every process exit, so that {@code waitForExit} can answer for any pid after the fact. The
 *     kernel's LRU is approximate (each CPU takes free elements in batches, and a full map evicts
 *     a batch at once), so the map has room beyond the exits asked for: {@link #exitMapSize}.
 * </ul>
 * The classifying follows {@link EventType}: a fork whose child is not its own process is a
 * thread created, an exit whose pid is not its tgid a thread's exit. (The one difference from the
 * reader's view: a process whose leader ends by {@code pthread_exit} before its other threads is
 * counted as ending with the leader, the reader counts it with the last thread.)
 *
 * <p>After the counting, the program runs what a {@link BpfProgram} accepts (translated, {@link
 * EbpfAssembler#appendClassic}); {@link #load} makes a program for each filter. Acks, messages of
 * other connectors and messages shorter than an event are not counted and are judged as the
 * classic program judges them.
 *
 * <p>Reading: {@link #seconds} reads the whole map in one {@code BPF_MAP_LOOKUP_BATCH} (Linux
 * 5.6+; element by element before).
 *
 * <p>Threading: any thread; {@link #seconds} is serialized (its buffers are reused).
 */
public final class KernelCounts implements AutoCloseable {
    /** Seconds of counts the kernel keeps: fold more often than this. */
    public static final int SECONDS = 128;
    /** Index of the nonzero-exit count in a {@link Second}'s counts, after the event types. */
    public static final int NONZERO_EXITS = EventType.values().length;
    static final int KINDS = NONZERO_EXITS + 1;
    private static final int SLOT_BYTES = 8 + 8 * KINDS; // u64 second, u64 counts[KINDS]
    private static final int EXIT_BYTES = 16; // u32 wait status, u32 parent tgid, u64 timestamp
    /**
     * The most free elements a CPU takes from an LRU map at once, and evicts at once when the map
     * is full (the kernel's LOCAL_FREE_TARGET).
     */
    static final int LRU_CPU_BATCH = 128;

    // helpers (linux/bpf.h, enum bpf_func_id)
    private static final int MAP_LOOKUP_ELEM = 1;
    private static final int MAP_UPDATE_ELEM = 2;
    private static final int SKB_LOAD_BYTES = 26;

    // the message from its nlmsg pid field on, copied to the stack (8-aligned where the timestamp lands)
    private static final int COPY_FROM = ProcEventCodec.OFF_NL_PID;
    private static final int COPY_BYTES = ProcEventCodec.EVENT_MESSAGE_SIZE - COPY_FROM; // 64
    private static final int BUF = -COPY_BYTES;

    private final int ringFd;
    private final int exitsFd;
    private final int cpus;
    private volatile boolean closed;
    // guarded by this: the buffers of seconds(), and whether batch lookups work here
    private final Memory readKeys = new Memory(4L * SECONDS);
    private final Memory readValues;
    private boolean batch = true;

    private KernelCounts(int ringFd, int exitsFd, int cpus) {
        this.ringFd = ringFd;
        this.exitsFd = exitsFd;
        this.cpus = cpus;
        this.readValues = new Memory((long) SLOT_BYTES * cpus * SECONDS);
    }

    /**
     * Creates the maps and checks that the kernel takes the program.
     *
     * @param exitCapacity process exits kept at least (the oldest go first; some older ones may stay)
     * @throws NativeException when the kernel refuses (no {@code CAP_BPF}: EPERM; no eBPF), saying why
     */
    public static KernelCounts create(int exitCapacity) throws NativeException {
        if (java.nio.ByteOrder.nativeOrder() != java.nio.ByteOrder.LITTLE_ENDIAN) {
            throw new NativeException("eBPF counting on a big-endian host", Errno.EOPNOTSUPP);
        }
        int cpus = possibleCpus();
        int ring = Bpf.createMap(Bpf.MAP_TYPE_PERCPU_ARRAY, 4, SLOT_BYTES, SECONDS, "tw_counts");
        int exits;
        try {
            exits = Bpf.createMap(Bpf.MAP_TYPE_LRU_HASH, 4, EXIT_BYTES, exitMapSize(exitCapacity, cpus), "tw_exits");
        } catch (NativeException e) {
            Syscalls.close(ring);
            throw e;
        }
        KernelCounts k = new KernelCounts(ring, exits, cpus);
        try {
            Syscalls.close(k.load(null)); // the verifier's word now, not at the first filter change
        } catch (NativeException | RuntimeException e) {
            k.close();
            throw e;
        }
        return k;
    }

    /**
     * Loads the counting program followed by {@code filter} (null: accept every message) and
     * returns its descriptor, for {@code SO_ATTACH_BPF}; the caller closes it once attached.
     */
    int load(BpfProgram filter) throws NativeException {
        return Bpf.loadSocketFilter(program(filter), "taskwatch");
    }

    /** The program's instructions. */
    byte[] program(BpfProgram filter) {
        EbpfAssembler a = new EbpfAssembler();
        EbpfAssembler.Label judge = a.label();
        EbpfAssembler.Label fork = a.label();
        EbpfAssembler.Label exit = a.label();
        EbpfAssembler.Label count = a.label();
        a.movReg(EbpfAssembler.R6, EbpfAssembler.R1); // the context, for BPF_ABS loads and the helper
        // copy the message into the stack: fields are then read in host order
        a.movReg(EbpfAssembler.R1, EbpfAssembler.R6);
        a.movImm(EbpfAssembler.R2, COPY_FROM);
        a.movReg(EbpfAssembler.R3, EbpfAssembler.FP);
        a.aluImm(EbpfAssembler.ADD, EbpfAssembler.R3, BUF);
        a.movImm(EbpfAssembler.R4, COPY_BYTES);
        a.call(SKB_LOAD_BYTES);
        a.jumpImm(EbpfAssembler.JNE, EbpfAssembler.R0, 0, judge); // shorter than an event
        a.load(EbpfAssembler.W, EbpfAssembler.R1, EbpfAssembler.FP, at(ProcEventCodec.OFF_CN_IDX));
        a.jump32Imm(EbpfAssembler.JNE, EbpfAssembler.R1, ProcEventCodec.CN_IDX_PROC, judge);
        a.load(EbpfAssembler.W, EbpfAssembler.R1, EbpfAssembler.FP, at(ProcEventCodec.OFF_CN_VAL));
        a.jump32Imm(EbpfAssembler.JNE, EbpfAssembler.R1, ProcEventCodec.CN_VAL_PROC, judge);
        a.load(EbpfAssembler.W, EbpfAssembler.R1, EbpfAssembler.FP, at(ProcEventCodec.OFF_WHAT));
        a.jump32Imm(EbpfAssembler.JEQ, EbpfAssembler.R1, ProcEventCodec.WHAT_FORK, fork);
        a.jump32Imm(EbpfAssembler.JEQ, EbpfAssembler.R1, ProcEventCodec.WHAT_EXIT, exit);
        for (EventType t : new EventType[] {EventType.EXEC, EventType.COMM, EventType.UID, EventType.GID, EventType.SID,
                EventType.PTRACE, EventType.COREDUMP}) {
            a.movImm(EbpfAssembler.R7, t.ordinal());
            a.jump32Imm(EbpfAssembler.JEQ, EbpfAssembler.R1, t.kernelWhat(), count);
        }
        a.jump(judge); // an ack, or a type this program does not know: not counted

        a.bind(fork); // a thread if the child is not its process's leader
        a.load(EbpfAssembler.W, EbpfAssembler.R2, EbpfAssembler.FP, at(ProcEventCodec.OFF_DATA + 8)); // child_pid
        a.load(EbpfAssembler.W, EbpfAssembler.R3, EbpfAssembler.FP, at(ProcEventCodec.OFF_DATA + 12)); // child_tgid
        a.movImm(EbpfAssembler.R7, EventType.FORK.ordinal());
        a.jumpReg(EbpfAssembler.JEQ, EbpfAssembler.R2, EbpfAssembler.R3, count);
        a.movImm(EbpfAssembler.R7, EventType.THREAD_CREATE.ordinal());
        a.jump(count);

        a.bind(exit); // a thread's exit unless pid == tgid
        a.load(EbpfAssembler.W, EbpfAssembler.R2, EbpfAssembler.FP, at(ProcEventCodec.OFF_DATA)); // process_pid
        a.load(EbpfAssembler.W, EbpfAssembler.R3, EbpfAssembler.FP, at(ProcEventCodec.OFF_DATA + 4)); // process_tgid
        a.movImm(EbpfAssembler.R7, EventType.THREAD_EXIT.ordinal());
        a.jumpReg(EbpfAssembler.JNE, EbpfAssembler.R2, EbpfAssembler.R3, count);
        a.movImm(EbpfAssembler.R7, EventType.EXIT.ordinal());

        a.bind(count); // R7: the type's index
        EbpfAssembler.Label add = a.label();
        EbpfAssembler.Label remember = a.label();
        a.load(EbpfAssembler.DW, EbpfAssembler.R8, EbpfAssembler.FP, at(ProcEventCodec.OFF_TIMESTAMP));
        a.aluImm(EbpfAssembler.DIV, EbpfAssembler.R8, 1_000_000_000); // the event's second
        a.movReg(EbpfAssembler.R1, EbpfAssembler.R8);
        a.aluImm(EbpfAssembler.AND, EbpfAssembler.R1, SECONDS - 1);
        a.store(EbpfAssembler.W, EbpfAssembler.FP, BUF - 8, EbpfAssembler.R1); // the slot's key
        a.loadMap(EbpfAssembler.R1, ringFd);
        a.movReg(EbpfAssembler.R2, EbpfAssembler.FP);
        a.aluImm(EbpfAssembler.ADD, EbpfAssembler.R2, BUF - 8);
        a.call(MAP_LOOKUP_ELEM);
        a.jumpImm(EbpfAssembler.JEQ, EbpfAssembler.R0, 0, judge);
        a.movReg(EbpfAssembler.R9, EbpfAssembler.R0);
        a.load(EbpfAssembler.DW, EbpfAssembler.R1, EbpfAssembler.R9, 0);
        a.jumpReg(EbpfAssembler.JEQ, EbpfAssembler.R1, EbpfAssembler.R8, add);
        a.store(EbpfAssembler.DW, EbpfAssembler.R9, 0, EbpfAssembler.R8); // a new second in this slot
        for (int k = 0; k < KINDS; k++) {
            a.storeImm(EbpfAssembler.DW, EbpfAssembler.R9, 8 + 8 * k, 0);
        }
        a.bind(add);
        // the type's count, at a constant offset per type: with CAP_BPF alone (no CAP_PERFMON) the
        // verifier refuses a map value pointer plus a variable
        EbpfAssembler.Label added = a.label();
        EbpfAssembler.Label[] addType = new EbpfAssembler.Label[EventType.values().length];
        for (int t = 0; t < addType.length; t++) {
            addType[t] = a.label();
            a.jumpImm(EbpfAssembler.JEQ, EbpfAssembler.R7, t, addType[t]);
        }
        a.jump(judge);
        for (int t = 0; t < addType.length; t++) {
            a.bind(addType[t]);
            increment(a, 8 + 8 * t);
            a.jump(added);
        }
        a.bind(added);
        a.jumpImm(EbpfAssembler.JNE, EbpfAssembler.R7, EventType.EXIT.ordinal(), judge);
        a.load(EbpfAssembler.W, EbpfAssembler.R1, EbpfAssembler.FP, at(ProcEventCodec.OFF_DATA + 8)); // exit_code
        a.jumpImm(EbpfAssembler.JEQ, EbpfAssembler.R1, 0, remember);
        increment(a, 8 + 8 * NONZERO_EXITS);
        a.bind(remember); // the exit, by tgid: {wait status, parent tgid, timestamp}
        int value = BUF - 24;
        int key = BUF - 28;
        a.store(EbpfAssembler.W, EbpfAssembler.FP, value, EbpfAssembler.R1);
        a.load(EbpfAssembler.W, EbpfAssembler.R2, EbpfAssembler.FP, at(ProcEventCodec.OFF_DATA + 20)); // parent_tgid
        a.store(EbpfAssembler.W, EbpfAssembler.FP, value + 4, EbpfAssembler.R2);
        a.load(EbpfAssembler.DW, EbpfAssembler.R2, EbpfAssembler.FP, at(ProcEventCodec.OFF_TIMESTAMP));
        a.store(EbpfAssembler.DW, EbpfAssembler.FP, value + 8, EbpfAssembler.R2);
        a.load(EbpfAssembler.W, EbpfAssembler.R2, EbpfAssembler.FP, at(ProcEventCodec.OFF_DATA + 4)); // tgid
        a.store(EbpfAssembler.W, EbpfAssembler.FP, key, EbpfAssembler.R2);
        a.loadMap(EbpfAssembler.R1, exitsFd);
        a.movReg(EbpfAssembler.R2, EbpfAssembler.FP);
        a.aluImm(EbpfAssembler.ADD, EbpfAssembler.R2, key);
        a.movReg(EbpfAssembler.R3, EbpfAssembler.FP);
        a.aluImm(EbpfAssembler.ADD, EbpfAssembler.R3, value);
        a.movImm(EbpfAssembler.R4, 0); // BPF_ANY
        a.call(MAP_UPDATE_ELEM);

        a.bind(judge);
        if (filter == null) {
            a.mov32Imm(EbpfAssembler.R0, BpfProgram.ACCEPT);
            a.exit();
        } else {
            a.appendClassic(filter);
        }
        return a.assemble();
    }

    /** {@code *(u64 *)(R9 + offset) += 1}: a count in this CPU's slot (no other CPU writes it). */
    private static void increment(EbpfAssembler a, int offset) {
        a.load(EbpfAssembler.DW, EbpfAssembler.R3, EbpfAssembler.R9, offset);
        a.aluImm(EbpfAssembler.ADD, EbpfAssembler.R3, 1);
        a.store(EbpfAssembler.DW, EbpfAssembler.R9, offset, EbpfAssembler.R3);
    }

    /** Where message offset {@code off} is in the stack copy. */
    private static int at(int off) {
        return BUF + off - COPY_FROM;
    }

    /** The counts of one second: by {@link EventType#ordinal()}, then {@link #NONZERO_EXITS}. */
    public record Second(long second, long[] counts) {}

    /**
     * The counts of every second after {@code afterSecond} (CLOCK_MONOTONIC seconds) that the
     * kernel still holds, summed over CPUs, oldest first. The current second may still grow.
     */
    public synchronized List<Second> seconds(long afterSecond) throws NativeException {
        boolean whole = false;
        if (batch) {
            int n = Bpf.lookupBatch(ringFd, readKeys, readValues, SECONDS);
            whole = n == SECONDS;
            batch = n >= 0; // -1: no batch lookups here; a short batch: read one by one this time
        }
        int perSlot = SLOT_BYTES * cpus; // SLOT_BYTES is a multiple of 8: per-CPU values are not padded further
        Map<Long, long[]> bySecond = new TreeMap<>();
        for (int slot = 0; slot < SECONDS; slot++) {
            if (whole) {
                add(bySecond, (long) slot * perSlot, afterSecond);
            } else {
                readKeys.setInt(0, slot);
                if (Bpf.lookup(ringFd, readKeys, readValues)) {
                    add(bySecond, 0, afterSecond);
                }
            }
        }
        List<Second> out = new ArrayList<>(bySecond.size());
        bySecond.forEach((s, c) -> out.add(new Second(s, c)));
        return out;
    }

    /** From now on reads one slot per lookup, as on a kernel without batch lookups (before 5.6): for tests. */
    synchronized void withoutBatchLookups() {
        batch = false;
    }

    /** Adds one slot's per-CPU values, at {@code offset} in the read buffer, to the sums of their seconds. */
    private void add(Map<Long, long[]> bySecond, long offset, long afterSecond) {
        for (int cpu = 0; cpu < cpus; cpu++) {
            long base = offset + (long) cpu * SLOT_BYTES;
            long second = readValues.getLong(base);
            if (second <= afterSecond) {
                continue;
            }
            long[] sum = bySecond.computeIfAbsent(second, s -> new long[KINDS]);
            for (int k = 0; k < KINDS; k++) {
                sum[k] += readValues.getLong(base + 8 + 8L * k);
            }
        }
    }

    /**
     * How many elements the exit map needs to keep at least {@code capacity} of the latest exits:
     * the kernel's LRU lets each CPU hold up to {@value #LRU_CPU_BATCH} free elements (kernels
     * since mid-2025: at most half the map in all) and, when the map is full, evicts that many at
     * once, so a map of exactly {@code capacity} had forgotten about 25 of its newest 64 exits
     * here (KernelCountsTest). With twice the capacity, or the capacity plus a batch per CPU,
     * whichever is larger, what the CPUs hold free is never more than the headroom.
     */
    static int exitMapSize(int capacity, int cpus) {
        return (int) Math.min(Integer.MAX_VALUE,
                Math.max(2L * capacity, capacity + (long) LRU_CPU_BATCH * cpus));
    }

    /** The latest exit the kernel saw of process {@code tgid}: {wait status, timestamp}, or null. */
    public long[] exitOf(int tgid) throws NativeException {
        try (Memory key = new Memory(4); Memory value = new Memory(EXIT_BYTES)) {
            key.setInt(0, tgid);
            if (!Bpf.lookup(exitsFd, key, value)) {
                return null;
            }
            return new long[] {value.getInt(0), value.getLong(8)};
        }
    }

    /** CPUs a per-CPU map has a value for: every possible CPU ({@code /sys/devices/system/cpu/possible}). */
    static int possibleCpus() throws NativeException {
        try {
            return countCpus(Files.readString(Path.of("/sys/devices/system/cpu/possible"), StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            throw new NativeException("reading /sys/devices/system/cpu/possible (" + e + ")", Errno.ENOENT);
        }
    }

    /** {@code "0-3,8"}: 5. */
    static int countCpus(String list) {
        int n = 0;
        for (String part : list.strip().split(",")) {
            int dash = part.indexOf('-');
            n += dash < 0 ? 1 : Integer.parseInt(part.substring(dash + 1)) - Integer.parseInt(part.substring(0, dash)) + 1;
        }
        return n;
    }

    /** Closes the maps (a program attached to a socket keeps them alive until it is replaced). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Syscalls.close(ringFd);
        Syscalls.close(exitsFd);
    }
}
