package org.taskwatch.nagios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.taskwatch.agent.AgentProcess;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.Spawn;

/**
 * The agent writing passive results into a real Nagios' external command file (Debian's
 * {@code nagios4}, started here with a configuration in a temporary directory: Debian's stock
 * object templates, the shipped {@code nagios/taskwatch.cfg} with its passive service template,
 * and this test's host and services). What Nagios made of them is read from its status.dat
 * (current_state, plugin_output, performance_data), an independent source. Results made while
 * Nagios is stopped (its command file gone) arrive after it is started again.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NagiosPushLiveTest {
    private static final Path NAGIOS = Path.of("/usr/sbin/nagios4");
    private static final String TAG = Integer.toString(ThreadLocalRandom.current().nextInt(100_000, 1_000_000));
    private static final String HOST = "tw-" + TAG;
    @TempDir
    static Path dir;
    private static Path nagiosDir;
    private static Process nagios;
    private static AgentProcess agent;
    private static String jolokia;

    @BeforeAll
    static void start() throws Exception {
        KernelTests.require(Files.isExecutable(NAGIOS), "no " + NAGIOS + " (apt-get install nagios4-core)");
        KernelTests.require(KernelTests.isRoot(), "nagios4 is started as root and runs as nagios");
        AgentProcess.requireConnector();
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        nagiosDir = configure(dir.resolve("nagios"));
        startNagios();
        Path conf = dir.resolve("taskwatch.properties");
        Files.writeString(conf, String.join("\n",
                "watch.crash.match = command:crash-" + TAG,
                "watch.crash.expect = 1:",
                "watch.job.match = command:job-" + TAG,
                "watch.job.expect = 0:",
                "nagios.commandFile = " + nagiosDir.resolve("rw/nagios.cmd"),
                "nagios.host = " + HOST,
                "nagios.refreshSeconds = 10", ""));
        agent = AgentProcess.start("--config", conf.toString(), "--no-jmx", "--jolokia-port", "0");
        jolokia = agent.awaitJolokiaUrl(60);
    }

    @AfterAll
    static void stop() throws Exception {
        if (agent != null) {
            assertEquals(0, agent.stop(), "the agent stops cleanly on SIGTERM");
        }
        stopNagios();
    }

    /** nagios.cfg with everything in {@code d}; Debian's stock templates; the shipped sample; our host. */
    private static Path configure(Path d) throws Exception {
        for (String s : new String[] {"rw", "tmp", "checkresults"}) {
            Files.createDirectories(d.resolve(s));
        }
        Path sample = Files.copy(Path.of("nagios", "taskwatch.cfg"), d.resolve("taskwatch.cfg"));
        Files.writeString(d.resolve("objects.cfg"), String.join("\n",
                "define host {",
                "    use        linux-server",
                "    host_name  localhost",
                "    address    127.0.0.1",
                "}",
                "define host {",
                "    use        linux-server",
                "    host_name  " + HOST,
                "    address    127.0.0.1",
                "}",
                "define service {",
                "    use                  taskwatch-passive-service",
                "    host_name            " + HOST,
                "    service_description  crash",
                "}",
                "define service {",
                "    use                  taskwatch-passive-service",
                "    host_name            " + HOST,
                "    service_description  job",
                "}", ""));
        List<String> main = new ArrayList<>(List.of(
                "log_file=" + d.resolve("nagios.log"),
                "cfg_dir=/etc/nagios-plugins/config", // check-host-alive and the other plugin commands, as the stock file
                "cfg_file=/etc/nagios4/objects/commands.cfg",
                "cfg_file=/etc/nagios4/objects/contacts.cfg",
                "cfg_file=/etc/nagios4/objects/timeperiods.cfg",
                "cfg_file=/etc/nagios4/objects/templates.cfg",
                "cfg_file=" + sample,
                "cfg_file=" + d.resolve("objects.cfg"),
                "object_cache_file=" + d.resolve("objects.cache"),
                "precached_object_file=" + d.resolve("objects.precache"),
                "resource_file=/etc/nagios4/resource.cfg",
                "status_file=" + d.resolve("status.dat"),
                "status_update_interval=1",
                "nagios_user=nagios",
                "nagios_group=nagios",
                "check_external_commands=1",
                "command_file=" + d.resolve("rw/nagios.cmd"),
                "query_socket=" + d.resolve("rw/nagios.qh"),
                "lock_file=" + d.resolve("nagios.lock"),
                "temp_file=" + d.resolve("nagios.tmp"),
                "temp_path=" + d.resolve("tmp"),
                "check_result_path=" + d.resolve("checkresults"),
                "state_retention_file=" + d.resolve("retention.dat"),
                "retain_state_information=1",
                "use_syslog=0",
                "log_passive_checks=1",
                "log_external_commands=1",
                "accept_passive_service_checks=1",
                "execute_service_checks=0", // nothing active: only what the agent sends
                "execute_host_checks=0",
                "enable_notifications=0",
                "illegal_macro_output_chars=`~$&|'\"<>", ""));
        Files.write(d.resolve("nagios.cfg"), main, StandardCharsets.UTF_8);
        Spawn.run(List.of("chown", "-R", "nagios:nagios", d.toString()));
        Process v = new ProcessBuilder(NAGIOS.toString(), "-v", d.resolve("nagios.cfg").toString()).redirectErrorStream(true).start();
        String out = new String(v.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, v.waitFor(), out);
        return d;
    }

    private static void startNagios() throws Exception {
        Path fifo = nagiosDir.resolve("rw/nagios.cmd");
        // one left by the last run: wait for this Nagios' own. Before the start: deleted after it,
        // a fast Nagios' new FIFO could go instead, and with it every result written into it.
        Files.deleteIfExists(fifo);
        nagios = new ProcessBuilder(NAGIOS.toString(), nagiosDir.resolve("nagios.cfg").toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(nagiosDir.resolve("daemon.out").toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!Files.exists(fifo) || !Files.exists(nagiosDir.resolve("status.dat"))) {
            assertTrue(nagios.isAlive(), "nagios4 exited: " + Files.readString(nagiosDir.resolve("daemon.out")));
            assertTrue(System.nanoTime() < deadline, "nagios4 made no command file within 2 minutes");
            Thread.sleep(100);
        }
    }

    private static void stopNagios() throws Exception {
        if (nagios != null && nagios.isAlive()) {
            nagios.destroy(); // SIGTERM
            assertTrue(nagios.waitFor(60, TimeUnit.SECONDS), "nagios4 did not stop on SIGTERM");
        }
    }

    @Test
    @Order(1)
    void aWatchedCrashArrivesAsCritical() throws Exception {
        Path go = dir.resolve("go-" + TAG);
        assertEquals("", Spawn.run(List.of("mkfifo", go.toString())));
        Path crasher = dir.resolve("crash-" + TAG + ".sh");
        Files.writeString(crasher, "read x < " + go + "\nexit 9\n");
        Process p = Spawn.start("/bin/sh", crasher.toString());
        Map<String, String> ok = awaitStatus("crash", s -> "0".equals(s.get("current_state")));
        assertEquals("TASKWATCH OK - crash: 1 running", ok.get("plugin_output"), ok.toString());
        Files.writeString(go, "go\n");
        assertEquals(9, Spawn.waitFor(p));
        long exited = System.currentTimeMillis();
        Map<String, String> s = awaitStatus("crash", x -> x.get("plugin_output").contains("pid " + p.pid() + " "));
        System.out.println("Nagios: exit -> CRITICAL in status.dat (status_update_interval=1, read every 100 ms): "
                + (System.currentTimeMillis() - exited) + " ms");
        assertEquals("2", s.get("current_state"), s.toString());
        assertEquals("1", s.get("state_type"), s.toString()); // HARD: max_check_attempts 1
        assertEquals("1", s.get("has_been_checked"));
        assertEquals("1", s.get("check_type"), s.toString()); // passive
        // Nagios writes every check's ';' as ':' (its log separates fields with ';'), active or passive
        assertTrue(s.get("plugin_output").startsWith("TASKWATCH CRITICAL - crash: 0 running, expected 1:: non-zero exit 0 s ago: pid "
                + p.pid() + " exit 9 at "), s.toString());
        assertEquals("'running'=0;;1:;0 'exits'=1c 'nonzero_exits'=1c 'restarts'=0c", s.get("performance_data"));
        // as check_taskwatch --watch says it (push.commandLines is off: no command line pushed)
        Plugin.Run check = Plugin.run("--watch", "crash", "-U", jolokia);
        assertEquals(2, check.exit(), check.toString());
        assertEquals(check.perfdata(), s.get("performance_data"));
        assertEquals(check.line().split(" \\| ")[0].replaceAll(" \\(/bin/sh [^)]*\\)", "").replaceAll("[0-9]+ s ago", "N s ago").replace(';', ':'),
                s.get("plugin_output").replaceAll("[0-9]+ s ago", "N s ago"));
        assertTrue(Files.readString(nagiosDir.resolve("nagios.log")).contains("PASSIVE SERVICE CHECK: " + HOST + ";crash;2;"));
    }

    @Test
    @Order(2)
    void whatHappensWhileNagiosIsDownArrivesWhenItIsBack() throws Exception {
        stopNagios();
        // the job waits until the agent has counted it: one that exits at once may be gone before
        // the agent reads its command line at its exec, and would then not be matched at all
        Path go = dir.resolve("go-job-" + TAG);
        assertEquals("", Spawn.run(List.of("mkfifo", go.toString())));
        Path job = dir.resolve("job-" + TAG + ".sh");
        Files.writeString(job, "read x < " + go + "\nexit 6\n");
        Process p = Spawn.start("/bin/sh", job.toString());
        Plugin.runUntil("job: 1 running", "--watch", "job", "-U", jolokia);
        Files.writeString(go, "go\n");
        assertEquals(6, Spawn.waitFor(p));
        awaitQueued(n -> n >= 1);
        // Nagios 4.4 leaves its FIFO behind when it stops: nothing reads it, and an open for writing
        // would wait for ever; the agent gives up after 2 s and tries again later. A stop under load
        // may remove it a moment later: then there is no command file.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!nagiosDown(String.valueOf(attribute("PushStatus"))) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(nagiosDown(String.valueOf(attribute("PushStatus"))), String.valueOf(attribute("PushStatus")));
        long back = System.currentTimeMillis();
        startNagios();
        Map<String, String> s = awaitStatus("job", x -> x.get("plugin_output").contains("pid " + p.pid() + " "));
        assertEquals("1", s.get("current_state"), s.toString());
        assertTrue(s.get("plugin_output").startsWith("TASKWATCH WARNING - job: 0 running: non-zero exit "), s.toString());
        assertTrue(Long.parseLong(s.get("last_check")) * 1000 < back, "the result's time is the exit's: " + s);
        assertTrue(s.get("plugin_output").contains(" exit 6 at "), s.toString());
        awaitQueued(n -> n == 0);
        assertEquals(0L, ((Number) attribute("PushDropped")).longValue());
        // the failed attempts while Nagios was down are no loss: check_taskwatch --push says OK,
        // with the agent's own counts and the destination's last error in the long output
        long sent = ((Number) attribute("PushSent")).longValue();
        Plugin.Run push = Plugin.run("--push", "-v", "-U", jolokia);
        assertEquals(0, push.exit(), push.toString());
        assertTrue(push.line().startsWith("TASKWATCH OK - push to 1 destination: " + sent + " sent, 0 dropped, 0 refused,"),
                push.toString());
        assertTrue(push.stdout().contains("\nnagios " + nagiosDir.resolve("rw/nagios.cmd")), push.toString());
        assertTrue(nagiosDown(push.stdout()), "the last error: " + push);
    }

    /** Whether {@code status} says Nagios is down: its FIFO without a reader, or no command file. */
    private static boolean nagiosDown(String status) {
        return status.contains("nothing reads") || status.contains("no command file");
    }

    // ---- helpers ----

    /** The servicestatus block of {@code service} on our host in status.dat, polled every 100 ms until {@code until}, at most 60 s. */
    private static Map<String, String> awaitStatus(String service, Predicate<Map<String, String>> until) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Map<String, String> last = null;
        while (System.nanoTime() < deadline) {
            last = status(service);
            if (last != null && "1".equals(last.get("has_been_checked")) && until.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("status.dat: no such state of " + service + " within 60 s; last " + last + "\nagent:\n"
                + agent.output() + "\nnagios.log:\n" + Files.readString(nagiosDir.resolve("nagios.log")));
    }

    private static Map<String, String> status(String service) throws IOException {
        Path file = nagiosDir.resolve("status.dat");
        if (!Files.exists(file)) {
            return null;
        }
        Map<String, String> block = null;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String l = line.strip();
            if (l.equals("servicestatus {")) {
                block = new HashMap<>();
            } else if (l.equals("}") && block != null) {
                if (HOST.equals(block.get("host_name")) && service.equals(block.get("service_description"))) {
                    return block;
                }
                block = null;
            } else if (block != null && l.contains("=")) {
                block.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1));
            }
        }
        return null;
    }

    private static void awaitQueued(java.util.function.LongPredicate until) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long n = -1;
        while (System.nanoTime() < deadline) {
            n = ((Number) attribute("PushQueued")).longValue();
            if (until.test(n)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("PushQueued stayed " + n + "; " + attribute("PushStatus"));
    }

    @SuppressWarnings("unchecked")
    private static Object attribute(String name) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(jolokia + "read/org.taskwatch:type=Monitor/" + name)).build(), HttpResponse.BodyHandlers.ofString());
        return ((Map<String, Object>) Json.parse(r.body())).get("value");
    }
}
