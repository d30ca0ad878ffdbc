package org.taskwatch.kernel;

import java.util.Arrays;

/**
 * One scan of /proc: for every process then alive, the fields of {@code /proc/PID/stat} that
 * tell who it is and which program it runs. Columns of primitive arrays indexed by slot, and an
 * index from pid to slot, all reused from scan to scan: refilling a snapshot allocates only when
 * there are more processes than ever before.
 *
 * <ul>
 *   <li>{@code startTime} (field 22, clock ticks since boot) makes pid and start time a name that
 *       is never reused: a pid reused between two scans has a later start.
 *   <li>{@code codeStart}/{@code codeEnd} (fields 26 and 27, the text segment) change at every
 *       exec of a position-independent program, since ASLR moves it, and stay the same across a
 *       fork. The kernel shows 0 for a task without memory (a kernel thread or a zombie) and 1 to
 *       readers it does not allow to see them ({@link #HIDDEN}).
 *   <li>{@code commHash} (of field 2) changes at most execs too (and on renames).
 * </ul>
 *
 * <p>Threading: owned by one thread at a time (the poller's; the starter's for the first scan).
 */
final class ProcSnapshot {
    /** What the kernel shows for the code addresses of a process the reader may not inspect. */
    static final long HIDDEN = 1;

    private int size;
    private int[] pid;
    private int[] ppid;
    private long[] startTime;
    private long[] codeStart;
    private long[] codeEnd;
    private long[] commHash;
    /** pid to slot + 1 (0: absent). */
    private final IntIntMap index;

    ProcSnapshot(int expected) {
        int n = Math.max(16, expected);
        pid = new int[n];
        ppid = new int[n];
        startTime = new long[n];
        codeStart = new long[n];
        codeEnd = new long[n];
        commHash = new long[n];
        index = new IntIntMap(n);
    }

    void clear() {
        if (size != 0) {
            index.clear();
            size = 0;
        }
    }

    int size() {
        return size;
    }

    /** Adds a process; returns its slot. A pid already in this snapshot is ignored (returns its slot). */
    int add(int pid, int ppid, long startTime, long codeStart, long codeEnd, long commHash) {
        int existing = index.get(pid, 0);
        if (existing != 0) {
            return existing - 1;
        }
        if (size == this.pid.length) {
            grow();
        }
        int s = size++;
        this.pid[s] = pid;
        this.ppid[s] = ppid;
        this.startTime[s] = startTime;
        this.codeStart[s] = codeStart;
        this.codeEnd[s] = codeEnd;
        this.commHash[s] = commHash;
        index.put(pid, s + 1, 0);
        return s;
    }

    /** Copies one process from another snapshot (what a scan keeps for a process it could not read). */
    int copy(ProcSnapshot from, int slot) {
        return add(from.pid[slot], from.ppid[slot], from.startTime[slot], from.codeStart[slot], from.codeEnd[slot],
                from.commHash[slot]);
    }

    /** The slot of {@code pid}, or -1. */
    int slotOf(int pid) {
        return index.get(pid, 0) - 1;
    }

    int pid(int slot) { return pid[slot]; }
    int ppid(int slot) { return ppid[slot]; }
    long startTime(int slot) { return startTime[slot]; }

    /**
     * Whether process {@code bs} of {@code b} runs another program than {@code as} of {@code a}
     * did: the same process in an earlier scan (an exec in between), or its parent (a fork that
     * was followed by an exec before the scan saw the child).
     *
     * <p>The text segment decides when the kernel shows it; a program without memory now (a
     * kernel thread, or a zombie) runs nothing new; one that had none before and has some now is a
     * kernel thread that became a user process (a usermode helper). Where the kernel hides the
     * addresses, comm decides: it changes at an exec unless both programs have the same name, and
     * a rename there reads as an exec (the price of not being allowed to look).
     */
    static boolean newProgram(ProcSnapshot a, int as, ProcSnapshot b, int bs) {
        long a0 = a.codeStart[as];
        long a1 = a.codeEnd[as];
        long b0 = b.codeStart[bs];
        long b1 = b.codeEnd[bs];
        if (noMemory(b, bs)) {
            return false;
        }
        if (noMemory(a, as)) {
            return true;
        }
        if (a0 == HIDDEN || b0 == HIDDEN) {
            return a.commHash[as] != b.commHash[bs];
        }
        return a0 != b0 || a1 != b1;
    }

    /** Whether the process has no memory: a kernel thread, or a zombie. */
    static boolean noMemory(ProcSnapshot a, int slot) {
        return a.codeStart[slot] == 0 && a.codeEnd[slot] == 0;
    }

    private void grow() {
        int n = pid.length * 2;
        pid = Arrays.copyOf(pid, n);
        ppid = Arrays.copyOf(ppid, n);
        startTime = Arrays.copyOf(startTime, n);
        codeStart = Arrays.copyOf(codeStart, n);
        codeEnd = Arrays.copyOf(codeEnd, n);
        commHash = Arrays.copyOf(commHash, n);
    }
}
