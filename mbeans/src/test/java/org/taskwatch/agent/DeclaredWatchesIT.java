package org.taskwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Declared watches as an operator runs them: an agent started with a configuration file that
 * declares a command watch (two sleeps), a pid-file watch (a daemon script that rewrites its pid
 * file when restarted) and a crash-looping script; read over remote JMX and Jolokia, and checked
 * against what the test did and what /proc says. Then the agent is restarted with SIGTERM, and
 * reloaded with SIGHUP (a watch added, one removed, one unchanged, and a broken file).
 */
class DeclaredWatchesIT {
    private static final ObjectName MONITOR = AgentProcess.objectName("org.taskwatch:type=Monitor");
    private static final Duration WAIT = Duration.ofSeconds(60); // a bound, not a speed: the machine may be loaded

    @TempDir
    Path dir;
    private final List<Process> spawned = new ArrayList<>();
    private final String tag = Long.toString(100_000 + ThreadLocalRandom.current().nextInt(800_000));

    @BeforeAll
    static void kernel() {
        AgentProcess.requireConnector();
    }

    @AfterEach
    void stopSpawned() {
        for (Process p : spawned) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
    }

    private Process spawn(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        spawned.add(p);
        return p;
    }

    private static ObjectName watch(String name) {
        return AgentProcess.objectName("org.taskwatch:type=Watch,name=" + name);
    }

    /** The pid file's daemon: writes its pid, then runs until killed. */
    private Process daemon(Path pidfile) throws IOException {
        return spawn("sh", "-c", "echo $$ > " + pidfile + "; exec sleep 86" + tag);
    }

    private String config(String... watches) {
        return String.join("\n", "jmx.port = " + free(), "jolokia.port = " + free(), String.join("\n", watches)) + "\n";
    }

