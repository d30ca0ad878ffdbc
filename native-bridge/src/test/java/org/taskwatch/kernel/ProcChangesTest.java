package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link ProcChanges} on hand-built snapshots: which events two scans of /proc make, in which
 * order. (The real /proc is the contract test's: {@code ProcPollSourceContractTest}.)
 */
class ProcChangesTest {
    private static final long JAVA_TEXT = 0x5600_0000_0000L;
    private static final long SH_TEXT = 0x5500_0000_0000L;
    private static final long SLEEP_TEXT = 0x5700_0000_0000L;
    private static final long HASH_JAVA = 11;
    private static final long HASH_SH = 22;
    private static final long HASH_SLEEP = 33;

    private final ProcSnapshot before = new ProcSnapshot(4);
    private final ProcSnapshot now = new ProcSnapshot(4);
    private final List<String> events = new ArrayList<>();
    private final ProcChanges.Listener out = new ProcChanges.Listener() {
        @Override
        public void fork(int parent, int grandparent, int child, long childStartTime) {
            events.add("fork " + parent + "/" + grandparent + " -> " + child);
        }

        @Override
        public void exec(int pid, int ppid) {
            events.add("exec " + pid + " ppid " + ppid);
        }

        @Override
        public void exit(int pid, int ppid, long startTime) {
            events.add("exit " + pid + " ppid " + ppid + " start " + startTime);
        }
    };

    /** pid 1 (init) and pid 100 (java, child of 1), in both scans. */
    private void java(ProcSnapshot s) {
        s.add(1, 0, 1, 0x4000, 0x5000, 1);
        s.add(100, 1, 500, JAVA_TEXT, JAVA_TEXT + 0x1000, HASH_JAVA);
    }

    private List<String> compare() {
        new ProcChanges().compare(before, now, out);
        return events;
    }

    @Test
    void nothingChangedNothingSaid() {
        java(before);
        java(now);
        assertEquals(List.of(), compare());
    }

    @Test
    void aForkedChildThatRunsTheSameProgramIsAForkOnly() {
        java(before);
        java(now);
        now.add(200, 100, 900, JAVA_TEXT, JAVA_TEXT + 0x1000, HASH_JAVA);
        assertEquals(List.of("fork 100/1 -> 200"), compare());
    }

    @Test
    void aChildThatExecedBeforeTheScanSawItIsAForkThenAnExec() {
        java(before);
        java(now);
        now.add(200, 100, 900, SH_TEXT, SH_TEXT + 0x800, HASH_SH);
        assertEquals(List.of("fork 100/1 -> 200", "exec 200 ppid 100"), compare());
    }

    @Test
    void aMovedTextSegmentIsAnExecEvenUnderTheSameName() {
        java(before);
        before.add(200, 100, 900, SH_TEXT, SH_TEXT + 0x800, HASH_SH);
        java(now);
        now.add(200, 100, 900, SH_TEXT + 0x10000, SH_TEXT + 0x10800, HASH_SH); // ASLR: sh exec'd sh
        assertEquals(List.of("exec 200 ppid 100"), compare());
    }

    @Test
    void aRenameWithTheSameTextIsNoExec() {
        java(before);
        before.add(200, 100, 900, SH_TEXT, SH_TEXT + 0x800, HASH_SH);
        java(now);
        now.add(200, 100, 900, SH_TEXT, SH_TEXT + 0x800, HASH_SLEEP); // prctl(PR_SET_NAME)
        assertEquals(List.of(), compare());
    }

    @Test
    void whereTheKernelHidesTheTextTheNameDecides() {
        long h = ProcSnapshot.HIDDEN;
        java(before);
        before.add(200, 100, 900, h, h, HASH_SH);
        before.add(201, 100, 901, h, h, HASH_SH);
        java(now);
        now.add(200, 100, 900, h, h, HASH_SLEEP);
        now.add(201, 100, 901, h, h, HASH_SH);
        assertEquals(List.of("exec 200 ppid 100"), compare());
    }

    @Test
    void aZombieRunsNothingNew() {
        java(before);
        before.add(200, 100, 900, SH_TEXT, SH_TEXT + 0x800, HASH_SH);
        java(now);
        now.add(200, 100, 900, 0, 0, HASH_SH); // exited, not reaped: no memory any more
        assertEquals(List.of(), compare());
    }

    @Test
    void aKernelThreadThatBecomesAUserProcessExecs() {
        java(before);
        before.add(2, 0, 2, 0, 0, 7);
        before.add(300, 2, 950, 0, 0, 7); // a usermode helper before its exec
        java(now);
        now.add(2, 0, 2, 0, 0, 7);
        now.add(300, 2, 950, SH_TEXT, SH_TEXT + 0x800, HASH_SH);
        now.add(301, 2, 960, 0, 0, 8); // a new kernel thread: a fork, no exec
        assertEquals(List.of("fork 2/0 -> 301", "exec 300 ppid 2"), compare());
    }

    @Test
    void aGoneProcessExitsWithItsLastParent() {
        java(before);
        before.add(200, 100, 900, SH_TEXT, SH_TEXT + 0x800, HASH_SH);
        java(now);
        assertEquals(List.of("exit 200 ppid 100 start 900"), compare());
    }

    @Test
    void aReusedPidIsAnExitThenAFork() {
        java(before);
        before.add(200, 100, 900, SH_TEXT, SH_TEXT + 0x800, HASH_SH);
        java(now);
        now.add(200, 100, 990, JAVA_TEXT, JAVA_TEXT + 0x1000, HASH_JAVA); // same pid, later start
        assertEquals(List.of("exit 200 ppid 100 start 900", "fork 100/1 -> 200"), compare());
    }

    @Test
    void newProcessesComeOldestFirstSoParentsForkBeforeTheirChildren() {
        java(before);
        java(now);
        // pids wrapped: the child (pid 150) has a lower pid than its parent (pid 400)
        now.add(150, 400, 930, SLEEP_TEXT, SLEEP_TEXT + 0x400, HASH_SLEEP);
        now.add(400, 100, 920, SH_TEXT, SH_TEXT + 0x800, HASH_SH);
        assertEquals(List.of("fork 100/1 -> 400", "exec 400 ppid 100", "fork 400/100 -> 150", "exec 150 ppid 400"),
                compare());
    }

    @Test
    void forksComeBeforeExitsSoATreeStillHoldsTheParent() {
        java(before);
        before.add(200, 100, 900, SH_TEXT, SH_TEXT + 0x800, HASH_SH);
        java(now);
        now.add(300, 200, 950, SH_TEXT, SH_TEXT + 0x800, HASH_SH); // 200 forked 300, then ended
        assertEquals(List.of("fork 200/100 -> 300", "exit 200 ppid 100 start 900"), compare());
    }

    @Test
    void aChildWithNoParentToCompareWithIsSaidToExec() {
        java(before);
        java(now);
        // ppid 0: its parent is outside this pid namespace (a container's first process)
        now.add(260, 0, 960, JAVA_TEXT, JAVA_TEXT + 0x1000, HASH_JAVA);
        now.add(261, 0, 961, 0, 0, 9); // a kernel thread runs no program
        assertEquals(List.of("fork 0/0 -> 260", "exec 260 ppid 0", "fork 0/0 -> 261"), compare());
    }

    @Test
    void snapshotsGrowAndAreReused() {
        ProcSnapshot s = new ProcSnapshot(1);
        for (int round = 0; round < 3; round++) {
            s.clear();
            for (int pid = 1; pid <= 100; pid++) {
                assertEquals(pid - 1, s.add(pid, 1, pid * 10L, 0, 0, 0));
            }
            assertEquals(100, s.size());
            assertEquals(41, s.slotOf(42));
            assertEquals(420, s.startTime(s.slotOf(42)));
            assertEquals(-1, s.slotOf(101));
        }
    }
}
