package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link ThreadTracker}: hand-made fork/exit/exec frames, as the codec leaves them, classified
 * into process and thread events. Covers the cases docs/kernel.md describes (What the events mean): thread clones, a leader
 * that exits before its threads (the process exit comes with the last thread, with its status),
 * execve from a non-leader thread (the old leader's EXIT is not the process's), and pid reuse.
 */
class ThreadTrackerTest {
    private static final int CPU = 2;
    private static final long TS = 123_456_789L;

    private final ThreadTracker tracker = new ThreadTracker();

    // ---------------------------------------------------------------- frames as the codec fills them

    private static EventFrame frame(int what, int pid, int tgid) {
        EventFrame f = new EventFrame();
        f.what = what;
        f.cpu = CPU;
        f.timestampNanos = TS;
        f.pid = pid;
        f.tgid = tgid;
        f.kernelType(what);
        return f;
    }

    private static EventFrame fork(int parentPid, int parentTgid, int childPid, int childTgid) {
        EventFrame f = frame(ProcEventCodec.WHAT_FORK, parentPid, parentTgid);
        f.childPid = childPid;
        f.childTgid = childTgid;
        return f;
    }

    private static EventFrame exit(int pid, int tgid, int waitStatus, int parentTgid) {
        EventFrame f = frame(ProcEventCodec.WHAT_EXIT, pid, tgid);
        f.waitStatus = waitStatus;
        f.exitSignal = pid == tgid ? 17 : -1;
        f.ppid = parentTgid;
        return f;
    }

    private static EventFrame exec(int pid) {
        return frame(ProcEventCodec.WHAT_EXEC, pid, pid);
    }

    /** What the reader delivers for one frame: the event, and the process exit after it if due. */
    private List<ProcEvent> dispatch(EventFrame f) {
        List<ProcEvent> out = new ArrayList<>();
        int r = tracker.classify(f);
        out.add(f.toEvent());
        if (r == ThreadTracker.EMIT_THEN_PROCESS_EXIT) {
            tracker.endProcess(f);
            out.add(f.toEvent());
        }
        return out;
    }

    private static long processExits(List<ProcEvent> events) {
        return events.stream().filter(e -> e instanceof ProcEvent.Exit).count();
    }

    // ---------------------------------------------------------------- forks

    @Test
    void processForkStaysFork() {
        EventFrame f = fork(1000, 1000, 1234, 1234);
        assertEquals(ThreadTracker.EMIT, tracker.classify(f));
        assertEquals(EventType.FORK, f.type());
        assertEquals(1000, f.pid());
        assertEquals(1000, f.tgid());
        assertEquals(1234, f.childPid());
        assertEquals(1234, f.childTgid());
        assertEquals(new ProcEvent.Fork(CPU, TS, 1000, 1000, 0, 1234, 1234), f.toEvent());
        assertEquals(0, tracker.trackedThreads());
        assertEquals(0, tracker.liveThreads(1234));
    }

    @Test
    void forkFromAThreadOfTheParentIsStillAProcessFork() {
        // a non-leader thread 1001 of 1000 forks: parent fields 1001/1000, child 1500/1500
        EventFrame f = fork(1001, 1000, 1500, 1500);
        assertEquals(ThreadTracker.EMIT, tracker.classify(f));
        assertEquals(EventType.FORK, f.type());
        assertEquals(1001, f.pid());
        assertEquals(1000, f.tgid());
        assertEquals(1500, f.childPid());
    }

    @Test
    void threadCloneBecomesThreadCreate() {
        // process 500 clones thread 501: the kernel's parent fields name the process's parent
        // (here its thread 79 of process 77), not 500
        EventFrame f = fork(79, 77, 501, 500);
        assertEquals(ThreadTracker.EMIT, tracker.classify(f));
        assertEquals(EventType.THREAD_CREATE, f.type());
        assertEquals(501, f.pid(), "the new thread's id");
        assertEquals(500, f.tgid(), "its process");
        assertEquals(77, f.ppid(), "the process's parent");
        assertEquals(new ProcEvent.ThreadCreate(CPU, TS, 501, 500, 77), f.toEvent());
        assertEquals(1, tracker.liveThreads(500));
        assertEquals(1, tracker.trackedThreads());
    }

    // ---------------------------------------------------------------- exits

