package org.taskwatch.nagios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.taskwatch.nagios.Plugin.run;
import static org.taskwatch.nagios.Plugin.wellFormed;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskwatch.agent.AgentProcess;
import org.taskwatch.kernel.KernelVersion;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.Spawn;

/**
 * {@code check_taskwatch --watch NAME} (its own JVM) against a live agent whose configuration
 * file declares the watches, in every state: OK, CRITICAL for a count outside the expectation
 * (and for one that never ran since the agent started), WARNING after a non-zero exit in the
 * window and OK once it is outside, CRITICAL for a crash loop, -w/-c in place of the
 * expectation, and UNKNOWN for a name not declared. The exits are the ones this test chose.
 */
class WatchCheckLiveTest {
    private static final String TAG = Integer.toString(ThreadLocalRandom.current().nextInt(100_000, 1_000_000));
    @TempDir
    static Path dir;
    private static AgentProcess agent;
    private static String url;
    private static final List<Process> spawned = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6), "the agent needs the proc connector");
        spawned.add(Spawn.start("/bin/sleep", "77" + TAG));
        Path conf = dir.resolve("taskwatch.properties");
        Files.writeString(conf, String.join("\n",
                "watch.web.match = command:^/bin/sleep 77" + TAG + "$",
                "watch.gone.match = command:^/bin/sleep 78" + TAG + "$",
                "watch.job.match = command:job-" + TAG,
                "watch.job.expect = 0:",
                "watch.loop.match = command:crasher-" + TAG,
                "watch.loop.expect = 0:", ""));
        agent = AgentProcess.start("--config", conf.toString(), "--no-jmx", "--jolokia-port", "0");
        url = agent.awaitJolokiaUrl(60);
    }

    @AfterAll
    static void stop() {
        spawned.forEach(Process::destroy);
        if (agent != null) {
            assertEquals(0, agent.stop(), "the agent stops cleanly on SIGTERM");
        }
    }

    private static Plugin.Run check(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("-U", url));
        return wellFormed(run(all.toArray(new String[0])));
    }

    /** Runs the check until its exit code is {@code state} (the agent counts on its own thread), at most a minute. */
    private static Plugin.Run awaitState(int state, String... args) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        Plugin.Run r;
        while ((r = check(args)).exit() != state && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        return r;
    }

    @Test
    void okWhileTheExpectedProcessesRun() throws Exception {
        Plugin.Run r = check("--watch", "web");
        assertEquals(0, r.exit(), r.toString());
        assertEquals("web: 1 running", r.text());
        assertEquals("'running'=1;;1:;0 'exits'=0c 'nonzero_exits'=0c 'restarts'=0c", r.perfdata());
        Plugin.Run raw = run("--watch", "web", "--raw", "-U", url);
        assertEquals("1\n", raw.stdout(), raw.toString());
    }

    @Test
    void thresholdsReplaceTheExpectation() throws Exception {
        Plugin.Run r = check("--watch", "web", "-w", "2:", "-c", "3:");
        assertEquals(2, r.exit(), r.toString());
        assertEquals("web: 1 running (outside the thresholds)", r.text());
        assertTrue(r.perfdata().startsWith("'running'=1;2:;3:;0 "), r.perfdata());
    }

    @Test
    void criticalWhenNothingRanSinceTheAgentStarted() throws Exception {
        Plugin.Run r = check("--watch", "gone");
        assertEquals(2, r.exit(), r.toString());
        assertEquals("gone: 0 running, expected 1:, not running since before the agent started", r.text());
    }

    @Test
    void warningAfterANonZeroExitInTheWindowOkAfter() throws Exception {
        Path job = dir.resolve("job-" + TAG + ".sh");
        Files.writeString(job, "sleep 1\nexit 4\n");
        Process p = Spawn.start("/bin/sh", job.toString());
        assertEquals(4, Spawn.waitFor(p));
        Plugin.Run r = awaitState(1, "--watch", "job");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.text().matches("job: 0 running; non-zero exit [0-9]+ s ago: pid " + p.pid() + " exit 4 at \\S+Z"
                + " \\(/bin/sh " + java.util.regex.Pattern.quote(job.toString()) + "\\)"), r.text());
        assertEquals("'running'=0;;0:;0 'exits'=1c 'nonzero_exits'=1c 'restarts'=0c", r.perfdata());
        Thread.sleep(2100); // the exit is now more than 1 s ago
        Plugin.Run later = check("--watch", "job", "--window", "1");
        assertEquals(0, later.exit(), later.toString());
        assertEquals("job: 0 running", later.text());
    }

    @Test
    void criticalWhileItCrashLoops() throws Exception {
        Path crasher = dir.resolve("crasher-" + TAG + ".sh");
        Files.writeString(crasher, "sleep 1\nexit 3\n");
        Path supervisor = dir.resolve("supervisor.sh"); // (its own command line does not name the crasher)
        Files.writeString(supervisor, "for i in 1 2 3 4 5 6; do sh " + crasher + "; sleep 0.1; done\n");
        assertEquals(0, Spawn.waitFor(Spawn.start("/bin/sh", supervisor.toString())));
        Plugin.Run r = awaitState(2, "--watch", "loop");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.text().startsWith("loop: 0 running; crash loop: 5 restarts within "), r.text());
        assertEquals("'running'=0;;0:;0 'exits'=6c 'nonzero_exits'=6c 'restarts'=5c", r.perfdata());
    }

    @Test
    void unknownForANameNotDeclared() throws Exception {
        Plugin.Run r = check("--watch", "nginx");
        assertEquals(3, r.exit(), r.toString());
        assertTrue(r.text().contains("no watch named 'nginx' is declared (declared: gone, job, loop, web)"), r.text());
    }
}
