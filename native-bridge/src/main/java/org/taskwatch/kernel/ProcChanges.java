package org.taskwatch.kernel;

import java.util.Arrays;

/**
 * What happened between two scans of /proc, told as process events in an order the proc
 * connector could have told them:
 * <ol>
 *   <li>exits of processes whose pid a new process has taken (the old one must be gone before
 *       the new one's fork, or the two would read as one);
 *   <li>forks of new processes, oldest first (by start time, then pid), so that a parent's fork
 *       comes before its children's; each followed by an exec when the child runs another
 *       program than its parent ({@link ProcSnapshot#newProgram});
 *   <li>execs of processes that were there before and run another program now;
 *   <li>exits of processes that are gone. They come last so that a watch on a process tree still
 *       holds the parent when the fork of a child that outlived it is told.
 * </ol>
 * A process is the pair (pid, start time): a pid with another start time is another process.
 *
 * <p>Not seen at all: processes that started and ended between two scans, execs of a program
 * by the same name whose text segment the kernel hides or does not move (a second exec between
 * two scans is one exec), and threads. A zombie is still a process until its parent reaps it.
 *
 * <p>Threading: owned by the poller thread. Allocates only when more processes are new in one
 * scan than ever before.
 */
final class ProcChanges {
    /** Told each change, on the poller thread. */
    interface Listener {
        /** {@code child} (started at {@code childStartTime}) is new; {@code parent} is its parent now, {@code grandparent} that one's (0 if unknown). */
        void fork(int parent, int grandparent, int child, long childStartTime);

        void exec(int pid, int ppid);

        /** The process ({@code pid}, {@code startTime}) is gone; {@code ppid} was its parent when last seen. */
        void exit(int pid, int ppid, long startTime);
    }

    private static final int PID_BITS = 22; // PID_MAX_LIMIT is 4,194,304 = 2^22
    private long[] newOnes = new long[256];

    /** Tells {@code out} what changed from {@code before} to {@code now}. */
    void compare(ProcSnapshot before, ProcSnapshot now, Listener out) {
        for (int s = 0; s < before.size(); s++) {
            int n = now.slotOf(before.pid(s));
            if (n >= 0 && now.startTime(n) != before.startTime(s)) {
                out.exit(before.pid(s), before.ppid(s), before.startTime(s));
            }
        }
        int fresh = 0;
        for (int s = 0; s < now.size(); s++) {
            int b = before.slotOf(now.pid(s));
            if (b < 0 || before.startTime(b) != now.startTime(s)) {
                if (fresh == newOnes.length) {
                    newOnes = Arrays.copyOf(newOnes, fresh * 2);
                }
                newOnes[fresh++] = now.startTime(s) << PID_BITS | now.pid(s);
            }
        }
        Arrays.sort(newOnes, 0, fresh);
        for (int i = 0; i < fresh; i++) {
            int s = now.slotOf((int) (newOnes[i] & ((1 << PID_BITS) - 1)));
            int ppid = now.ppid(s);
            // the parent as this scan has it, else as the last one had it (it may have ended since)
            ProcSnapshot ps = now;
            int p = now.slotOf(ppid);
            if (p < 0) {
                ps = before;
                p = before.slotOf(ppid);
            }
            out.fork(ppid, p < 0 ? 0 : ps.ppid(p), now.pid(s), now.startTime(s));
            // an exec when it runs another program than its parent; with no parent to compare with
            // (ppid 0: a parent outside this pid namespace), say exec, or a watch on its command
            // would never see it
            if (p < 0 ? !ProcSnapshot.noMemory(now, s) : ProcSnapshot.newProgram(ps, p, now, s)) {
                out.exec(now.pid(s), ppid);
            }
        }
        for (int s = 0; s < now.size(); s++) {
            int b = before.slotOf(now.pid(s));
            if (b >= 0 && before.startTime(b) == now.startTime(s) && ProcSnapshot.newProgram(before, b, now, s)) {
                out.exec(now.pid(s), now.ppid(s));
            }
        }
        for (int s = 0; s < before.size(); s++) {
            if (now.slotOf(before.pid(s)) < 0) {
                out.exit(before.pid(s), before.ppid(s), before.startTime(s));
            }
        }
    }
}