    @Test
    void threadExitThenProcessExit() {
        tracker.classify(fork(77, 77, 501, 500));
        tracker.classify(fork(77, 77, 502, 500));
        assertEquals(2, tracker.liveThreads(500));

        EventFrame t = exit(501, 500, 0, 0);
        assertEquals(ThreadTracker.EMIT, tracker.classify(t));
        assertEquals(EventType.THREAD_EXIT, t.type());
        assertEquals(new ProcEvent.ThreadExit(CPU, TS, 501, 500, 0, new ExitStatus(0, 0, false)), t.toEvent());
        assertEquals(1, tracker.liveThreads(500));

        assertEquals(ThreadTracker.EMIT, tracker.classify(exit(502, 500, 0, 0)));
        assertEquals(0, tracker.liveThreads(500));

        EventFrame p = exit(500, 500, 0x300, 77);
        assertEquals(ThreadTracker.EMIT, tracker.classify(p));
        assertEquals(EventType.EXIT, p.type());
        assertEquals(new ProcEvent.Exit(CPU, TS, 500, 500, 77, new ExitStatus(3, 0, false)), p.toEvent());
        assertEquals(0, tracker.trackedThreads());
    }

    @Test
    void singleThreadedProcessExit() {
        EventFrame p = exit(900, 900, 0x9, 1);
        assertEquals(ThreadTracker.EMIT, tracker.classify(p));
        assertEquals(EventType.EXIT, p.type());
        assertEquals(900, p.pid());
        assertEquals(1, p.ppid());
        assertEquals(0x9, p.waitStatus());
    }

    @Test
    void leaderExitsFirstThenTheLastThreadEndsTheProcess() {
        tracker.classify(fork(77, 77, 501, 500));
        tracker.classify(fork(77, 77, 502, 500));

        // pthread_exit in the leader: EXIT(500/500, code 0) while 501 and 502 live
        EventFrame leader = exit(500, 500, 0, 77);
        assertEquals(ThreadTracker.EMIT, tracker.classify(leader));
        assertEquals(EventType.THREAD_EXIT, leader.type());
        assertEquals(500, leader.pid());
        assertEquals(500, leader.tgid());

        EventFrame first = exit(501, 500, 0x300, 0);
        assertEquals(ThreadTracker.EMIT, tracker.classify(first));
        assertEquals(EventType.THREAD_EXIT, first.type());

        // the last thread: exit_group(3) gives 0x300, thread exits carry no parent
        EventFrame last = exit(502, 500, 0x300, 0);
        assertEquals(ThreadTracker.EMIT_THEN_PROCESS_EXIT, tracker.classify(last));
        assertEquals(EventType.THREAD_EXIT, last.type());
        assertEquals(502, last.pid());
        assertEquals(new ProcEvent.ThreadExit(CPU, TS, 502, 500, 0, new ExitStatus(3, 0, false)), last.toEvent());

        tracker.endProcess(last);
        assertEquals(EventType.EXIT, last.type());
        assertEquals(500, last.pid(), "the process, not the thread");
        assertEquals(500, last.tgid());
        assertEquals(77, last.ppid(), "the parent from the leader's exit");
        assertEquals(0x300, last.waitStatus(), "the last thread's status, not the leader's 0");
        assertEquals(new ProcEvent.Exit(CPU, TS, 500, 500, 77, new ExitStatus(3, 0, false)), last.toEvent());
        assertEquals(0, tracker.liveThreads(500));
        assertEquals(0, tracker.trackedThreads());
    }

    @Test
    void aThreadStillExitingAfterTheGroupExitDoesNotTakeTheStatus() {
        // seen on 6.18: main joins its threads (the join returns when a thread's tid is cleared,
        // before its EXIT), then exit_group(6): the leader's EXIT says 6, and a thread already on
        // its way out with pthread_exit's 0 is the last; the parent's wait says 6
        List<ProcEvent> events = new ArrayList<>();
        events.addAll(dispatch(fork(1, 1, 651, 650)));
        events.addAll(dispatch(exit(650, 650, 0x600, 1)));
        events.addAll(dispatch(exit(651, 650, 0, 0)));
        assertEquals(new ProcEvent.Exit(CPU, TS, 650, 650, 1, new ExitStatus(6, 0, false)), events.get(events.size() - 1));
        assertEquals(3, events.size() - 1, "one process exit");
    }

    @Test
    void leaderExitFirstGivesExactlyOneProcessExit() {
        List<ProcEvent> events = new ArrayList<>();
        events.addAll(dispatch(fork(1, 1, 601, 600)));
        events.addAll(dispatch(exit(600, 600, 0, 1)));
        events.addAll(dispatch(exit(601, 600, 0x8b, 0)));
        assertEquals(List.of(
                new ProcEvent.ThreadCreate(CPU, TS, 601, 600, 1),
                new ProcEvent.ThreadExit(CPU, TS, 600, 600, 1, new ExitStatus(0, 0, false)),
                new ProcEvent.ThreadExit(CPU, TS, 601, 600, 0, new ExitStatus(0, 11, true)),
                new ProcEvent.Exit(CPU, TS, 600, 600, 1, new ExitStatus(0, 11, true))), events);
    }