    private static int free() {
        try {
            return AgentProcess.freePort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private String sleepers() {
        return "watch.sleepers.match = command:^sleep 3600" + tag + "$\nwatch.sleepers.expect = 2:3";
    }

    private String pidfileWatch(Path pidfile) {
        return "watch.daemon.match = pidfile:" + pidfile;
    }

    /** How many processes /proc shows whose command line matches (not zombies): the independent count. */
    private static int procCount(String regex) throws IOException {
        Pattern p = Pattern.compile(regex);
        int n = 0;
        try (var s = Files.list(Path.of("/proc"))) {
            for (Path d : s.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    byte[] c = Files.readAllBytes(d.resolve("cmdline"));
                    String stat = Files.readString(d.resolve("stat"));
                    char state = stat.charAt(stat.lastIndexOf(')') + 2);
                    String cmd = new String(c, StandardCharsets.UTF_8).replace('\0', ' ').trim();
                    if (state != 'Z' && p.matcher(cmd).find()) {
                        n++;
                    }
                } catch (IOException gone) {
                    // exited meanwhile
                }
            }
        }
        return n;
    }

    private static void await(String what, BooleanSupplier ok) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT + ": " + what);
            }
            Thread.sleep(50);
        }
    }

    private static Object attr(MBeanServerConnection mbs, ObjectName n, String a) {
        try {
            return mbs.getAttribute(n, a);
        } catch (Exception e) {
            throw new AssertionError(n + " " + a + ": " + e, e);
        }
    }

    private static long num(MBeanServerConnection mbs, ObjectName n, String a) {
        return ((Number) attr(mbs, n, a)).longValue();
    }

    private static void hangUp(AgentProcess a) throws IOException, InterruptedException {
        assertEquals(0, new ProcessBuilder("kill", "-HUP", Long.toString(a.process.pid())).start().waitFor());
    }

    @Test
    void countsEqualWhatTheTestDidAndWhatProcSays() throws Exception {
        Path pidfile = dir.resolve("daemon.pid");
        Path crasher = dir.resolve("crasher-" + tag + ".sh");
        Files.writeString(crasher, "sleep 1\nexit 3\n");
        Path conf = dir.resolve("taskwatch.properties");
        String crashWatch = "watch.crasher.match = command:crasher-" + tag + "\\\\.sh\nwatch.crasher.expect = 0:";
        spawn("sleep", "3600" + tag);
        spawn("sleep", "3600" + tag);
        Process d1 = daemon(pidfile);
        await("the daemon wrote its pid file", () -> ServiceWatchesPidFile.read(pidfile) == d1.pid());
        Files.writeString(conf, config(sleepers(), pidfileWatch(pidfile), crashWatch));

        try (AgentProcess a = AgentProcess.start("--config", conf.toString())) {
            assertTrue(a.output().contains("declared watches crasher (command:crasher-" + tag + "\\.sh), daemon (pidfile:"
                    + pidfile + "), sleepers (command:^sleep 3600" + tag + "$)"), a.output());
            try (JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(a.jmxUrl))) {
                MBeanServerConnection mbs = c.getMBeanServerConnection();
                List<javax.management.openmbean.CompositeData> exits = new java.util.concurrent.CopyOnWriteArrayList<>();
                mbs.addNotificationListener(MONITOR, (n, hb) -> {
                    if (n.getType().equals("taskwatch.process.exit")) {
                        exits.add((javax.management.openmbean.CompositeData) n.getUserData());
                    }
                }, null, null);
                // seeded by the scan at start: right from the first read
                assertEquals(2, procCount("^sleep 3600" + tag + "$"));
                assertEquals(2L, num(mbs, watch("sleepers"), "Running"));
                assertEquals("ok", attr(mbs, watch("sleepers"), "State"));
                assertEquals(1L, num(mbs, watch("daemon"), "Running"));
                assertEquals(d1.pid(), num(mbs, watch("daemon"), "Pid"));
                assertEquals(-1L, num(mbs, watch("daemon"), "LastExitCode"), "no exit seen: none guessed");
                assertArrayEquals(new String[] {"crasher", "daemon", "sleepers"},
                        (String[]) attr(mbs, MONITOR, "DeclaredWatches"));

                // a sleeper killed: one exit by signal, the count below the expectation
                Process victim = spawned.get(0);
                victim.destroy(); // SIGTERM
                victim.waitFor();
                await("the sleepers' exit counted", () -> num(mbs, watch("sleepers"), "Exits") == 1);
                assertEquals(1L, num(mbs, watch("sleepers"), "SignalExits"));
                assertEquals(15L, num(mbs, watch("sleepers"), "LastExitSignal"));
                assertEquals(0L, num(mbs, watch("sleepers"), "LastExitCode"), "as notifications decode it");
                assertEquals(victim.pid(), num(mbs, watch("sleepers"), "LastExitPid"));
                await("the exit notification", () -> exits.stream().anyMatch(d -> (Integer) d.get("tgid") == victim.pid()));
                javax.management.openmbean.CompositeData note = exits.stream()
                        .filter(d -> (Integer) d.get("tgid") == victim.pid()).findFirst().orElseThrow();
                assertArrayEquals(new String[] {"sleepers"}, (String[]) note.get("watchNames"));
                assertEquals(15, note.get("signal"), "decoded as the MBean decodes it");
                assertEquals(procCount("^sleep 3600" + tag + "$"), num(mbs, watch("sleepers"), "Running"));
                assertEquals("critical", attr(mbs, watch("sleepers"), "State"));
                assertEquals("1 running, expected 2:3", attr(mbs, watch("sleepers"), "Reason"));
                // a third one: running again, one start
                spawn("sleep", "3600" + tag);
                await("the new sleeper counted", () -> num(mbs, watch("sleepers"), "Running") == 2);
                assertEquals(2, procCount("^sleep 3600" + tag + "$"));
                assertEquals(1L, num(mbs, watch("sleepers"), "Starts"));
                assertEquals(1L, num(mbs, watch("sleepers"), "Restarts"), "a start within 60 s of an exit");
                assertEquals("warning", attr(mbs, watch("sleepers"), "State"), "a non-zero exit within 300 s");

                // the daemon restarted: the watch follows the new pid in its file
                d1.destroy();
                d1.waitFor();
                Process d2 = daemon(pidfile);
                await("the daemon's new pid followed", () -> num(mbs, watch("daemon"), "Pid") == d2.pid());
                await("running 1", () -> num(mbs, watch("daemon"), "Running") == 1);
                assertEquals(1L, num(mbs, watch("daemon"), "Exits"));
                assertEquals(1L, num(mbs, watch("daemon"), "SignalExits"));
                assertEquals(d1.pid(), num(mbs, watch("daemon"), "LastExitPid"));
                assertEquals(1L, num(mbs, watch("daemon"), "Starts"));
                assertEquals(1L, num(mbs, watch("daemon"), "Restarts"));

                // a crash loop: 6 runs of a script that exits 3, each started 0.1 s after the last ended
                // (from a script: a 'sh -c' command line naming the crasher would match the watch itself)
                Path supervisor = dir.resolve("supervisor.sh");
                Files.writeString(supervisor, "for i in 1 2 3 4 5 6; do sh " + crasher + "; sleep 0.1; done\n");
                Process loop = spawn("sh", supervisor.toString());
                assertEquals(0, loop.waitFor());
                await("6 exits of the crasher", () -> num(mbs, watch("crasher"), "Exits") >= 6);
                assertEquals(6L, num(mbs, watch("crasher"), "Exits"), String.valueOf(attr(mbs, watch("crasher"), "LastExit")));
                assertEquals(6L, num(mbs, watch("crasher"), "Starts"));
                assertEquals(6L, num(mbs, watch("crasher"), "NonZeroExits"));
                assertEquals(3L, num(mbs, watch("crasher"), "LastExitCode"));
                assertEquals(5L, num(mbs, watch("crasher"), "Restarts"));
                assertEquals(true, attr(mbs, watch("crasher"), "CrashLoop"));
                assertEquals("critical", attr(mbs, watch("crasher"), "State"));
                assertTrue(((String) attr(mbs, watch("crasher"), "Reason")).startsWith("crash loop: 5 restarts within "));
                assertEquals(0L, num(mbs, watch("crasher"), "Running"), "its sleep children left it at their exec");
                assertEquals(0, procCount("crasher-" + tag));

                // Jolokia sees the same, and a notification's name is in the MBean's words
                Map<String, Object> r = new JolokiaClient(a.jolokiaUrl).post("{\"type\":\"exec\",\"mbean\":"
                        + "\"org.taskwatch:type=Monitor\",\"operation\":\"watchState\",\"arguments\":[\"crasher\"]}");
                @SuppressWarnings("unchecked")
                Map<String, Object> v = (Map<String, Object>) JolokiaClient.value(r);
                assertEquals(6L, ((Number) v.get("exits")).longValue());
                assertEquals("critical", v.get("state"));
            }
        }
    }

    private static void assertArrayEquals(String[] expected, String[] actual) {
        assertEquals(Arrays.asList(expected), Arrays.asList(actual));
    }

    @Test
    void afterARestartTheNamesComeBackAndAWatchGoneMeanwhileSaysSo() throws Exception {
        Path pidfile = dir.resolve("daemon.pid");
        Path conf = dir.resolve("taskwatch.properties");
        spawn("sleep", "3600" + tag);
        spawn("sleep", "3600" + tag);
        Process d = daemon(pidfile);
        await("the daemon wrote its pid file", () -> ServiceWatchesPidFile.read(pidfile) == d.pid());
        Files.writeString(conf, config(sleepers(), pidfileWatch(pidfile)));
        try (AgentProcess a = AgentProcess.start("--config", conf.toString());
                JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(a.jmxUrl))) {
            assertEquals(1L, num(c.getMBeanServerConnection(), watch("daemon"), "Running"));
        } // SIGTERM, exit 0 (checked by close)
        d.destroy(); // while the agent is down
        d.waitFor();
        Files.writeString(conf, config(sleepers(), pidfileWatch(pidfile)));
        try (AgentProcess a = AgentProcess.start("--config", conf.toString());
                JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(a.jmxUrl))) {
            MBeanServerConnection mbs = c.getMBeanServerConnection();
            assertEquals(2L, num(mbs, watch("sleepers"), "Running"), "from the first read");
            assertEquals(0L, num(mbs, watch("daemon"), "Running"));
            assertEquals("critical", attr(mbs, watch("daemon"), "State"));
            assertEquals("0 running, expected 1:: not running since before the agent started",
                    attr(mbs, watch("daemon"), "Reason"));
            assertEquals("", attr(mbs, watch("daemon"), "LastExit"), "never a guessed status");
            assertEquals(-1L, num(mbs, watch("daemon"), "LastExitCode"));
        }
    }

    @Test
    void sighupAddsRemovesKeepsAndABrokenFileChangesNothing() throws Exception {
        Path conf = dir.resolve("taskwatch.properties");
        Process s1 = spawn("sleep", "3600" + tag);
        spawn("sleep", "3600" + tag);
        String old = "watch.old.match = pid:" + s1.pid();
        String head = config("maxWatches = 3");
        Files.writeString(conf, head + sleepers() + "\n" + old + "\n");
        try (AgentProcess a = AgentProcess.start("--config", conf.toString());
                JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(a.jmxUrl))) {
            MBeanServerConnection mbs = c.getMBeanServerConnection();
            spawn("sleep", "3600" + tag);
            await("a start counted", () -> num(mbs, watch("sleepers"), "Starts") == 1);
            assertEquals(3L, num(mbs, watch("sleepers"), "Running"));
            long id = findTableId(mbs, "^sleep 3600" + tag + "$");
            Exception refused = assertThrows(Exception.class, () -> mbs.invoke(MONITOR, "unwatch",
                    new Object[] {id}, new String[] {"long"}));
            assertTrue(refused.getMessage().contains("is the declared watch 'sleepers': it ends only when it is removed"
                    + " from the agent's configuration file"), refused.toString());

            // added, removed, unchanged (the same lines: the same spec keeps its state and counters)
            Files.writeString(conf, head + sleepers() + "\nwatch.added.match = tree:" + s1.pid() + "\n");
            hangUp(a);
            await("the reload applied", () -> String.valueOf(attr(mbs, MONITOR, "ConfigStatus"))
                    .contains("(1 added, 0 changed, 1 removed, 1 unchanged)"));
            assertTrue(mbs.isRegistered(watch("added")));
            assertFalse(mbs.isRegistered(watch("old")));
            assertEquals(1L, num(mbs, watch("sleepers"), "Starts"), "kept its counters");
            assertEquals(3L, num(mbs, watch("sleepers"), "Running"));
            assertEquals(1L, num(mbs, watch("added"), "Running"));
            a.awaitOutput("reloaded " + conf, WAIT);

            // a broken file: nothing changes, the agent says why and keeps running
            Files.writeString(conf, head + sleepers() + "\nwatch.added.match = tree:" + s1.pid()
                    + "\nwatch.broken.match = command:(\n");
            hangUp(a);
            await("the failed reload said so", () -> String.valueOf(attr(mbs, MONITOR, "ConfigStatus"))
                    .contains("failed, nothing changed"));
            String status = (String) attr(mbs, MONITOR, "ConfigStatus");
            assertTrue(status.contains("config file " + conf + ": watch.broken.match: invalid regex '('"), status);
            a.awaitOutput("watch.broken.match: invalid regex", WAIT);
            assertFalse(mbs.isRegistered(watch("broken")));
            assertArrayEquals(new String[] {"added", "sleepers"}, (String[]) attr(mbs, MONITOR, "DeclaredWatches"));
            assertEquals(1L, num(mbs, watch("sleepers"), "Starts"));
            assertTrue(a.process.isAlive());

            // a file the running agent cannot apply (more watches than maxWatches): all or nothing
            Files.writeString(conf, head + sleepers() + "\nwatch.added.match = tree:" + s1.pid()
                    + "\nwatch.x1.match = command:^x1" + tag + "\nwatch.x2.match = command:^x2" + tag + "\n");
            hangUp(a);
            await("the second failed reload said so", () -> String.valueOf(attr(mbs, MONITOR, "ConfigStatus"))
                    .contains("watch.x2.match: too many watches: the limit is 3"));
            assertArrayEquals(new String[] {"added", "sleepers"}, (String[]) attr(mbs, MONITOR, "DeclaredWatches"));
            assertEquals(2L, num(mbs, MONITOR, "WatchCount"), "x1, made before x2 failed, was ended again");
            assertFalse(mbs.isRegistered(watch("x1")));
            assertEquals(1L, num(mbs, watch("sleepers"), "Starts"));
        }
    }

    /** The id of the table watch behind a declared command watch, from the Watches table. */
    private static long findTableId(MBeanServerConnection mbs, String target) {
        var t = (javax.management.openmbean.TabularData) attr(mbs, MONITOR, "Watches");
        for (Object row : t.values()) {
            var r = (javax.management.openmbean.CompositeData) row;
            if (target.equals(r.get("target"))) {
                return (Long) r.get("id");
            }
        }
        throw new AssertionError("no watch on " + target + " in " + t);
    }

    @Test
    void aBadDeclarationStopsTheAgentNamingTheFileAndKey() throws Exception {
        Path conf = dir.resolve("taskwatch.properties");
        Files.writeString(conf, config("watch.web.match = command:^nginx", "watch.web.expect = 8:1"));
        try (AgentProcess a = AgentProcess.start("--config", conf.toString())) {
            assertEquals(USAGE, a.awaitExit(), a.output());
            assertTrue(a.output().contains("config file " + conf + ": watch.web.expect: range '8:1': start 8 is greater"
                    + " than end 1"), a.output());
        }
    }

    private static final int USAGE = 2;

    /** Reads a pid file as the agent does. */
    private static final class ServiceWatchesPidFile {
        static long read(Path p) {
            try {
                return Long.parseLong(Files.readString(p).trim());
            } catch (IOException | NumberFormatException e) {
                return 0;
            }
        }
    }
}
