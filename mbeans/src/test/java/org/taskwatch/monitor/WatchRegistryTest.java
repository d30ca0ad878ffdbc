package org.taskwatch.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.taskwatch.kernel.EventType;
import org.taskwatch.kernel.PolledFrames;
import org.taskwatch.kernel.ExitStatus;

/**
 * The watch table alone, without a kernel: hand-built events (decoded by the real codec) and a
 * hand-made /proc. What each test asserts comes from what it wrote there and what it sent.
 */
class WatchRegistryTest {
    private static final int ALL = EventType.FORK.bit() | EventType.EXEC.bit() | EventType.EXIT.bit();

    private final FakeProc proc;
    private final Map<Integer, String> namesAtExit = new HashMap<>();
    private final List<String> opened = new ArrayList<>();
    private final ProcessNames names;
    private final WatchRegistry registry;
    private final MatchBuffer out = new MatchBuffer();

    WatchRegistryTest() throws Exception {
        proc = new FakeProc();
        names = new ProcessNames(proc.files(), proc.procFs(), () -> {
            opened.add("open");
            return new ProcessNames.ExitNames() {
                @Override
                public void drain() {}

                @Override
                public String takeComm(int pid) {
                    return namesAtExit.remove(pid);
                }

                @Override
                public void close() {
                    opened.add("close");
                }
            };
        });
        names.useExitNames(null);
        registry = new WatchRegistry(proc.procFs(), names, 100, 256);
    }

    @AfterEach
    void cleanUp() {
        names.close();
        proc.close();
    }

    private List<Watch> matched() {
        List<Watch> ws = new ArrayList<>();
        for (int i = 0; i < out.size(); i++) {
            ws.add(out.get(i));
        }
        return ws;
    }

    private static long now() {
        return System.nanoTime();
    }

    @Test
    void aProcessWatchSeesItsExitWithTheStatusAndEnds() {
        proc.process(4100, 1, "sleep", "/bin/sleep", "sleep 60");
        Watch w = registry.watchProcess(4100, ALL, false, null);
        registry.onEvent(Frames.exec(4200, now()), out);
        assertEquals(List.of(), matched(), "another process's event");

        registry.onEvent(Frames.exit(4100, 1, 3 << 8, now()), out);
        assertEquals(List.of(w), matched());
        assertTrue(w.ended());
        assertEquals(3, w.exitStatus().exitCode());
        assertSame(w, registry.retired.poll(), "queued for the delivery thread");
        assertNull(registry.get(w.id()));
        assertEquals(0, registry.size());

        registry.onEvent(Frames.exit(4100, 1, 0, now()), out);
        assertEquals(List.of(), matched(), "a later exit of the same pid is not the watch's");
    }

    @Test
    void aProcessWatchedBeforeThePollerSawItKeepsItsExitWhenItEndsDuringThatScan() {
        // The poller stamps a fork with the scan that saw it: later than a watch registered right
        // after the process started. If the process ended (and was reaped) while that scan ran,
        // /proc no longer shows it when the fork is handled; the fork's start time still says it
        // is the watched process, not a new one with its pid.
        proc.process(4100, 1, "sh", "/bin/sh", "sh -c read");
        long start = proc.procFs().startTime(4100);
        Watch w = registry.watchProcess(4100, ALL, false, null);
        proc.remove(4100);
        registry.onEvent(PolledFrames.fork(1, 4100, start, now()), out);
        assertFalse(w.ended(), "the scan's fork is the watched process itself");
        registry.onEvent(PolledFrames.exit(4100, 1, 3 << 8, now()), out);
        assertEquals(List.of(w), matched());
        assertEquals(3, w.exitStatus().exitCode());

        // a fork of another process with that pid (another start time): the watched one ended unseen
        proc.process(4200, 1, "sleep", "/bin/sleep", "sleep 60");
        long first = proc.procFs().startTime(4200);
        Watch v = registry.watchProcess(4200, ALL, false, null);
        proc.remove(4200);
        registry.onEvent(PolledFrames.fork(1, 4200, first + 5, now()), out);
        assertTrue(v.ended(), "a new process took the pid");
    }