    @Test
    void execFromAThreadGivesOneProcessExitAtTheEnd() {
        List<ProcEvent> events = new ArrayList<>();
        events.addAll(dispatch(fork(1, 1, 701, 700)));
        events.addAll(dispatch(fork(1, 1, 702, 700)));
        // 701 calls execve: 702 is killed, the old leader exits, 701 takes over pid 700
        events.addAll(dispatch(exit(702, 700, 0x9, 0)));
        events.addAll(dispatch(exit(700, 700, 0, 1)));
        EventFrame exec = exec(700);
        assertEquals(ThreadTracker.EMIT, tracker.classify(exec));
        assertEquals(EventType.EXEC, exec.type());
        assertEquals(0, tracker.liveThreads(700), "after execve the process has one thread");
        assertEquals(0, tracker.trackedThreads());
        events.add(exec.toEvent());
        assertEquals(0, processExits(events), "the process lives on: " + events);

        // the new program exits later
        List<ProcEvent> end = dispatch(exit(700, 700, 0x100, 1));
        assertEquals(List.of(new ProcEvent.Exit(CPU, TS, 700, 700, 1, new ExitStatus(1, 0, false))), end);
    }

    @Test
    void execFromAThreadWithTheLeaderExitBeforeTheOtherThread() {
        List<ProcEvent> events = new ArrayList<>();
        events.addAll(dispatch(fork(1, 1, 701, 700)));
        events.addAll(dispatch(fork(1, 1, 702, 700)));
        events.addAll(dispatch(exit(700, 700, 0, 1)));
        events.addAll(dispatch(exit(702, 700, 0x9, 0)));
        events.addAll(dispatch(exec(700)));
        // the exec'd program starts threads of its own and ends
        events.addAll(dispatch(fork(1, 1, 703, 700)));
        events.addAll(dispatch(exit(703, 700, 0, 0)));
        events.addAll(dispatch(exit(700, 700, 0, 1)));
        assertEquals(1, processExits(events), events.toString());
        assertEquals(new ProcEvent.Exit(CPU, TS, 700, 700, 1, new ExitStatus(0, 0, false)), events.get(events.size() - 1));
    }

    @Test
    void threadExitOfAnUnknownThreadIsJustAThreadExit() {
        // a thread that existed before the tracker started and was never seeded
        EventFrame t = exit(1001, 1000, 0, 0);
        assertEquals(ThreadTracker.EMIT, tracker.classify(t));
        assertEquals(EventType.THREAD_EXIT, t.type());
        assertEquals(0, tracker.liveThreads(1000));
    }

    // ---------------------------------------------------------------- pid reuse

    @Test
    void reusedThreadIdDoesNotInheritStaleState() {
        tracker.classify(fork(1, 1, 801, 800)); // thread 801 of 800; its exit is never seen
        assertEquals(1, tracker.liveThreads(800));

        EventFrame f = fork(5, 5, 801, 801); // 801 is now a new process
        assertEquals(ThreadTracker.EMIT, tracker.classify(f));
        assertEquals(EventType.FORK, f.type());
        assertEquals(0, tracker.trackedThreads());
        assertEquals(0, tracker.liveThreads(800), "the stale thread no longer counts for 800");

        EventFrame newExit = exit(801, 801, 0x200, 5);
        assertEquals(ThreadTracker.EMIT, tracker.classify(newExit));
        assertEquals(EventType.EXIT, newExit.type());
        assertEquals(5, newExit.ppid());

        EventFrame oldLeader = exit(800, 800, 0, 1);
        assertEquals(ThreadTracker.EMIT, tracker.classify(oldLeader));
        assertEquals(EventType.EXIT, oldLeader.type(), "800 has no live thread left");
    }

    @Test
    void reusedPidOfAProcessWhoseLeaderWentFirst() {
        tracker.classify(fork(1, 1, 851, 850));
        EventFrame leader = exit(850, 850, 0, 1);
        tracker.classify(leader);
        assertEquals(EventType.THREAD_EXIT, leader.type()); // 851's exit is then lost

        assertEquals(ThreadTracker.EMIT, tracker.classify(fork(9, 9, 850, 850)));
        assertEquals(0, tracker.liveThreads(850));
        assertEquals(0, tracker.trackedThreads());
        // the new 850 starts and ends a thread: that is no process exit, whatever the old 850 left
        assertEquals(List.of(new ProcEvent.ThreadCreate(CPU, TS, 852, 850, 9)), dispatch(fork(9, 9, 852, 850)));
        assertEquals(List.of(new ProcEvent.ThreadExit(CPU, TS, 852, 850, 0, new ExitStatus(0, 0, false))),
                dispatch(exit(852, 850, 0, 0)));
        List<ProcEvent> events = dispatch(exit(850, 850, 0x300, 9));
        assertEquals(List.of(new ProcEvent.Exit(CPU, TS, 850, 850, 9, new ExitStatus(3, 0, false))), events);
    }

