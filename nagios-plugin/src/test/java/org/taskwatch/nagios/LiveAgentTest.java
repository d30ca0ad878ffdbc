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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskwatch.agent.AgentProcess;
import org.taskwatch.kernel.KernelVersion;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.Spawn;

/**
 * End to end: check_taskwatch (its own JVM) against a live taskwatch agent (its own JVM, as
 * {@code ./taskwatch agent}) serving Jolokia, about real processes this test starts, kills and
 * lets exit with codes it chose. The truths asserted come from the test's own processes.
 */
class LiveAgentTest {
    private static AgentProcess agent;
    private static String url;

    @BeforeAll
    static void start() throws Exception {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6), "the agent needs the proc connector");
        // a big recent-exit cache: other load on the machine must not push our exits out of it
        agent = AgentProcess.launch("--no-jmx", "--jolokia-port", "0", "--set", "recentExits=1048576");
        url = agent.awaitJolokiaUrl(30);
    }

    @AfterAll
    static void stop() {
        if (agent != null) {
            assertEquals(0, agent.stop(), "the agent stops cleanly on SIGTERM");
        }
    }

    private static Plugin.Run check(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("-U", url));
        Plugin.Run r = run(all.toArray(new String[0]));
        if (all.contains("--raw")) {
            return r;
        }
        if (all.contains("-v") || all.contains("-vv")) {
            assertTrue(Plugin.STATUS_LINE.matcher(r.line()).matches(), r.toString());
            return r;
        }
        return wellFormed(r);
    }

    private static String marker() {
        return Integer.toString(ThreadLocalRandom.current().nextInt(100_000, 1_000_000));
    }

    @Test
    void healthOfARunningAgent() throws Exception {
        Plugin.Run r = check("--health", "-w", "1000000000");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.text().startsWith("agent ok; event source netlink, "), r.text());
        assertTrue(r.perfdata().matches("'lost'=[0-9]+;1000000000;;0 'lost_total'=[0-9]+c"), r.perfdata());
    }

    @Test
    void aliveWhileRunningCriticalOnceKilled(@TempDir Path dir) throws Exception {
        Process sleeper = Spawn.start("/bin/sleep", "300");
        long pid = sleeper.pid();
        Plugin.Run running = check("--alive", Long.toString(pid));
        assertEquals(0, running.exit(), running.toString());
        assertEquals("process " + pid + " (sleep) is running", running.text());
        Path pidfile = dir.resolve("sleep.pid");
        Files.writeString(pidfile, pid + "\n");
        assertEquals(0, check("--pidfile", pidfile.toString()).exit());

        sleeper.destroyForcibly(); // SIGKILL: the truth the plugin must report
        assertEquals(137, Spawn.waitFor(sleeper));
        Plugin.Run killed = check("--alive", Long.toString(pid));
        assertEquals(2, killed.exit(), killed.toString());
        assertEquals("process " + pid + " exited: killed by SIGKILL", killed.text());
        assertEquals("'alive'=0;;;0;1", killed.perfdata());
        Plugin.Run viaPidfile = check("--pidfile", pidfile.toString());
        assertEquals(2, viaPidfile.exit());
        assertEquals("process " + pid + " from " + pidfile + " exited: killed by SIGKILL", viaPidfile.text());
    }

    @Test
    void aliveNamesTheExitStatus() throws Exception {
        Process p = Spawn.sh("exit 3");
        assertEquals(3, Spawn.waitFor(p));
        Plugin.Run r = check("--alive", Long.toString(p.pid()));
        assertEquals(2, r.exit(), r.toString());
        assertEquals("process " + p.pid() + " exited: exit status 3", r.text());
    }

    @Test
    void commandCountsTheSleepsThisTestStarted() throws Exception {
        String seconds = "3600." + marker();
        String regex = "^/bin/sleep " + seconds.replace(".", "\\.") + "$";
        List<Process> sleeps = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                sleeps.add(Spawn.start("/bin/sleep", seconds));
            }
            Plugin.Run three = check("--command", regex);
            assertEquals(0, three.exit(), three.toString());
            assertEquals("3 processes match '" + regex + "'", three.text());
            assertEquals("'running'=3;;1:;0", three.perfdata());
            assertEquals("3\n", check("--command", regex, "--raw").stdout());
            // ranges at their edges, with 3 running
            assertEquals(0, check("--command", regex, "-w", "3:3", "-c", "3:").exit(), "3 within 3..3 and 3..");
            assertEquals(1, check("--command", regex, "-w", "4:", "-c", "3:").exit(), "3 below 4: is WARNING");
            assertEquals(2, check("--command", regex, "-w", "4:", "-c", "4:").exit());
            assertEquals(2, check("--command", regex, "-c", "@3:5").exit(), "@ includes its start");
            assertEquals(0, check("--command", regex, "-c", "@4:5").exit());
            assertEquals(1, check("--command", regex, "-w", "2", "-c", "3").exit(), "3 above 0..2, within 0..3");
            assertEquals(1, check("--command", regex, "-w", "~:2").exit());

            // unanchored, the pattern also matches this check's own command line: still 3
            String loose = "sleep " + seconds;
            Plugin.Run self = check("--command", loose, "-v");
            assertTrue(self.text().startsWith("3 processes match '" + loose + "'"), self.text());
            assertTrue(self.text().contains("not counting check_taskwatch itself"), self.text());

            sleeps.get(0).destroyForcibly();
            Spawn.waitFor(sleeps.get(0));
            Plugin.Run two = check("--command", regex, "-c", "3:");
            assertEquals(2, two.exit(), two.toString());
            assertEquals("2 processes match '" + regex + "'", two.text());
        } finally {
            for (Process p : sleeps) {
                p.destroyForcibly();
                Spawn.waitFor(p);
            }
        }
        Plugin.Run none = check("--command", regex);
        assertEquals(2, none.exit());
        assertEquals("no process matches '" + regex + "'", none.text());
    }

    @Test
    void nonZeroExitsSeesTheTwoExitOnes() throws Exception {
        // each lives 0.2 s: the pattern is on the command line, which only /proc has at exec (a
        // process gone by then is matched by its name at exit alone: README, Design)
        String tag = "twmark" + marker();
        String regex = "^/bin/sh -c sleep 0\\.2; exit [01]; : " + tag + "$";
        Plugin.Run first = check("--exits", regex, "--nonzero", "--window", "600");
        assertEquals(0, first.exit(), first.toString());
        assertTrue(first.text().startsWith("0 non-zero exits of processes matching '" + regex + "' in the last 600 s"),
                first.text());
        for (int i = 0; i < 2; i++) {
            assertEquals(1, Spawn.waitFor(Spawn.sh("sleep 0.2; exit 1; : " + tag)));
        }
        assertEquals(0, Spawn.waitFor(Spawn.sh("sleep 0.2; exit 0; : " + tag)));
        // the agent reads the exits asynchronously: give it a moment
        Plugin.Run r = null;
        for (int i = 0; i < 50; i++) {
            r = check("--exits", regex, "--nonzero", "--window", "600", "--raw");
            if (r.stdout().equals("2\n")) {
                break;
            }
            Thread.sleep(100);
        }
        assertEquals("2\n", r.stdout(), r.toString());
        Plugin.Run warn = check("--exits", regex, "--nonzero", "--window", "600", "-c", "2");
        assertEquals(1, warn.exit(), "default -w 0 warns; 2 is within -c 2: " + warn);
        assertTrue(warn.text().startsWith("2 non-zero exits of processes matching '" + regex + "' in the last 600 s,"
                + " last exit status 0"), warn.text());
        assertEquals("'exits'=3;;;0 'nonzero_exits'=2;0;2;0", warn.perfdata());
        assertEquals(2, check("--exits", regex, "--nonzero", "--window", "600", "-c", "1").exit());
        assertEquals(0, check("--exits", regex, "--window", "600", "-w", "3").exit(), "3 exits in all, within 0..3");
        assertEquals(1, check("--exits", regex, "--window", "600", "-w", "2").exit());

        Plugin.Run refused = check("--exits", tag, "--nonzero");
        assertEquals(3, refused.exit(), "an unanchored pattern that matches the check itself is refused");
    }

    @Test
    void nonZeroExitsCountsJobsThatFailAtOnce(@TempDir Path dir) throws Exception {
        // a script that exits 1 a fraction of a millisecond after its exec is often gone before
        // /proc is read; its name at exit (taskstats, the agent runs as root here) matches it
        String name = "twf" + marker() + ".sh"; // its comm: the script's file name
        Path job = dir.resolve(name);
        Files.writeString(job, "#!/bin/sh\nexit 1\n");
        assertTrue(job.toFile().setExecutable(true));
        Path runner = dir.resolve("runner");
        int runs = 50;
        Files.writeString(runner, "i=0; while [ $i -lt " + runs + " ]; do " + job + "; i=$((i+1)); done\n");
        String regex = "^" + name.replace(".", "\\.") + "$";
        assertEquals(0, check("--exits", regex, "--nonzero", "--window", "600").exit(), "starts the history");
        assertEquals(0, Spawn.waitFor(Spawn.start("/bin/sh", runner.toString())));
        Plugin.Run r = null;
        for (int i = 0; i < 50; i++) {
            r = check("--exits", regex, "--nonzero", "--window", "600", "--raw");
            if (r.stdout().equals(runs + "\n")) {
                break;
            }
            Thread.sleep(100);
        }
        assertEquals(runs + "\n", r.stdout(), "every one of the " + runs + " jobs: " + r);
    }

    @Test
    void rateCountsTheExecsThisTestMade() throws Exception {
        for (int i = 0; i < 20; i++) {
            assertEquals(0, Spawn.waitFor(Spawn.start("/bin/true")));
        }
        Plugin.Run r = check("--rate", "exec", "--window", "60", "-vv");
        assertEquals(0, r.exit(), r.toString());
        Matcher m = Pattern.compile("eventCounts: .*execs=([0-9]+) .*coveredSeconds=([0-9]+)").matcher(r.stdout());
        assertTrue(m.find(), r.stdout());
        long execs = Long.parseLong(m.group(1));
        long covered = Long.parseLong(m.group(2));
        assertTrue(execs >= 20, "20 execs of /bin/true in the window, the agent counted " + execs);
        assertTrue(covered >= 1 && covered <= 60, "covered " + covered);
        String rate = new java.math.BigDecimal(execs).divide(new java.math.BigDecimal(covered), 2,
                java.math.RoundingMode.HALF_UP).toPlainString();
        assertTrue(r.line().contains(rate + " execs per second over the last " + covered + " s"), r.line());
        assertTrue(r.perfdata().startsWith("'exec_rate'=" + rate + ";;;0"), r.perfdata());
    }

    @Test
    void basicAuthThenADeadAgent() throws Exception {
        try (AgentProcess secured = AgentProcess.launch("--no-jmx", "--jolokia-port", "0", "--set", "jolokia.user=nagios",
                "--set", "jolokia.password=s3cret")) {
            String securedUrl = secured.awaitJolokiaUrl(30);
            Plugin.Run denied = wellFormed(run("--health", "-U", securedUrl));
            assertEquals(3, denied.exit(), denied.toString());
            assertTrue(denied.text().startsWith("HTTP 401"), denied.text());
            Plugin.Run wrong = wellFormed(run("--health", "-U", securedUrl, "--user", "nagios", "--password", "nope"));
            assertEquals(3, wrong.exit());
            Plugin.Run ok = wellFormed(run("--health", "-w", "1000000000", "-U", securedUrl, "--user", "nagios",
                    "--password", "s3cret"));
            assertEquals(0, ok.exit(), ok.toString());

            assertEquals(0, secured.stop());
            Plugin.Run dead = wellFormed(run("--health", "-U", securedUrl));
            assertEquals(3, dead.exit());
            assertEquals("cannot connect to the taskwatch agent at " + securedUrl
                    + ": connection refused (is the agent running with Jolokia on this port?)", dead.text());
        }
    }
}