    @Test
    void refusesWhatIsNotARunningProcessAndChangesNothing() {
        proc.process(4100, 1, "sleep", "/bin/sleep", "sleep 60");
        proc.zombie(4100, 9);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> registry.watchProcess(4100, ALL, false, null));
        assertEquals("pid 4100: no such process (it has exited)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> registry.watchProcess(0, ALL, false, null));
        assertEquals("pid: must be a positive process id, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> registry.watchCommand("nginx(", ALL, false));
        assertTrue(e.getMessage().startsWith("regex: invalid pattern 'nginx(': "), e.getMessage());
        assertEquals(0, registry.size());
        assertEquals(List.of(), registry.watches());
        assertEquals(List.of(), opened, "a refused command watch opened no exit-name listener");
    }

    @Test
    void aReusedPidIsNotTheWatchedProcess() throws Exception {
        proc.process(4100, 1, "sleep", "/bin/sleep", "sleep 60");
        Watch w = registry.watchProcess(4100, ALL, false, null);
        // the watched process died unseen (its exit was lost) and its pid went to a new process
        proc.remove(4100);
        long fork = now();
        proc.process(4100, 4000, "bash", "/bin/bash", "bash");
        registry.onEvent(Frames.fork(4000, 4100, fork), out);
        assertEquals(List.of(), matched(), "the new process's birth is not the watch's event");
        assertTrue(w.ended(), "the watch of the process that died unseen ended");
        assertNull(w.exitStatus(), "its status is not known, and not guessed");
        registry.onEvent(Frames.exit(4100, 4000, 0, now()), out);
        assertEquals(List.of(), matched(), "the namesake's exit is not the watch's");
    }

    @Test
    void aRegistrationAheadOfTheLaggingReaderKeepsItsProcess() {
        // the reader gets to the fork of 4100 only after a client registered a watch on it
        long fork = now();
        proc.process(4100, 4000, "worker", "/usr/bin/worker", "worker");
        Watch w = registry.watchProcess(4100, ALL, false, null);
        registry.onEvent(Frames.fork(4000, 4100, fork), out);
        assertFalse(w.ended(), "the member is the process the fork made, registered after it");
        registry.onEvent(Frames.exec(4100, fork + 1), out);
        assertEquals(List.of(), matched(), "an event stamped before the registration is not the watch's");
        proc.zombie(4100, 0);
        registry.onEvent(Frames.exit(4100, 4000, 0, now()), out);
        assertEquals(List.of(w), matched());
        assertEquals(0, w.exitStatus().exitCode());
    }

    @Test
    void aTreeAdoptsDescendantsAliveAndToComeAndEndsWithItsLast() {
        proc.process(5000, 1, "sh", "/bin/sh", "sh -c job");
        proc.process(5001, 5000, "job", "/bin/job", "job");
        proc.process(5002, 5001, "helper", "/bin/helper", "helper");
        proc.process(6000, 1, "other", "/bin/other", "other");
        Watch tree = registry.watchTree(5000, ALL);
        registry.onEvent(Frames.exec(5002, now()), out);
        assertEquals(List.of(tree), matched(), "a grandchild alive at registration is a member");
        registry.onEvent(Frames.exec(6000, now()), out);
        assertEquals(List.of(), matched());

        registry.onEvent(Frames.fork(5002, 5003, now()), out);
        assertEquals(List.of(tree), matched(), "the fork of a member");
        registry.onEvent(Frames.exec(5003, now()), out);
        assertEquals(List.of(tree), matched(), "the new child is followed");

        registry.onEvent(Frames.exit(5000, 1, 0, now()), out);
        assertEquals(List.of(tree), matched());
        assertFalse(tree.ended(), "the root is gone, its descendants still run");
        assertEquals(0, tree.exitStatus().exitCode(), "the root's status is the tree's");
        for (int pid : new int[] {5001, 5002}) {
            registry.onEvent(Frames.exit(pid, 1, 0, now()), out);
            assertFalse(tree.ended());
        }
        registry.onEvent(Frames.exit(5003, 1, 2 << 8, now()), out);
        assertTrue(tree.ended(), "ended with its last member");
        assertEquals(0, tree.exitStatus().exitCode(), "still the root's status, not the last member's");
    }

    @Test
    void aCommandWatchMatchesAtExecAndNamesTheExitByWhatItReadThen() {
        Watch w = registry.watchCommand("^/usr/sbin/nginx", ALL, false);
        assertEquals(List.of("open"), opened, "the first command watch opens the exit-name listener");
        registry.onBatch();
        proc.process(7000, 1, "nginx", "/usr/sbin/nginx", "nginx: master process");
        proc.process(7001, 1, "nginx", "/usr/local/bin/nginx", "nginx -g daemon");
        registry.onEvent(Frames.exec(7000, now()), out);
        assertEquals(List.of(w), matched(), "the exe path matches");
        assertEquals("nginx: master process", out.read().cmdline(), "what was read is handed on");
        registry.onEvent(Frames.exec(7001, now()), out);
        assertEquals(List.of(), matched(), "another nginx");
        assertEquals("/usr/local/bin/nginx", out.read().exe(), "read all the same: delivery need not read again");

        proc.remove(7000);
        registry.onEvent(Frames.exit(7000, 1, 9, now()), out);
        assertEquals(List.of(w), matched());
        assertEquals("/usr/sbin/nginx", out.read().exe(), "named by what was read at its exec: it is gone now");
        assertFalse(w.ended(), "a command watch goes on");
    }

    @Test
    void aDeclaredCommandWatchIsSeededFromProcFollowsForksAndLetsGoAtAnExecThatNoLongerMatches() {
        proc.process(7000, 1, "nginx", "/usr/sbin/nginx", "nginx: master process");
        proc.process(7001, 7000, "nginx", "/usr/sbin/nginx", "nginx: worker process");
        proc.process(7002, 1, "bash", "/bin/bash", "bash");
        Watch w = registry.watchCommand("^/usr/sbin/nginx", ALL, false);
        w.declaredAs("nginx");
        registry.adoptMatching(w);
        assertEquals(2, registry.members(w), "the scan found what /proc shows matching");

        // a new worker: forked, not exec'd; /proc shows it with the master's command
        long fork = now();
        proc.process(7003, 7000, "nginx", "/usr/sbin/nginx", "nginx: worker process");
        registry.onEvent(Frames.fork(7000, 7003, fork), out);
        assertEquals(3, registry.members(w));
        registry.onEvent(Frames.exit(7003, 7000, 9, now()), out);
        assertEquals(List.of(w), matched(), "the forked worker's exit (SIGKILL) is the watch's");
        assertEquals(2, registry.members(w));

        // a child that runs another program leaves at its exec: /proc no longer shows it matching
        proc.process(7004, 7000, "nginx", "/usr/sbin/nginx", "nginx: master process");
        registry.onEvent(Frames.fork(7000, 7004, now()), out);
        assertEquals(3, registry.members(w));
        proc.process(7004, 7000, "logrotate", "/usr/sbin/logrotate", "logrotate /etc/logrotate.conf");
        registry.onEvent(Frames.exec(7004, now()), out);
        assertEquals(List.of(), matched(), "its exec is not the watch's");
        assertEquals(2, registry.members(w));
        registry.onEvent(Frames.exit(7004, 7000, 0, now()), out);
        assertEquals(List.of(), matched(), "nor its exit");

        // a runtime command watch does neither (clients get what they always got)
        Watch plain = registry.watchCommand("^/bin/bash", ALL, false);
        proc.process(7005, 7002, "bash", "/bin/bash", "bash");
        registry.onEvent(Frames.fork(7002, 7005, now()), out);
        assertEquals(0, registry.members(plain));
    }

    @Test
    void aProcessGoneBeforeItsExecWasReadIsMatchedByItsNameAtExit() {
        Watch w = registry.watchCommand("^backup", EventType.EXIT.bit(), false);
        registry.onBatch(); // the reader takes the listener over
        registry.onEvent(Frames.exec(7100, now()), out); // no /proc entry: it ended at once
        assertEquals(List.of(), matched());
        assertNull(out.read().comm());
        namesAtExit.put(7100, "backup.sh");
        namesAtExit.put(7101, "backup.sh");
        registry.onEvent(Frames.exit(7100, 1, 1 << 8, now()), out);
        assertEquals(List.of(w), matched(), "matched by its name at exit");
        assertEquals("backup.sh", out.read().comm());
        registry.onEvent(Frames.exit(7101, 1, 1 << 8, now()), out);
        assertEquals(List.of(), matched(), "a process whose exec was read (or never seen) is not matched by name");

        registry.unwatch(w.id());
        registry.onBatch();
        assertEquals(List.of("open", "close"), opened, "the listener closes after the last command watch");
    }

    @Test
    void afterALossGoneMembersEndWithTheStatusProcShowsAndTreesAdoptLostForks() {
        proc.process(8000, 1, "sleep", "/bin/sleep", "sleep 60");
        proc.process(8100, 1, "sh", "/bin/sh", "sh");
        Watch single = registry.watchProcess(8000, ALL, false, null);
        Watch tree = registry.watchTree(8100, ALL);
        // during the loss: 8000 exited with 7 (a zombie now), 8100 forked 8101, whose fork was lost
        proc.zombie(8000, 7 << 8);
        proc.process(8101, 8100, "sh", "/bin/sh", "sh");
        List<WatchRegistry.RecoveredExit> recovered = registry.resync(now());
        assertEquals(1, recovered.size(), recovered.toString());
        assertEquals(8000, recovered.get(0).tgid());
        assertEquals(7, ExitStatus.fromWaitStatus(recovered.get(0).waitStatus()).exitCode());
        assertTrue(single.ended());
        registry.onEvent(Frames.exit(8000, 1, 7 << 8, now()), out);
        assertEquals(List.of(), matched(), "the exit queued behind the loss is not reported twice");
        registry.onEvent(Frames.exec(8101, now()), out);
        assertEquals(List.of(tree), matched(), "the child whose fork was lost was adopted");
    }

    @Test
    void watchesAreRefusedBeyondTheLimitWithTheSetting() {
        WatchRegistry small = new WatchRegistry(proc.procFs(), names, 1, 256);
        proc.process(9000, 1, "a", "/bin/a", "a");
        proc.process(9001, 1, "b", "/bin/b", "b");
        small.watchProcess(9000, ALL, false, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> small.watchProcess(9001, ALL, false, null));
        assertEquals("too many watches: the limit is 1 (setting maxWatches); remove some with unwatch(id)", e.getMessage());
        assertTrue(small.watchProcess(9001, ALL, true, null) != null, "internal watches (waiters) are not counted");
    }
}