    @Test
    void reusedPidOfAMultiThreadedProcess() {
        tracker.classify(fork(1, 1, 901, 900));
        tracker.classify(fork(1, 1, 902, 900)); // all of 900's exits are lost
        assertEquals(2, tracker.liveThreads(900));

        tracker.classify(fork(3, 3, 900, 900));
        assertEquals(0, tracker.liveThreads(900));
        assertEquals(0, tracker.trackedThreads());
        EventFrame e = exit(900, 900, 0, 3);
        assertEquals(ThreadTracker.EMIT, tracker.classify(e));
        assertEquals(EventType.EXIT, e.type());
    }

    @Test
    void reusedThreadIdInAnotherProcess() {
        tracker.addThread(951, 950);
        tracker.classify(fork(1, 1, 951, 960)); // 951 reappears as a thread of 960
        assertEquals(0, tracker.liveThreads(950));
        assertEquals(1, tracker.liveThreads(960));
        assertEquals(1, tracker.trackedThreads());
    }

    // ---------------------------------------------------------------- seeding and other events

    @Test
    void addThreadIsIdempotentAndIgnoresLeaders() {
        tracker.addThread(501, 500);
        tracker.addThread(501, 500);
        tracker.addThread(500, 500);
        tracker.addThread(0, 500);
        tracker.addThread(502, 0);
        assertEquals(1, tracker.liveThreads(500));
        assertEquals(1, tracker.trackedThreads());
        // a seeded thread then seen cloning (seeding raced with the event) is not counted twice
        tracker.classify(fork(1, 1, 501, 500));
        assertEquals(1, tracker.liveThreads(500));
    }

    @Test
    void relearningForgetsWhatAFilterHidAndLearnsTheLiveThreads() {
        tracker.classify(fork(1, 1, 701, 700));
        tracker.classify(fork(1, 1, 702, 700)); // 702's exit was then hidden by a kernel filter
        tracker.relearn(new ThreadTracker.ProcessThreads(700, List.of(700, 701, 703), -1));
        assertEquals(2, tracker.liveThreads(700), "701 and 703, not 702");
        assertEquals(0, processExits(dispatch(exit(700, 700, 0, 1))), "the leader first: the process lives on");
        assertEquals(0, processExits(dispatch(exit(701, 700, 0, 1))));
        List<ProcEvent> last = dispatch(exit(703, 700, 5 << 8, 1));
        assertEquals(1, processExits(last), "the last thread ends the process: " + last);
        assertEquals(new ProcEvent.Exit(CPU, TS, 700, 700, 1, ExitStatus.fromWaitStatus(5 << 8)), last.get(1));
    }

    @Test
    void relearningAProcessWhoseLeaderIsGone() {
        // the leader is a zombie: its exit was not seen
        tracker.relearn(new ThreadTracker.ProcessThreads(800, List.of(800, 801), 42));
        List<ProcEvent> last = dispatch(exit(801, 800, 3 << 8, 0));
        assertEquals(1, processExits(last), "the last thread ends the process: " + last);
        assertEquals(42, last.get(1).ppid());
        tracker.relearn(new ThreadTracker.ProcessThreads(900, List.of(900), 42)); // a leader alone: nothing to wait for
        assertEquals(1, processExits(dispatch(exit(900, 900, 0, 1))));
        tracker.relearn(new ThreadTracker.ProcessThreads(800, List.of(800, 801), -1));
        assertEquals(1, tracker.trackedThreads());
        tracker.relearn(new ThreadTracker.ProcessThreads(800, List.of(), -1)); // gone: forgotten
        assertEquals(0, tracker.trackedThreads());
    }

    @Test
    void otherEventsPassThrough() {
        tracker.classify(fork(1, 1, 501, 500));
        int[] whats = {ProcEventCodec.WHAT_UID, ProcEventCodec.WHAT_GID, ProcEventCodec.WHAT_SID,
            ProcEventCodec.WHAT_PTRACE, ProcEventCodec.WHAT_COMM, ProcEventCodec.WHAT_COREDUMP};
        EventType[] types = {EventType.UID, EventType.GID, EventType.SID, EventType.PTRACE, EventType.COMM,
            EventType.COREDUMP};
        for (int i = 0; i < whats.length; i++) {
            EventFrame f = frame(whats[i], 501, 500);
            assertEquals(ThreadTracker.EMIT, tracker.classify(f));
            assertEquals(types[i], f.type());
            assertEquals(501, f.pid());
            assertEquals(500, f.tgid());
        }
        assertEquals(1, tracker.liveThreads(500), "no event but exec, fork and exit changes the threads");
    }
}
