package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.taskwatch.testing.KernelTests;

/**
 * {@code source=auto} where the proc connector is really out of reach: a JVM started by
 * {@code unshare} in a pid namespace of its own (as in a container), where the kernel ignores
 * LISTEN (docs/kernel.md, Privileges and namespaces). There {@code netlink} fails with the reason and {@code auto} falls back to
 * the /proc poller, which still reports a tracked child's exit status.
 */
class EventSourcesFallbackTest {
    @Test
    void autoFallsBackToProcfsInAnotherPidNamespace() throws Exception {
        KernelTests.require(KernelTests.isRoot(), "unshare of a pid namespace needs root");
        KernelTests.require(runs(List.of("unshare", "-pf", "--mount-proc", "true")), "unshare -pf does not work here");
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder("unshare", "-pf", "--mount-proc", java, "-cp",
                System.getProperty("java.class.path"), FallbackProbe.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("netlink=unavailable: the proc connector did not acknowledge LISTEN"), out);
        assertTrue(out.contains("source=procfs\n"), out);
        assertTrue(out.contains("reason=the proc connector did not acknowledge LISTEN"), out);
        boolean exitInfo = KernelVersion.running().atLeast(ProcPollSource.EXIT_INFO_MAJOR, ProcPollSource.EXIT_INFO_MINOR);
        assertTrue(out.contains("tracked=" + exitInfo + "\n"), out);
        assertTrue(out.contains(exitInfo ? "exit=exit 7\n" : "exit=exit status unknown\n"), out);
    }

    private static boolean runs(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
