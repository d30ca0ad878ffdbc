package org.taskwatch.nagios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.taskwatch.agent.AgentProcess;
import org.taskwatch.testing.Spawn;

/**
 * The agent pushing to a real Icinga 2 (Debian's {@code icinga2}, started here with its API on
 * loopback over TLS, see {@link Icinga2}), with the shipped CheckCommand and service templates:
 * a watched process that exits with the code this test chose arrives as CRITICAL with the text
 * {@code check_taskwatch --watch} prints; the shipped configuration passes
 * {@code icinga2 daemon -C} and its CheckCommand runs check_taskwatch as Icinga's user; results
 * made while Icinga is stopped arrive once it is back, with their own times; Icinga's "no" (404
 * for a service it does not have, 401 for a wrong password) is reported with its answer and not
 * retried. Prints the time from the exit to Icinga having the result.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IcingaLiveTest {
    private static final String TAG = Integer.toString(ThreadLocalRandom.current().nextInt(100_000, 1_000_000));
    private static final String HOST = "tw-" + TAG;
    private static final String ACTIVE_HOST = "tw-active-" + TAG;
    @TempDir
    static Path dir;
    private static Icinga2 icinga;
    private static AgentProcess agent;
    private static String jolokia;
    private static final List<Process> spawned = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        Icinga2.require();
        AgentProcess.requireConnector();
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        // the root launcher in a checkout laid out like the real one (the module's jar comes after
        // the tests), its class-data archive made once by the builder (root), readable by Icinga's user
        Path checkout = Files.createDirectories(dir.resolve("checkout"));
        Path launcher = LauncherTest.checkout(checkout);
        LauncherTest.jar(checkout);
        Plugin.Run built = Plugin.exec(List.of(launcher.toString(), "--version"), Map.of());
        assertEquals(3, built.exit(), built.toString());
        LauncherTest.awaitArchive(checkout);
        LauncherTest.makeReadable(checkout);
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        Files.createSymbolicLink(plugins.resolve("check_taskwatch"), launcher);
        int jolokiaPort = AgentProcess.freePort();
        String url = "http://127.0.0.1:" + jolokiaPort + "/jolokia/";
        spawned.add(Spawn.start("/bin/sleep", "93" + TAG));
        // the passive host (the agent pushes) and the active one (Icinga runs check_taskwatch)
        icinga = Icinga2.configure(dir.resolve("icinga"), plugins, String.join("\n",
                "object Host \"" + HOST + "\" { check_command = \"dummy\"; enable_active_checks = false",
                "  vars.taskwatch_watches = [ \"crash\", \"web\", \"job\", \"secret\" ] }",
                "object Host \"" + ACTIVE_HOST + "\" { check_command = \"dummy\"; enable_active_checks = false",
                "  vars.taskwatch_watches = [ \"web\" ]; vars.taskwatch_active = true",
                "  vars.taskwatch_url = \"" + url + "\" }"));
        Icinga2.Validation v = icinga.validate();
        assertTrue(v.passed(), v.output());
        icinga.start();
        Path conf = dir.resolve("taskwatch.properties");
        Files.writeString(conf, String.join("\n",
                "watch.crash.match = command:crash-" + TAG,
                "watch.crash.expect = 1:",
                "watch.web.match = command:^/bin/sleep 93" + TAG + "$",
                "watch.job.match = command:job-" + TAG,
                "watch.job.expect = 0:",
                "watch.secret.match = command:secret-" + TAG,
                "watch.secret.expect = 0:",
                "watch.orphan.match = command:orphan-" + TAG, // Icinga has no such service: 404
                "watch.orphan.expect = 0:",
                "icinga.url = " + icinga.url(),
                "icinga.user = taskwatch",
                "icinga.password = " + Icinga2.AGENT_PASSWORD,
                "icinga.caFile = " + icinga.caFile(),
                "icinga.host = " + HOST,
                "icinga.refreshSeconds = 10",
                "push.commandLines = true", ""));
        agent = AgentProcess.start("--config", conf.toString(), "--no-jmx", "--jolokia-port", Integer.toString(jolokiaPort));
        jolokia = agent.awaitJolokiaUrl(60);
        assertTrue(agent.output().contains("push to icinga localhost:" + icinga.port + " as host '" + HOST + "', with command lines (redacted)"), agent.output());
    }

    @AfterAll
    static void stop() throws Exception {
        spawned.forEach(Process::destroy);
        if (agent != null) {
            assertEquals(0, agent.stop(), "the agent stops cleanly on SIGTERM");
        }
        if (icinga != null) {
            icinga.stop();
        }
    }

    @Test
    @Order(1)
    void theShippedConfigurationPassesValidation() throws Exception {
        Icinga2.Validation v = icinga.validate(); // icinga2 daemon -C, with the shipped files included
        assertTrue(v.passed(), v.output());
        assertTrue(v.output().contains("Instantiated 5 Services"), v.output()); // 4 passive + 1 active from the apply rules
        assertFalse(v.output().contains("warning/"), v.output());
    }

    @Test
    @Order(3)
    void aWatchedCrashArrivesAsCriticalWithTheCheckText() throws Exception {
        // the watch expects one process: CRITICAL before it runs, OK while it runs. The crasher
        // waits on a FIFO (read is the shell's own: no child process) and exits 7 when told.
        Path go = dir.resolve("go-" + TAG);
        assertEquals("", Spawn.run(List.of("mkfifo", go.toString())));
        Path crasher = dir.resolve("crash-" + TAG + ".sh");
        Files.writeString(crasher, "read x < " + go + "\nexit 7\n");
        Process p = Spawn.start("/bin/sh", crasher.toString());
        Map<String, Object> ok = awaitResult(HOST, "crash", r -> state(r) == 0);
        assertEquals("TASKWATCH OK - crash: 1 running", ok.get("output"), ok.toString());
        Files.writeString(go, "go\n");
        assertEquals(7, Spawn.waitFor(p));
        long exited = System.currentTimeMillis();
        Map<String, Object> r = awaitResult(HOST, "crash", x -> state(x) == 2 && output(x).contains("pid " + p.pid() + " "));
        long arrived = System.currentTimeMillis();
        System.out.println("Icinga 2: exit -> CRITICAL on the server (seen by polling its API every 100 ms): "
                + (arrived - exited) + " ms");
        String output = output(r);
        assertTrue(output.startsWith("TASKWATCH CRITICAL - crash: 0 running, expected 1:; non-zero exit 0 s ago: pid "
                + p.pid() + " exit 7 at "), output);
        assertEquals(List.of("running=0;;1:;0", "exits=1c", "nonzero_exits=1c", "restarts=0c"), r.get("performance_data"));
        // the same text as check_taskwatch --watch (but for the seconds since, which move)
        Plugin.Run check = Plugin.run("--watch", "crash", "-U", jolokia);
        assertEquals(2, check.exit(), check.toString());
        assertEquals(output.replaceAll("[0-9]+ s ago", "N s ago"),
                check.stdout().strip().split(" \\| ")[0].replaceAll("[0-9]+ s ago", "N s ago"));
        assertEquals(check.perfdata(), "'running'=0;;1:;0 'exits'=1c 'nonzero_exits'=1c 'restarts'=0c");
        // the result carries the time of the exit
        double end = ((Number) r.get("execution_end")).doubleValue();
        assertTrue(Math.abs(end * 1000 - exited) < 5_000, end + " vs " + exited);
    }

    @Test
    @Order(4)
    void commandLinesAreRedacted() throws Exception {
        Path script = dir.resolve("secret-" + TAG + ".sh");
        // alive while the agent reads its command line at exec: a process gone before that is known
        // by its name only (README, command watches), and this test is about the command line
        Files.writeString(script, "sleep 0.3; exit 3\n");
        Process p = Spawn.start("/bin/sh", script.toString(), "--token", "s3cr3t-" + TAG);
        assertEquals(3, Spawn.waitFor(p));
        Map<String, Object> r = awaitResult(HOST, "secret", x -> output(x).contains("pid " + p.pid() + " "));
        assertEquals(1.0, ((Number) r.get("state")).doubleValue(), r.toString());
        assertTrue(output(r).contains("--token ***"), output(r));
        assertFalse(output(r).contains("s3cr3t"), output(r));
    }

    @Test
    @Order(5)
    void theShippedCheckCommandRunsCheckTaskwatchAsIcingasUser() throws Exception {
        icinga.checkNow(ACTIVE_HOST, "web");
        Map<String, Object> r = awaitResult(ACTIVE_HOST, "web", x -> x.get("command") != null);
        assertEquals("TASKWATCH OK - web: 1 running", output(r).strip(), r.toString());
        assertEquals(List.of("running=1;;1:;0", "exits=0c", "nonzero_exits=0c", "restarts=0c"), r.get("performance_data"));
        @SuppressWarnings("unchecked")
        List<Object> command = (List<Object>) r.get("command");
        assertEquals(List.of(dir.resolve("plugins/check_taskwatch").toString(), "--url", jolokiaUrl(), "--watch", "web"), command);
        List<String> users = icinga.users();
        assertFalse(users.isEmpty());
        assertTrue(users.stream().allMatch("nagios"::equals), "icinga2 runs (and runs its checks) as " + users);
        // the passive result of the same watch reads the same
        Map<String, Object> passive = awaitResult(HOST, "web", x -> true);
        assertEquals(output(r).strip(), output(passive));
        assertEquals(r.get("performance_data"), passive.get("performance_data"));
    }

    @Test
    @Order(6)
    void whatHappensWhileIcingaIsDownArrivesWhenItIsBack() throws Exception {
        icinga.stop();
        // each job waits until the agent has counted it running: one that exits at once may be gone
        // before the agent reads its command line at its exec, and its start would not be counted
        // (the restarts below were 0 once under load, the exits still counted from exit names)
        Path go = dir.resolve("release-" + TAG); // not "job-TAG": mkfifo's command line would match the watch
        assertEquals("", Spawn.run(List.of("mkfifo", go.toString())));
        Path job = dir.resolve("job-" + TAG + ".sh");
        Files.writeString(job, "read x < " + go + "\nexit 5\n");
        List<Long> pids = new ArrayList<>();
        long firstExit = 0;
        for (int i = 0; i < 3; i++) {
            Process p = Spawn.start("/bin/sh", job.toString());
            Plugin.runUntil("job: 1 running", "--watch", "job", "-U", jolokia);
            Files.writeString(go, "go\n");
            assertEquals(5, Spawn.waitFor(p));
            pids.add(p.pid());
            firstExit = firstExit == 0 ? System.currentTimeMillis() : firstExit;
            Plugin.runUntil("job: 0 running", "--watch", "job", "-U", jolokia);
        }
        // the agent could not send them: they wait in its queue
        awaitAttribute("PushQueued", v -> ((Number) v).longValue() >= 3);
        assertTrue(String.valueOf(attribute("PushStatus")).contains("unreachable"), String.valueOf(attribute("PushStatus")));
        // the operator's active check meanwhile: nothing lost yet, but the messages wait too long
        // (-w: the refusals of the orphan service, Order 2, are not what this looks at)
        String[] push = {"--push", "--max-wait", "1", "-w", "1000000", "-U", jolokia};
        Plugin.Run stuck = Plugin.runUntil("(more than 1 s)", push);
        assertEquals(1, stuck.exit(), stuck.toString());
        assertTrue(stuck.line().contains(" 0 dropped, "), stuck.toString());
        long back = System.currentTimeMillis();
        icinga.start();
        Map<String, Object> r = awaitResult(HOST, "job", x -> output(x).contains("pid " + pids.get(2) + " "));
        assertEquals(1.0, ((Number) r.get("state")).doubleValue(), r.toString());
        assertTrue(output(r).startsWith("TASKWATCH WARNING - job: 0 running; non-zero exit "), output(r));
        assertTrue(output(r).contains(" exit 5 at "), output(r));
        assertTrue(output(r).endsWith("; 2 restarts"), output(r)); // each run came within a minute of the last exit
        assertEquals(List.of("running=0;;0:;0", "exits=3c", "nonzero_exits=3c", "restarts=2c"), r.get("performance_data"));
        // it carries the time it happened, before Icinga came back
        assertTrue(((Number) r.get("execution_end")).doubleValue() * 1000 < back, r.toString());
        assertTrue(((Number) r.get("execution_end")).doubleValue() * 1000 >= firstExit - 1000, r.toString());
        awaitAttribute("PushQueued", v -> ((Number) v).longValue() == 0);
        assertEquals(0L, ((Number) attribute("PushDropped")).longValue());
        Plugin.Run delivered = Plugin.run(push);
        assertEquals(0, delivered.exit(), delivered.toString());
    }

    @Test
    @Order(2)
    void aServiceIcingaDoesNotHaveIsRefusedWithItsAnswerNotRetried() throws Exception {
        // "orphan" is declared in the agent, not in Icinga: 404 at the first push and every refresh
        awaitAttribute("PushStatus", v -> String.valueOf(v).contains("HTTP 404"));
        assertTrue(((Number) attribute("PushRefused")).longValue() > 0);
        String status = String.valueOf(attribute("PushStatus"));
        assertTrue(status.contains("HTTP 404 for service '" + HOST + "!orphan'"), status);
        assertTrue(status.contains("No objects found"), status);
        awaitAttribute("PushQueued", v -> ((Number) v).longValue() == 0); // not kept for another try
        assertTrue(agent.output().contains("refused"), agent.output());
    }

    @Test
    @Order(7)
    void aWrongPasswordIsRefusedWithIcingasAnswer() throws Exception {
        Path conf = dir.resolve("wrong.properties");
        Files.writeString(conf, String.join("\n",
                "watch.web.match = command:^/bin/sleep 93" + TAG + "$",
                "icinga.url = " + icinga.url(),
                "icinga.user = taskwatch",
                "icinga.password = not-the-password",
                "icinga.caFile = " + icinga.caFile(),
                "icinga.host = " + HOST, ""));
        try (AgentProcess wrong = AgentProcess.start("--config", conf.toString(), "--no-jmx", "--jolokia-port", "0")) {
            String url = wrong.awaitJolokiaUrl(60);
            Object status = awaitAttribute(url, "PushRefused", v -> ((Number) v).longValue() > 0);
            assertNotNull(status);
            String text = String.valueOf(attribute(url, "PushStatus"));
            assertTrue(text.contains("HTTP 401"), text);
            assertTrue(text.contains("Unauthorized"), text);
            awaitAttribute(url, "PushQueued", v -> ((Number) v).longValue() == 0);
            assertEquals(0L, ((Number) attribute(url, "PushDropped")).longValue());
            assertEquals(0, wrong.stop());
        }
    }

    // ---- helpers ----

    private static String jolokiaUrl() {
        return jolokia;
    }

    private static int state(Map<String, Object> r) {
        return ((Number) r.get("state")).intValue();
    }

    private static String output(Map<String, Object> r) {
        return String.valueOf(r.get("output"));
    }

    /** Polls the service's last result every 100 ms until {@code until} holds, at most 60 s. */
    private static Map<String, Object> awaitResult(String host, String service, Predicate<Map<String, Object>> until)
            throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        Map<String, Object> r = null;
        while (System.nanoTime() < deadline) {
            r = icinga.lastResult(host, service);
            if (r != null && until.test(r)) {
                return r;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no such result for " + host + "!" + service + " within 60 s; last " + r
                + "\nagent:\n" + agent.output());
    }

    private static Object attribute(String name) throws Exception {
        return attribute(jolokia, name);
    }

    @SuppressWarnings("unchecked")
    private static Object attribute(String url, String name) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(url + "read/org.taskwatch:type=Monitor/" + name)).build(), HttpResponse.BodyHandlers.ofString());
        return ((Map<String, Object>) Json.parse(r.body())).get("value");
    }

    private static Object awaitAttribute(String name, Predicate<Object> until) throws Exception {
        return awaitAttribute(jolokia, name, until);
    }

    private static Object awaitAttribute(String url, String name, Predicate<Object> until) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        Object v = null;
        while (System.nanoTime() < deadline) {
            v = attribute(url, name);
            if (v != null && until.test(v)) {
                return v;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(name + " did not come to the expected value within 60 s; last " + v + "; PushStatus "
                + attribute(url, "PushStatus"));
    }
}
