package org.taskwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.taskwatch.kernel.KernelVersion;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.Spawn;

/** The CLI as a user runs it: a separate JVM, real processes, real signals. */
class CliProcessTest {
    private static Process taskwatch(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    @Test
    void eventsJsonShowsExitThree() throws Exception {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6), "needs the connector");
        Process tw = taskwatch("events", "--json", "--types", "exit");
        BufferedReader out = new BufferedReader(new InputStreamReader(tw.getInputStream()));
        Thread.sleep(1500); // the JVM starts and subscribes
        Process p = Spawn.sh("exit 3");
        long pid = p.pid();
        assertEquals(3, Spawn.waitFor(p));
        String line;
        String found = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (found == null && System.nanoTime() < deadline && (line = out.readLine()) != null) {
            if (line.contains("\"pid\":" + pid + ",")) {
                found = line;
            }
        }
        tw.destroy(); // SIGTERM: the shutdown hook sends IGNORE
        assertTrue(tw.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, tw.exitValue(), "a clean stop on SIGTERM");
        assertTrue(found != null, "no JSON line for pid " + pid);
        assertTrue(found.startsWith("{\"type\":\"exit\""), found);
        assertTrue(found.contains("\"exitCode\":3,"), found);
        assertTrue(found.contains("\"signal\":0,"), found);
        assertTrue(found.contains("\"tgid\":" + pid + ","), found);
        assertTrue(found.contains("\"ppid\":" + ProcessHandle.current().pid() + ","), found);
    }

    @Test
    void waitReturnsTheStatusOfANonChild() throws Exception {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6), "needs the connector");
        Process p = Spawn.sh("sleep 2; exit 5");
        Process tw = taskwatch("wait", Long.toString(p.pid()));
        String out = new String(tw.getInputStream().readAllBytes());
        assertTrue(tw.waitFor(20, TimeUnit.SECONDS));
        assertEquals(5, tw.exitValue(), out);
        assertTrue(out.contains("pid " + p.pid() + ": exit 5"), out);

        Process killed = Spawn.start("/bin/sleep", "30");
        Process tw2 = taskwatch("wait", Long.toString(killed.pid()));
        Thread.sleep(1500);
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
    }
}
