package org.taskwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.taskwatch.kernel.KernelVersion;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.OutputLines;
import org.taskwatch.testing.Spawn;
import org.taskwatch.testing.TestCgroups;

/** The CLI as a user runs it: a separate JVM, real processes, real signals. */
class CliProcessTest {
    private static Process taskwatch(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /**
     * Waits until {@code p} runs its monitor: it has a {@code taskwatch-reader} thread, which
     * starts once the connector is subscribed; what follows (a registration) takes milliseconds.
     */
    private static void awaitReader(Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Path tasks = Path.of("/proc", Long.toString(p.pid()), "task");
        while (true) {
            assertTrue(p.isAlive(), "taskwatch ended before its reader started");
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(tasks)) {
                for (Path t : ds) {
                    try {
                        if (Files.readString(t.resolve("comm")).trim().equals("taskwatch-reade")) {
                            Thread.sleep(300); // the registration right after the start
                            return;
                        }
                    } catch (IOException gone) {
                        // that thread ended while we looked
                    }
                }
            }
            assertTrue(System.nanoTime() < deadline, "no taskwatch-reader thread within 30 s");
            Thread.sleep(20);
        }
    }

    @Test
    void eventsJsonShowsExitThree() throws Exception {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6), "needs the connector");
        Process tw = taskwatch("events", "--json", "--types", "exit");
        OutputLines out = OutputLines.of(tw.getInputStream());
        awaitReader(tw);
        // the watch is registered right after the reader starts, which a loaded machine may delay:
        // a process that ends before it is not shown, so another is run until one is
        String found = null;
        long pid = -1;
        List<Long> ran = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (found == null && System.nanoTime() < deadline) {
            Process p = Spawn.sh("exit 3");
            ran.add(p.pid());
            assertEquals(3, Spawn.waitFor(p));
            long shown = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (found == null && System.nanoTime() < shown) {
                for (String l : out.lines()) {
                    for (long r : ran) {
                        if (l.contains("\"pid\":" + r + ",") && l.contains("\"ppid\":" + ProcessHandle.current().pid() + ",")) {
                            found = l;
                            pid = r;
                        }
                    }
                }
                Thread.sleep(50);
            }
        }
        assertTrue(found != null, "no exit of the " + ran.size() + " shells it ran within 30 s");
        tw.destroy(); // SIGTERM: the shutdown hook sends IGNORE
        assertTrue(tw.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, tw.exitValue(), "a clean stop on SIGTERM");
        assertTrue(found.startsWith("{\"type\":\"exit\""), found);
        assertTrue(found.contains("\"exitCode\":3,"), found);
        assertTrue(found.contains("\"signal\":0,"), found);
        assertTrue(found.contains("\"tgid\":" + pid + ","), found);
        assertTrue(found.contains("\"ppid\":" + ProcessHandle.current().pid() + ","), found);
    }

    @Test
    void eventsMasksPasswordsWithTheDefaultRule() throws Exception {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6), "needs the connector");
        String tag = "cli" + ProcessHandle.current().pid() + "x" + System.nanoTime() % 100_000;
        Process tw = taskwatch("events", "--json", "--command", tag);
        OutputLines out = OutputLines.of(tw.getInputStream());
        awaitReader(tw);
        // the watch is registered right after the reader starts, which a loaded machine may delay:
        // a process exec'd before it is not shown, so another is run until one is
        Process p = null;
        String exec = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (exec == null && System.nanoTime() < deadline) {
            if (p != null) {
                p.destroy();
            }
            p = Spawn.start("sh", "-c", "read line; exit 3", tag, "--password=hunter2");
            try {
                exec = out.await("\"pid\":" + p.pid() + ",", Duration.ofSeconds(3));
            } catch (AssertionError notShown) {
                // registered after this one's exec
            }
        }
        assertTrue(exec != null, "no exec shown within 30 s: " + out.lines());
        try {
            try (OutputStream in = p.getOutputStream()) {
                in.write('\n');
            }
            assertEquals(3, Spawn.waitFor(p));
            String exit = out.await("\"exitCode\":3,", Duration.ofSeconds(30));
            assertTrue(exit.contains("\"pid\":" + p.pid() + ","), exit);
            for (String line : List.of(exec, exit)) {
                assertTrue(line.contains(tag + " --password=***"), line);
                assertTrue(!line.contains("hunter2"), line);
            }
        } finally {
            p.destroy();
            tw.destroy();
            assertTrue(tw.waitFor(10, TimeUnit.SECONDS));
        }
        assertEquals(0, tw.exitValue(), "a clean stop on SIGTERM");
    }

    @Test
    void eventsOfAUnitOnlyWithItsCgroupInTheJson() throws Exception {
        TestCgroups.require();
        long self = ProcessHandle.current().pid();
        String unit = "tw-cli-" + self + ".service";
        String cgroup = "/taskwatch-cli-" + self + ".slice/" + unit;
        try (TestCgroups cgroups = new TestCgroups()) {
            cgroups.create(cgroup);
            Process tw = taskwatch("events", "--json", "--types", "exec,exit", "--unit", unit);
            OutputLines out = OutputLines.of(tw.getInputStream());
            awaitReader(tw);
            // one process outside the unit and one moved into it (it joins at its exec), until one is
            // shown from its exec on: one moved in before the watch was registered (a loaded machine
            // may register late) is found by the watch's scan, but its exec may be over by then
            String found = null;
            List<Long> outside = new ArrayList<>();
            long inside = -1;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (found == null && System.nanoTime() < deadline) {
                Process other = Spawn.sh("exit 2");
                outside.add(other.pid());
                Process p = Spawn.sh("read l; exec /bin/sh -c 'exit 6'");
                cgroups.move(cgroup, p.pid());
                assertEquals(cgroup, TestCgroups.of(p.pid()), "what the kernel says");
                try (OutputStream in = p.getOutputStream()) {
                    in.write('\n');
                }
                assertEquals(6, Spawn.waitFor(p));
                assertEquals(2, Spawn.waitFor(other));
                long shown = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                while (found == null && System.nanoTime() < shown) {
                    for (String l : out.lines()) {
                        if (l.startsWith("{\"type\":\"exit\"") && l.contains("\"pid\":" + p.pid() + ",")
                                && l.contains("\"cmdline\":\"/bin/sh -c exit 6\"")) {
                            found = l;
                            inside = p.pid();
                        }
                    }
                    Thread.sleep(50);
                }
            }
            tw.destroy();
            assertTrue(tw.waitFor(10, TimeUnit.SECONDS));
            assertEquals(0, tw.exitValue(), "a clean stop on SIGTERM");
            assertTrue(found != null, "no exit of a process in the unit within 30 s: " + out.lines());
            assertTrue(found.contains("\"exitCode\":6,"), found);
            assertTrue(found.contains("\"cgroup\":\"" + cgroup + "\",\"unit\":\"" + unit + "\",\"container\":\"\""), found);
            for (String l : out.lines()) {
                for (long o : outside) {
                    assertTrue(!l.contains("\"pid\":" + o + ","), "a process outside the unit was shown: " + l);
                }
            }
            assertTrue(out.lines().stream().anyMatch(l -> l.startsWith("{\"type\":\"exec\"") && l.contains("\"unit\":\"" + unit)),
                    "its exec, which made it a member, is shown too");
            assertTrue(inside > 0);
        }
    }

    @Test
    void waitReturnsTheStatusOfANonChild() throws Exception {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6), "needs the connector");
        Process p = Spawn.sh("read line; exit 5");
        Process tw = taskwatch("wait", Long.toString(p.pid()));
        awaitReader(tw);
        try (OutputStream in = p.getOutputStream()) {
            in.write('\n');
        }
        String out = new String(tw.getInputStream().readAllBytes());
        assertTrue(tw.waitFor(20, TimeUnit.SECONDS));
        assertEquals(5, tw.exitValue(), out);
        assertTrue(out.contains("pid " + p.pid() + ": exit 5"), out);

        Process killed = Spawn.start("/bin/sleep", "30");
        Process tw2 = taskwatch("wait", Long.toString(killed.pid()));
        awaitReader(tw2); // killed before it waits, the sleep would be "no such process"
        killed.destroyForcibly();
        String out2 = new String(tw2.getInputStream().readAllBytes());
        assertTrue(tw2.waitFor(20, TimeUnit.SECONDS));
        assertEquals(128 + 9, tw2.exitValue(), out2);
        assertTrue(out2.contains("killed by SIGKILL"), out2);
    }

    @Test
    void waitTimeoutAndNoSuchProcessAndUsage() throws Exception {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6), "needs the connector");
        Process sleeper = Spawn.start("/bin/sleep", "30");
        Process tw = taskwatch("wait", Long.toString(sleeper.pid()), "--timeout", "1");
        tw.getInputStream().readAllBytes();
        assertTrue(tw.waitFor(20, TimeUnit.SECONDS));
        assertEquals(3, tw.exitValue());
        sleeper.destroyForcibly().waitFor();

        Process none = taskwatch("wait", "2147483646");
        String out = new String(none.getInputStream().readAllBytes());
        assertTrue(none.waitFor(20, TimeUnit.SECONDS));
        assertEquals(4, none.exitValue(), out);
        assertTrue(out.contains("no such process"), out);

        Process bad = taskwatch("events", "--types", "fork,bogus");
        String err = new String(bad.getInputStream().readAllBytes());
        assertTrue(bad.waitFor(20, TimeUnit.SECONDS));
        assertEquals(2, bad.exitValue());
        assertTrue(err.contains("'bogus'"), err);

        // refused by the monitor once it runs (its shutdown hook, set by then, keeps the status)
        Process refused = taskwatch("events", "--command", "(");
        String why = new String(refused.getInputStream().readAllBytes());
        assertTrue(refused.waitFor(20, TimeUnit.SECONDS));
        assertEquals(2, refused.exitValue(), why);
        assertTrue(why.contains("invalid pattern '('"), why);
    }
}
