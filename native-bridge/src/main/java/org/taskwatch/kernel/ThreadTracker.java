package org.taskwatch.kernel;

import java.util.List;

/**
 * Turns the kernel's per-task fork and exit messages into process and thread events, so that a
 * process exit is reported once, when the process is really gone, with its real status.
 *
 * <p>It keeps the live non-leader threads of every process (tid to tgid) and their count per
 * process. Two cases need it (docs/kernel.md, What the events mean): a leader that calls {@code pthread_exit} early sends
 * its EXIT (code 0) first, and the process ends only with its last thread, whose EXIT carries
 * the real status; and a non-leader thread that calls execve makes the old leader send an EXIT
 * while the process goes on with an EXEC. A leader EXIT while other threads live is therefore a
 * {@link EventType#THREAD_EXIT}, and the process {@link EventType#EXIT} follows the last thread.
 *
 * <p>Threading: owned by the reader thread; nothing here is shared. It allocates only when its
 * maps grow.
 */
final class ThreadTracker {
    /** {@link #classify} results. */
    static final int EMIT = 0;
    /** Emit this event, then {@link #endProcess} and emit again: the last thread took the process with it. */
    static final int EMIT_THEN_PROCESS_EXIT = 1;

    private final IntIntMap threadToProcess = new IntIntMap(8192);
    private final IntIntMap threadCount = new IntIntMap(1024);
    /** Processes whose leader has exited while other threads live: tgid to the parent's tgid. */
    private final IntIntMap leaderGone = new IntIntMap(64);
    /**
     * Those processes: the last non-zero wait status among their threads' exits since the leader's.
     * The process's status is the group exit's, which every thread the group exit ends carries; a
     * thread that was already on its way out (pthread_exit, code 0) may still exit after them, so
     * the last thread's 0 is not the process's status when an earlier one said otherwise.
     */
    private final IntIntMap goneStatus = new IntIntMap(64);

    /** Learns a live thread, from /proc at start or from its clone event. */
    void addThread(int tid, int tgid) {
        if (tid == tgid || tid <= 0 || tgid <= 0) {
            return;
        }
        int previous = threadToProcess.put(tid, tgid, 0);
        if (previous == tgid) {
            return;
        }
        if (previous != 0) {
            decrement(previous); // a stale entry: that thread's exit was never seen
        }
        threadCount.put(tgid, threadCount.get(tgid, 0) + 1, 0);
    }

    int liveThreads(int tgid) {
        return threadCount.get(tgid, 0);
    }

    int trackedThreads() {
        return threadToProcess.size();
    }

    /** Sets the frame's logical type and makes pid/tgid/ppid name the task the event is about. */
    int classify(EventFrame f) {
        switch (f.what) {
            case ProcEventCodec.WHAT_FORK:
                return fork(f);
            case ProcEventCodec.WHAT_EXIT:
                return exit(f);
            case ProcEventCodec.WHAT_EXEC:
                if (threadCount.get(f.tgid, 0) > 0) {
                    // execve from a multi-threaded process: all other threads are gone now
                    threadToProcess.removeValue(f.tgid);
                    threadCount.remove(f.tgid, 0);
                }
                leaderGone.remove(f.tgid, 0);
                goneStatus.remove(f.tgid, 0);
                return EMIT;
            default:
                return EMIT;
        }
    }

    private int fork(EventFrame f) {
        if (f.childPid != f.childTgid) {
            f.type = EventType.THREAD_CREATE;
            f.ppid = f.tgid; // a thread's "parent" fields name the process's parent
            f.pid = f.childPid;
            f.tgid = f.childTgid;
            addThread(f.childPid, f.childTgid);
        } else {
            f.type = EventType.FORK;
            forget(f.childTgid); // a new process: whatever we knew of this pid is stale
        }
        return EMIT;
    }

    private int exit(EventFrame f) {
        int tgid = f.tgid;
        if (f.pid != tgid) {
            f.type = EventType.THREAD_EXIT;
            if (threadToProcess.get(f.pid, 0) == tgid) {
                threadToProcess.remove(f.pid, 0);
                decrement(tgid);
            }
            if (f.waitStatus != 0 && leaderGone.containsKey(tgid)) {
                goneStatus.put(tgid, f.waitStatus, 0);
            }
            return threadCount.get(tgid, 0) == 0 && leaderGone.containsKey(tgid) ? EMIT_THEN_PROCESS_EXIT : EMIT;
        }
        if (threadCount.get(tgid, 0) > 0) {
            f.type = EventType.THREAD_EXIT; // the leader went first; the process lives on
            leaderGone.put(tgid, f.ppid, 0);
            if (f.waitStatus != 0) {
                goneStatus.put(tgid, f.waitStatus, 0);
            }
            return EMIT;
        }
        f.type = EventType.EXIT;
        leaderGone.remove(tgid, 0);
        goneStatus.remove(tgid, 0);
        return EMIT;
    }

    /** After {@link #EMIT_THEN_PROCESS_EXIT}: rewrites the last thread's exit into its process's exit. */
    void endProcess(EventFrame f) {
        f.type = EventType.EXIT;
        f.ppid = leaderGone.remove(f.tgid, f.ppid);
        int group = goneStatus.remove(f.tgid, 0);
        if (f.waitStatus == 0) {
            f.waitStatus = group;
        }
        f.pid = f.tgid;
    }

    private void decrement(int tgid) {
        int n = threadCount.get(tgid, 0);
        if (n <= 1) {
            threadCount.remove(tgid, 0);
        } else {
            threadCount.put(tgid, n - 1, 0);
        }
    }

    /**
     * One process as /proc shows it: its tasks (the leader's included), and, when its leader has
     * already exited (a zombie while other threads live), the parent's tgid, so that the last
     * thread's exit ends the process; else -1. An empty list for a process that is gone.
     */
    record ProcessThreads(int tgid, List<Integer> tasks, int goneLeaderParent) {
        static ProcessThreads read(ProcFs proc, int tgid) {
            List<Integer> tasks = proc.tasks(tgid);
            boolean leaderGone = tasks.size() > 1 && proc.state(tgid) == 'Z';
            return new ProcessThreads(tgid, tasks, leaderGone ? Math.max(0, proc.ppid(tgid)) : -1);
        }
    }

    /**
     * Starts over on one process, from /proc: forgets what was known of it (threads whose exits a
     * kernel filter hid, or a process that had this pid before) and learns its live threads.
     */
    void relearn(ProcessThreads p) {
        int tgid = p.tgid();
        forget(tgid);
        for (int tid : p.tasks()) {
            addThread(tid, tgid);
        }
        if (p.goneLeaderParent() >= 0 && threadCount.get(tgid, 0) > 0) {
            leaderGone.put(tgid, p.goneLeaderParent(), 0);
        }
    }

    private void forget(int pid) {
        int owner = threadToProcess.remove(pid, 0);
        if (owner != 0) {
            decrement(owner);
        }
        if (threadCount.remove(pid, 0) != 0) {
            threadToProcess.removeValue(pid);
        }
        leaderGone.remove(pid, 0);
        goneStatus.remove(pid, 0);
    }
}
