package org.taskwatch.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.taskwatch.kernel.CgroupLayout;
import org.taskwatch.kernel.CgroupPath;
import org.taskwatch.kernel.ProcEvent;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.Spawn;

/**
 * Unit and cgroup watches and the cgroup fields against real cgroups: the test makes cgroup v2
 * children under a cgroup of its own in the v2 mount (found in /proc/self/mountinfo: {@code
 * /sys/fs/cgroup} on a pure v2 server, {@code /sys/fs/cgroup/unified} on a hybrid machine), starts
 * processes in them by writing their pids to {@code cgroup.procs}, moves one between them, and
 * checks the events against what {@code /proc/PID/cgroup} says. Root only; removed afterwards.
 */
class CgroupWatchKernelTest {
    private static final long SELF = ProcessHandle.current().pid();
    private static final String BASE = "taskwatch-test-" + SELF + ".slice";
    private static final String A = "tw-a-" + SELF + ".service";
    private static final String B = "tw-b-" + SELF + ".service";
    private static CgroupLayout layout;
    private static TaskMonitor monitor;
    private static final DeliveredEvents delivered = new DeliveredEvents();
    private final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        layout = CgroupLayout.system();
        KernelTests.require(KernelTests.isRoot(), "making cgroups needs root");
        KernelTests.require(layout.hierarchy() == CgroupLayout.Hierarchy.UNIFIED,
                "no cgroup v2 mount in /proc/self/mountinfo");
        Path base = layout.directory("/" + BASE);
        Files.createDirectories(base.resolve(A));
        Files.createDirectories(base.resolve(B));
        monitor = TaskMonitor.start(MonitorSettings.defaults());
        monitor.addListener(delivered);
    }

    @AfterEach
    void endProcesses() throws InterruptedException {
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor();
        }
    }

    @AfterAll
    static void removeCgroups() throws Exception {
        if (monitor != null) {
            monitor.close();
        }
        if (layout == null || layout.hierarchy() != CgroupLayout.Hierarchy.UNIFIED) {
            return;
        }
        Path base = layout.directory("/" + BASE);
        for (Path dir : new Path[] {base.resolve(A), base.resolve(B), base}) {
            if (Files.isDirectory(dir)) {
                // anything left (a process the test could not end) goes back to the root first
                for (String pid : Files.readAllLines(dir.resolve("cgroup.procs"))) {
                    Files.writeString(layout.directory("/").resolve("cgroup.procs"), pid + "\n");
                }
                awaitTrue(() -> {
                    try {
                        Files.delete(dir);
                        return true;
                    } catch (IOException e) {
                        return false; // a process that just exited still holds it for a moment
                    }
                }, "remove " + dir);
            }
        }
    }

    private static String path(String child) {
        return "/" + BASE + "/" + child;
    }

    private static void moveTo(String child, long pid) throws IOException {
        Files.writeString(layout.directory(path(child)).resolve("cgroup.procs"), pid + "\n");
    }

    /** The v2 line of /proc/PID/cgroup, read here: the independent truth. */
    private static String procCgroup(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
            if (line.startsWith("0::")) {
                return line.substring(3);
            }
        }
        throw new AssertionError("no 0:: line for " + pid);
    }

    private Process start(String script) throws IOException {
        Process p = Spawn.start("/bin/sh", "-c", script);
        started.add(p);
        return p;
    }

    private static void send(Process p) throws IOException {
        OutputStream in = p.getOutputStream();
        in.write('\n');
        in.flush();
    }

    private static MonitorEvent await(Predicate<MonitorEvent> p, String what) throws InterruptedException {
        return delivered.await(p, Duration.ofSeconds(20), what);
    }

    /** Waits, bounded (three rescan intervals and more), for a condition. */
    private static void awaitTrue(BooleanSupplier c, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(4L * TaskMonitor.CGROUP_RESCAN_SECONDS + 10).toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + (4 * TaskMonitor.CGROUP_RESCAN_SECONDS + 10) + " s: " + what);
            }
            Thread.sleep(20);
        }
    }

    private static boolean has(MonitorEvent e, Watch w) {
        for (long id : e.watchIds()) {
            if (id == w.id()) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aUnitWatchFindsItsProcessesFollowsTheirChildrenAndTellsTheirCgroup() throws Exception {
        // in the unit before the watch: found by the scan
        // its child blocks in read after its exec, so that its cgroup is read while it runs
        Process first = start("read l; /bin/sh -c 'read l; exit 7'; read l; exit 0");
        moveTo(A, first.pid());
        Watch w = monitor.watchUnit(A, "fork,exec,exit");
        Watch below = monitor.watchCgroup("/" + BASE, "exit");
        try {
            assertEquals(WatchKind.CGROUP, w.kind());
            assertEquals("unit:" + A, w.target());
            assertEquals(1, monitor.members(w), "the scan found the one process in it");
            assertEquals(1, monitor.members(below), "a cgroup watch holds the cgroups below it");

            send(first); // it forks a child that execs and exits 7
            MonitorEvent fork = await(e -> e.event() instanceof ProcEvent.Fork f && f.tgid() == first.pid(), "fork");
            int child = ((ProcEvent.Fork) fork.event()).childTgid();
            assertTrue(has(fork, w));
            CgroupPath expected = new CgroupPath(procCgroup(first.pid()), A, "");
            assertEquals(path(A), expected.path(), "what /proc says");
            assertEquals(expected, fork.cgroup());
            MonitorEvent exec = await(e -> e.event() instanceof ProcEvent.Exec && e.event().tgid() == child, "exec");
            assertTrue(has(exec, w), "a member's child is a member");
            assertEquals(expected, exec.cgroup());
            assertFalse(exec.cgroupFromParent(), "read at its exec: it runs on, waiting for a line");
            assertEquals(path(A), procCgroup(child));
            send(first); // the child reads it and exits 7
            MonitorEvent exit = await(e -> e.event() instanceof ProcEvent.Exit && e.event().tgid() == child, "exit");
            assertEquals(7, ((ProcEvent.Exit) exit.event()).status().exitCode());
            assertTrue(has(exit, w) && has(exit, below));
            assertEquals(A, exit.cgroup().unit());
            assertFalse(exit.cgroupFromParent(), "what its exec read");

            TaskMonitor.ProcessStatus status = monitor.processStatus((int) first.pid());
            assertTrue(status.alive());
            assertEquals(expected, status.cgroup());

            // a process that moves in and execs joins at its exec
            Process later = start("read l; exec /bin/sh -c 'read l; exit 3'");
            moveTo(A, later.pid());
            send(later);
            MonitorEvent joined = await(e -> e.event() instanceof ProcEvent.Exec && e.event().tgid() == later.pid()
                    && has(e, w), "exec of a process moved in");
            assertEquals(procCgroup(later.pid()), joined.cgroup().path());
            send(later);
            MonitorEvent laterExit = await(e -> e.event() instanceof ProcEvent.Exit && e.event().tgid() == later.pid(),
                    "exit of a process moved in");
            assertEquals(3, ((ProcEvent.Exit) laterExit.event()).status().exitCode());
            assertTrue(has(laterExit, w));
            assertEquals(A, monitor.processStatus((int) later.pid()).cgroup().unit(), "its exit's cgroup, kept");
        } finally {
            monitor.unwatch(w.id());
            monitor.unwatch(below.id());
        }
    }

    @Test
    void aProcessThatMovesToAnotherUnitIsFollowedAtTheRescan() throws Exception {
        Process p = start("read l; exit 5");
        moveTo(A, p.pid());
        Watch a = monitor.watchUnit(A, "exit");
        Watch b = monitor.watchUnit(B, "exit");
        try {
            assertEquals(1, monitor.members(a));
            assertEquals(0, monitor.members(b));
            moveTo(B, p.pid()); // no fork, no exec: the rescan notices
            assertEquals(path(B), procCgroup(p.pid()));
            awaitTrue(() -> monitor.members(a) == 0 && monitor.members(b) == 1, "the move is followed at a rescan");
            send(p);
            MonitorEvent exit = await(e -> e.event() instanceof ProcEvent.Exit && e.event().tgid() == p.pid(), "exit");
            assertEquals(5, ((ProcEvent.Exit) exit.event()).status().exitCode());
            assertTrue(has(exit, b), "in B at its exit");
            assertFalse(has(exit, a), "no longer in A");
            assertTrue(!a.ended() && !b.ended(), "a cgroup watch goes on without members: processes to come");
        } finally {
            monitor.unwatch(a.id());
            monitor.unwatch(b.id());
        }
    }

    @Test
    void badUnitsAndCgroupsAreRefusedWithTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> monitor.watchUnit("nginx", "exit"));
        assertTrue(e.getMessage().contains("not a systemd unit name"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> monitor.watchCgroup("system.slice", "exit"));
        assertTrue(e.getMessage().contains("not a cgroup path"), e.getMessage());
        if (!layout.systemd()) { // as here: a unit no cgroup is named after cannot have processes
            e = assertThrows(IllegalArgumentException.class,
                    () -> monitor.watchUnit("tw-none-" + SELF + ".service", "exit"));
            assertTrue(e.getMessage().contains("not run by systemd"), e.getMessage());
        }
    }
}
