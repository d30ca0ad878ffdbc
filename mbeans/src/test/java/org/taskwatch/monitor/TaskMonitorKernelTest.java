package org.taskwatch.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.taskwatch.kernel.EventType;
import org.taskwatch.kernel.KernelVersion;
import org.taskwatch.kernel.ProcEvent;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.OpenFiles;
import org.taskwatch.testing.Spawn;
import org.taskwatch.testing.ThreadNice;

/** The registry and pipeline against the real kernel: trees, command patterns, concurrency. */
class TaskMonitorKernelTest {
    private static TaskMonitor monitor;
    private static final DeliveredEvents delivered = new DeliveredEvents();

    @BeforeAll
    static void start() throws Exception {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6),
                "the proc connector needs root before Linux 6.6");
        monitor = TaskMonitor.start(MonitorSettings.defaults());
        monitor.addListener(delivered);
    }

    @AfterAll
    static void stop() {
        if (monitor != null) {
            monitor.close();
        }
    }

    private static MonitorEvent await(Predicate<MonitorEvent> p, String what) throws InterruptedException {
        return delivered.await(p, Duration.ofSeconds(10), what);
    }

    private static boolean hasWatch(MonitorEvent e, long id) {
        for (long w : e.watchIds()) {
            if (w == id) {
                return true;
            }
        }
        return false;
    }

    @Test
    void treeFollowsGrandchildrenBornAfterRegistration() throws Exception {
        Process root = Spawn.start("/bin/sh", "-c", "read line; /bin/sh -c '/bin/sh -c \"exit 4\"; exit 6'; exit 0");
        Watch w = monitor.watchTree((int) root.pid(), "fork,exit");
        try (OutputStream in = root.getOutputStream()) {
            in.write('\n');
        }
        assertEquals(0, Spawn.waitFor(root));
        MonitorEvent rootExit = await(e -> e.event() instanceof ProcEvent.Exit && e.event().pid() == root.pid(), "root exit");
        assertTrue(hasWatch(rootExit, w.id()));
        MonitorEvent childFork = await(e -> e.event() instanceof ProcEvent.Fork f && f.pid() == root.pid(), "child fork");
        int child = ((ProcEvent.Fork) childFork.event()).childPid();
        MonitorEvent grandFork = await(e -> e.event() instanceof ProcEvent.Fork f && f.pid() == child, "grandchild fork");
        int grandchild = ((ProcEvent.Fork) grandFork.event()).childPid();
        MonitorEvent grandExit = await(e -> e.event() instanceof ProcEvent.Exit && e.event().pid() == grandchild,
                "grandchild exit");
        assertEquals(4, ((ProcEvent.Exit) grandExit.event()).status().exitCode());
        assertEquals(child, grandExit.ppid());
        assertTrue(hasWatch(grandExit, w.id()));
        MonitorEvent childExit = await(e -> e.event() instanceof ProcEvent.Exit && e.event().pid() == child, "child exit");
        assertEquals(6, ((ProcEvent.Exit) childExit.event()).status().exitCode());
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!w.ended() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(w.ended(), "the tree watch ends with its last process");
        assertEquals(0, w.exitStatus().exitCode(), "the root's status");
    }

    @Test
    void theEventThreadsRunBoostedAndNothingElse() throws Exception {
        long self = ProcessHandle.current().pid();
        int boost = MonitorSettings.DEFAULT_PRIORITY_BOOST;
        if (KernelTests.hasCapability(KernelTests.CAP_SYS_NICE)) {
            assertEquals("nice -" + boost, monitor.priority());
            assertEquals(-boost, ThreadNice.of(self, "taskwatch-reader"), "the kernel's word for the reader");
            assertEquals(-boost, ThreadNice.of(self, "taskwatch-delivery"));
        } else { // the threads go on at the normal priority, and say why
            assertTrue(monitor.priority().startsWith("not boosted: setpriority(nice -" + boost + ")")
                    && monitor.priority().contains("CAP_SYS_NICE"), monitor.priority());
            assertEquals(0, ThreadNice.of(self, "taskwatch-reader"));
        }
        assertEquals(0, ThreadNice.ofThisThread(), "the caller's thread is left alone");
    }

    @Test
    void eventsNameTheCommandEvenOfAProcessGoneBeforeDelivery() throws Exception {
        // a subshell forks, never execs, and is gone (reaped) by the time its exit is delivered; a
        // second child renames itself (a comm event), then exits
        String script = "read line; (exit 3); (printf renamed > /proc/self/comm; sleep 0.2; exit 2); exit 0";
        Process root = Spawn.start("/bin/sh", "-c", script);
        int rootPid = (int) root.pid();
        monitor.watchTree(rootPid, "fork,exit,comm");
        try (OutputStream in = root.getOutputStream()) {
            in.write('\n');
        }
        assertEquals(0, Spawn.waitFor(root));
        MonitorEvent subshellExit = await(e -> e.event() instanceof ProcEvent.Exit x && x.ppid() == rootPid
                && x.status().exitCode() == 3, "the subshell's exit 3");
        assertEquals("sh", subshellExit.comm(), "a forked child runs its parent's command");
        assertEquals("/bin/sh -c " + script, subshellExit.cmdline());
        assertEquals(rootPid, subshellExit.ppid());
        MonitorEvent renamed = await(e -> e.event() instanceof ProcEvent.Comm c && "renamed".equals(c.comm()),
                "the comm event");
        assertEquals("renamed", renamed.comm());
        MonitorEvent renamedExit = await(e -> e.event() instanceof ProcEvent.Exit x
                && x.tgid() == renamed.event().tgid(), "the renamed child's exit");
        assertEquals(2, ((ProcEvent.Exit) renamedExit.event()).status().exitCode());
        assertEquals("renamed", renamedExit.comm(), "the exit names the process as it was renamed");
        assertEquals(rootPid, renamedExit.ppid());
    }

    @Test
    void aWatchOfExitsOnlyTellsWhatAProcessGoneBeforeDeliveryRan() throws Exception {
        // the exec is not delivered (exits only), yet the exit tells the command it ran; the
        // child is reaped by its parent before its exit is delivered, so /proc cannot tell it then
        Process root = Spawn.start("/bin/sh", "-c", "read line; /bin/sh -c 'sleep 0.3; exit 5'; exit 0");
        int rootPid = (int) root.pid();
        Watch w = monitor.watchTree(rootPid, "exit");
        try (OutputStream in = root.getOutputStream()) {
            in.write('\n');
        }
        assertEquals(0, Spawn.waitFor(root));
        MonitorEvent exit = await(e -> e.event() instanceof ProcEvent.Exit x && x.ppid() == rootPid
                && x.status().exitCode() == 5, "the child's exit 5");
        assertTrue(hasWatch(exit, w.id()));
        assertEquals("/bin/sh -c sleep 0.3; exit 5", exit.cmdline());
        assertEquals("sh", exit.comm());
        assertTrue(delivered.matching(e -> !(e.event() instanceof ProcEvent.Exit) && hasWatch(e, w.id())).isEmpty(),
                "the watch got its exits only");
    }

    /** The children of {@code parent} once there are {@code n} and each runs {@code comm} (its exec done). */
    private static List<ProcessHandle> childrenRunning(Process parent, int n, String comm) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            List<ProcessHandle> cs = parent.children().toList();
            if (cs.size() == n && cs.stream().allMatch(c -> comm.equals(procText(c.pid(), "comm")))) {
                return cs;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no " + n + " children running " + comm + " of " + parent.pid());
    }

    /** {@code /proc/PID/NAME} as the events tell it (NULs as spaces, no trailing newline), or null when gone. */
    private static String procText(long pid, String name) {
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/" + name));
            return name.equals("cmdline") ? s.replaceAll("\\x00+$", "").replace('\0', ' ') : s.strip();
        } catch (java.io.IOException gone) {
            return null;
        }
    }

    @Test
    void aTreeWatchOfExitsTellsTheCommandOfADescendantAliveBeforeItBegan() throws Exception {
        // the children ran their exec before the watch: no event of the watch told their
        // command; their parent reaps them at once, so /proc cannot tell it at their exit either
        Process root = Spawn.start("/bin/sh", "-c", "/bin/sleep 300 & /bin/sleep 301 & wait");
        int rootPid = (int) root.pid();
        try {
            List<ProcessHandle> children = childrenRunning(root, 2, "sleep");
            ProcessHandle child = children.get(0);
            int childPid = (int) child.pid();
            String cmdline = procText(childPid, "cmdline");
            String exe = Files.readSymbolicLink(Path.of("/proc/" + childPid + "/exe")).toString();
            assertTrue(cmdline.startsWith("/bin/sleep 30"), cmdline);
            String cgroup = monitor.processStatus(childPid).cgroup().path(); // "" without cgroups
            Watch w = monitor.watchTree(rootPid, "exit");
            child.destroy(); // SIGTERM
            MonitorEvent exit = await(e -> e.event() instanceof ProcEvent.Exit x && x.tgid() == childPid,
                    "the existing child's exit");
            assertTrue(hasWatch(exit, w.id()));
            assertEquals(15, ((ProcEvent.Exit) exit.event()).status().signal());
            assertEquals("sleep", exit.comm(), "its name, read when the watch took it in");
            assertEquals(cmdline, exit.cmdline());
            assertEquals(exe, exit.exe());
            assertEquals(rootPid, exit.ppid());
            assertEquals(cgroup, exit.cgroup().path(), "its cgroup");
            assertTrue(monitor.unwatch(w.id()));
        } finally {
            root.descendants().forEach(ProcessHandle::destroy);
            root.destroy();
            Spawn.waitFor(root);
        }
    }

    @Test
    void aWatchOfEveryProcessTellsTheCommandOfOneAliveBeforeItBegan() throws Exception {
        // pid 1's tree: every process, none of them found by a tree scan; its own monitor (its
        // events would reach the other tests' watches' listener)
        Process root = Spawn.start("/bin/sh", "-c", "/bin/sleep 302 & wait");
        try (TaskMonitor m = TaskMonitor.start(MonitorSettings.defaults())) {
            DeliveredEvents seen = new DeliveredEvents();
            m.addListener(seen);
            ProcessHandle child = childrenRunning(root, 1, "sleep").get(0);
            int childPid = (int) child.pid();
            String cmdline = procText(childPid, "cmdline");
            Watch w = m.watchTree(1, "exit");
            child.destroy();
            MonitorEvent exit = seen.await(e -> e.event() instanceof ProcEvent.Exit x && x.tgid() == childPid,
                    Duration.ofSeconds(10), "the existing process's exit");
            assertTrue(hasWatch(exit, w.id()));
            assertEquals("sleep", exit.comm());
            assertEquals(cmdline, exit.cmdline());
        } finally {
            root.descendants().forEach(ProcessHandle::destroy);
            root.destroy();
            Spawn.waitFor(root);
        }
    }

    @Test
    void aProcessWatchOfExitsTellsTheCommandItExecedLast() throws Exception {
        // one pid: the kernel filter lets its exec through for the exit to tell (kernelFilter=counted)
        Process p = Spawn.start("/bin/sh", "-c", "read line; exec /bin/sh -c 'sleep 0.3; exit 6'");
        Watch w = monitor.watch((int) p.pid(), "exit");
        try (OutputStream in = p.getOutputStream()) {
            in.write('\n');
        }
        assertEquals(6, Spawn.waitFor(p));
        MonitorEvent exit = await(e -> e.event() instanceof ProcEvent.Exit && hasWatch(e, w.id()), "its exit");
        assertEquals("/bin/sh -c sleep 0.3; exit 6", exit.cmdline(), "not the command it ran when watched");
    }

    @Test
    void anExecNamesTheParentOfThatMomentNotTheOneAtFork() throws Exception {
        // a daemon's pattern: the first parent exits, the child is reparented, then execs
        Process root = Spawn.start("/bin/sh", "-c", "read line; (sleep 0.3; exec /bin/true) & exit 0");
        int rootPid = (int) root.pid();
        monitor.watchTree(rootPid, "fork,exec,exit");
        try (OutputStream in = root.getOutputStream()) {
            in.write('\n');
        }
        assertEquals(0, Spawn.waitFor(root));
        MonitorEvent fork = await(e -> e.event() instanceof ProcEvent.Fork f && f.pid() == rootPid, "the fork");
        int daemon = ((ProcEvent.Fork) fork.event()).childTgid();
        MonitorEvent exec = await(e -> e.event() instanceof ProcEvent.Exec && e.event().tgid() == daemon,
                "the daemon's exec");
        assertEquals("true", exec.comm());
        assertTrue(exec.ppid() > 0 && exec.ppid() != rootPid,
                "reparented when its parent exited, before the exec: ppid " + exec.ppid());
    }

    @Test
    void commandWatchCatchesAFutureExec() throws Exception {
        Path dir = Files.createTempDirectory("taskwatch-cmd");
        Path marker = dir.resolve("tw-marker-4711");
        Files.copy(Path.of("/bin/sh"), marker, StandardCopyOption.COPY_ATTRIBUTES);
        try {
            Watch w = monitor.watchCommand("tw-marker-[0-9]+", "exec,exit");
            Process p = Spawn.start("/bin/sh", "-c", "exec " + marker + " -c 'sleep 0.3; exit 12'");
            assertEquals(12, Spawn.waitFor(p));
            MonitorEvent exit = await(e -> e.event() instanceof ProcEvent.Exit && e.event().pid() == p.pid(), "exit");
            assertEquals(12, ((ProcEvent.Exit) exit.event()).status().exitCode());
            // the shell's exec matches too (the marker is in its command line), but /proc is read
            // after the event and may already show the marker, or nothing while the second exec
            // runs: the marker's own exec is the last one
            List<MonitorEvent> execs = delivered.matching(e -> e.event() instanceof ProcEvent.Exec && e.event().pid() == p.pid());
            MonitorEvent exec = execs.get(execs.size() - 1);
            assertTrue(hasWatch(exec, w.id()));
            // what the reader read to match the pattern is what the notification tells
            assertEquals("tw-marker-4711", exec.comm());
            assertEquals(marker.toString(), exec.exe());
            assertEquals(marker + " -c sleep 0.3; exit 12", exec.cmdline());
            assertEquals(ProcessHandle.current().pid(), exec.ppid());
            assertTrue(monitor.unwatch(w.id()));
        } finally {
            Files.delete(marker);
            Files.delete(dir);
        }
    }

    @Test
    void aCommandWatchsExitTellsTheProgramItsProcessRanLast() throws Exception {
        // the shell matches the pattern (its command line has the marker) and waits; then it execs
        // a program that does not match: still a member, its exit tells what it ran last
        Watch w = monitor.watchCommand("tw-cmdlast-4713", "exit");
        try {
            Process p = Spawn.start("/bin/sh", "-c", "read line; exec /bin/sleep 0.3 # tw-cmdlast-4713");
            try (OutputStream in = p.getOutputStream()) {
                in.write('\n');
            }
            assertEquals(0, Spawn.waitFor(p));
            MonitorEvent exit = await(e -> e.event() instanceof ProcEvent.Exit && e.event().pid() == p.pid(), "its exit");
            assertTrue(hasWatch(exit, w.id()));
            assertEquals("/bin/sleep 0.3", exit.cmdline(), "not the command that matched");
            assertEquals("sleep", exit.comm());
            assertEquals(Path.of("/bin/sleep").toRealPath().toString(), exit.exe());
        } finally {
            monitor.unwatch(w.id());
        }
    }

    @Test
    void aDeclaredCommandWatchsExitTellsTheCommandOfAProcessThatRanBeforeIt() throws Exception {
        // a service running before the agent: the declared watch adopts it from /proc; killed and
        // reaped at once, /proc cannot tell its command at the exit, so it is read as it joins
        Path dir = Files.createTempDirectory("taskwatch-svc");
        Path program = dir.resolve("tw-svc-4714");
        Files.copy(Path.of("/bin/sleep"), program, StandardCopyOption.COPY_ATTRIBUTES);
        Process p = Spawn.start(program.toString(), "300");
        try {
            Path exe = Path.of("/proc/" + p.pid() + "/exe");
            for (int i = 0; i < 100 && !program.equals(Files.readSymbolicLink(exe)); i++) {
                Thread.sleep(20);
            }
            String declared = monitor.services().apply(List.of(new ServiceSpec("tw-svc", ServiceSpec.Kind.COMMAND,
                    "tw-svc-4714", false, ServiceSpec.requiredMask(ServiceSpec.Kind.COMMAND), Expectation.parse("0:"),
                    10, 3, 60, 30)));
            ServiceWatch svc = monitor.services().get("tw-svc");
            assertEquals(1, monitor.services().snapshot(svc).running(), declared);
            p.destroyForcibly().waitFor(); // SIGKILL; the JVM reaps it at once
            ServiceWatch.LastExit last = null;
            for (int i = 0; i < 500 && (last = monitor.services().snapshot(svc).lastNonZeroExit()) == null; i++) {
                Thread.sleep(20);
            }
            assertTrue(last != null, "no exit seen");
            assertEquals(p.pid(), last.pid());
            assertEquals(program + " 300", last.command(), "the command line it ran, read when the watch adopted it");
        } finally {
            monitor.services().apply(List.of());
            p.destroyForcibly().waitFor();
            Files.delete(program);
            Files.delete(dir);
        }
    }

    @Test
    void everyExitOfAJobThatFailsAtOnceIsMatched() throws Exception {
        // A script that exits 1 a fraction of a millisecond after its exec is often gone before
        // /proc is read for the command watch (about 1 in 10 here); its name at exit (taskstats)
        // matches it instead. The count comes from the runner, the name from the script's file.
        assertTrue(monitor.exitNames().startsWith("taskstats"), monitor.exitNames());
        Path dir = Files.createTempDirectory("taskwatch-fail");
        String name = "twx" + ProcessHandle.current().pid() % 100000 + ".sh";
        Path job = dir.resolve(name);
        Path runner = dir.resolve("runner");
        Files.writeString(job, "#!/bin/sh\nexit 1\n");
        job.toFile().setExecutable(true);
        int runs = 200;
        Files.writeString(runner, "i=0; while [ $i -lt " + runs + " ]; do " + job + "; i=$((i+1)); done\n");
        try {
            Watch w = monitor.watchCommand(name.replace(".", "\\."), "exit");
            Process loop = Spawn.start("/bin/sh", runner.toString()); // its command line names only the runner
            assertEquals(0, Spawn.waitFor(loop));
            Process marker = Spawn.sh("sleep 0.3"); // its exit is read after every job's
            assertTrue(monitor.waitForExit((int) marker.pid(), 5000).exited());
            Spawn.waitFor(marker);
            List<MonitorEvent> exits = List.of();
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (exits.size() < runs && System.nanoTime() < deadline) {
                Thread.sleep(20); // delivery runs behind the reader
                exits = delivered.matching(e -> hasWatch(e, w.id()));
            }
            assertEquals(runs, exits.size(), "every job's exit, once");
            for (MonitorEvent e : exits) {
                assertEquals(1, ((ProcEvent.Exit) e.event()).status().exitCode(), e.toString());
                assertEquals(name, e.comm(), "the job's name, not its parent's: " + e);
            }
            assertTrue(monitor.unwatch(w.id()));
        } finally {
            Files.delete(job);
            Files.delete(runner);
            Files.delete(dir);
        }
    }

    @Test
    void theTaskstatsListenerIsOpenOnlyWhileCommandWatchesExist() throws Exception {
        try (TaskMonitor m = TaskMonitor.start(MonitorSettings.defaults())) {
            int before = OpenFiles.genericNetlinkSockets();
            Watch a = m.watchCommand("tw-nothing-[0-9]+", "exit");
            assertEquals(before + 1, OpenFiles.genericNetlinkSockets(), "opened by the first command watch");
            Watch b = m.watchCommand("tw-nothing-else", "exit");
            assertEquals(before + 1, OpenFiles.genericNetlinkSockets(), "one listener for all of them");
            m.unwatch(a.id());
            m.unwatch(b.id());
            Process p = Spawn.sh("sleep 0.2"); // events, so the reader takes a batch
            assertTrue(m.waitForExit((int) p.pid(), 5000).exited());
            assertEquals(before, OpenFiles.genericNetlinkSockets(), "closed by the reader once the last one went");
        }
    }

    @Test
    void concurrentRegistrationWhileEventsFlow() throws Exception {
        Process storm = Spawn.start("/bin/sh", "-c", "i=0; while [ $i -lt 400 ]; do /bin/true; i=$((i+1)); done");
        List<Process> targets = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            targets.add(Spawn.start("/bin/sleep", "30"));
        }
        int before = monitor.watchCount();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(4);
        for (Process t : targets) {
            new Thread(() -> {
                try {
                    for (int i = 0; i < 200; i++) {
                        Watch w = monitor.watch((int) t.pid(), "exit");
                        assertTrue(monitor.unwatch(w.id()));
                    }
                } catch (Throwable e) {
                    failure.set(e);
                } finally {
                    done.countDown();
                }
            }).start();
        }
        done.await();
        assertEquals(0, Spawn.waitFor(storm));
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(before, monitor.watchCount());
        Watch last = monitor.watch((int) targets.get(0).pid(), "exit");
        for (Process t : targets) {
            t.destroyForcibly().waitFor();
        }
        MonitorEvent exit = await(e -> e.event() instanceof ProcEvent.Exit && e.event().pid() == targets.get(0).pid(),
                "exit after churn");
        assertTrue(hasWatch(exit, last.id()));
        assertEquals(9, ((ProcEvent.Exit) exit.event()).status().signal());
        for (int i = 1; i < targets.size(); i++) {
            long pid = targets.get(i).pid();
            assertEquals(List.of(), delivered.matching(e -> e.event().pid() == pid), "unwatched target delivered");
        }
        assertTrue(monitor.statistics().count(EventType.EXEC) >= 400);
        assertEquals(0, monitor.statistics().lost());
    }

    @Test
    void aReusedPidIsNotMatched() throws Exception {
        KernelTests.require(KernelTests.isRoot(), "choosing the next pid (ns_last_pid) needs root");
        Process a = Spawn.start("/bin/sleep", "30");
        int pid = (int) a.pid();
        Watch w = monitor.watchTree(pid, "fork,exec,exit");
        a.destroyForcibly();
        assertEquals(137, Spawn.waitFor(a));
        await(e -> e.event().type() == EventType.EXIT && e.event().tgid() == pid, "exit of the first " + pid);
        // make the kernel hand out the same pid again (the next fork gets ns_last_pid + 1)
        Process b = null;
        for (int attempt = 0; attempt < 20 && (b == null || b.pid() != pid); attempt++) {
            if (b != null) {
                Spawn.waitFor(b);
            }
            Files.writeString(Path.of("/proc/sys/kernel/ns_last_pid"), Integer.toString(pid - 1));
            b = Spawn.start("/bin/sh", "-c", "sleep 0.2; exit 5");
        }
        assertEquals(pid, b.pid(), "the pid was reused");
        assertEquals(5, Spawn.waitFor(b));
        // everything about b is delivered before this marker's exit; waited for while it still
        // runs (once reaped, the reader might not have recorded its exit yet)
        Process marker = Spawn.sh("sleep 0.3");
        monitor.waitForExit((int) marker.pid(), 5000);
        Spawn.waitFor(marker);
        Thread.sleep(300);
        long about = delivered.matching(e -> e.event().tgid() == pid || e.event().pid() == pid).size();
        assertEquals(1, about, "only the first process's exit, nothing of the newcomer: " + delivered);
        assertTrue(w.ended(), "the tree watch ended with its root");
    }
}
