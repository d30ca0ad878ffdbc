package org.taskwatch.nagios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.taskwatch.nagios.Plugin.run;
import static org.taskwatch.nagios.Plugin.wellFormed;

import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskwatch.agent.AgentProcess;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.Spawn;
import org.taskwatch.testing.TestCgroups;

/**
 * A declared unit watch ({@code watch.svc.match = unit:NAME}) read by {@code check_taskwatch
 * --watch} and by the Zabbix agent's UserParameters (as {@link ZabbixAgentLiveTest} runs them:
 * {@code zabbix_agentd -t}) as any other declared watch, and a unit watch made over Jolokia with the README's
 * request: against a live agent and a real cgroup v2 "unit" the test makes (this machine need
 * not run systemd: a cgroup named like a unit is one here). The processes and exit codes are the
 * test's own, their cgroups what /proc says.
 */
class UnitWatchLiveTest {
    private static final String TAG = Integer.toString(ThreadLocalRandom.current().nextInt(100_000, 1_000_000));
    private static final String UNIT = "tw-svc-" + TAG + ".service";
    private static final String CGROUP = "/taskwatch-live-" + TAG + ".slice/" + UNIT;
    @TempDir
    static Path dir;
    private static TestCgroups cgroups;
    private static AgentProcess agent;
    private static String url;
    private static final List<Process> spawned = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        TestCgroups.require();
        cgroups = new TestCgroups();
        cgroups.create(CGROUP);
        for (int i = 0; i < 2; i++) {
            Process p = Spawn.start("/bin/sleep", "79" + TAG);
            spawned.add(p);
            cgroups.move(CGROUP, p.pid());
            assertEquals(CGROUP, TestCgroups.of(p.pid()));
        }
        Path conf = dir.resolve("taskwatch.properties");
        Files.writeString(conf, String.join("\n", "watch.svc.match = unit:" + UNIT, "watch.svc.expect = 2:2", ""));
        agent = AgentProcess.start("--config", conf.toString(), "--no-jmx", "--jolokia-port", "0");
        url = agent.awaitJolokiaUrl(60);
    }

    @AfterAll
    static void stop() throws Exception {
        spawned.forEach(Process::destroyForcibly);
        for (Process p : spawned) {
            p.waitFor();
        }
        if (agent != null) {
            assertEquals(0, agent.stop(), "the agent stops cleanly on SIGTERM");
        }
        if (cgroups != null) {
            cgroups.close();
        }
    }

    private static Plugin.Run check(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("-U", url));
        return wellFormed(run(all.toArray(new String[0])));
    }

    @Test
    void theCheckCountsTheUnitsProcessesAndWarnsAfterOneFails() throws Exception {
        Plugin.Run r = check("--watch", "svc");
        assertEquals(0, r.exit(), r.toString());
        assertEquals("svc: 2 running", r.text(), "the two sleeps put in the unit before the agent started");

        // one more process joins at its exec (it then waits for a line: its cgroup is read while it
        // runs), and exits 4
        Process job = Spawn.start("/bin/sh", "-c", "read l; exec /bin/sh -c 'read l; exit 4'");
        spawned.add(job);
        cgroups.move(CGROUP, job.pid());
        OutputStream in = job.getOutputStream();
        in.write('\n');
        in.flush();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!(r = check("--watch", "svc")).text().startsWith("svc: 3 running") && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertEquals("svc: 3 running, expected 2:2", r.text(), "it joined at its exec");
        assertEquals(2, r.exit(), "3 is outside 2:2");
        in.write('\n');
        in.close();
        assertEquals(4, Spawn.waitFor(job));
        while ((r = check("--watch", "svc")).exit() != 1 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.text().startsWith("svc: 2 running; non-zero exit ") && r.text().contains("pid " + job.pid() + " exit 4"),
                r.text());
        assertTrue(r.perfdata().startsWith("'running'=2;;2:2;0 'exits'=1c 'nonzero_exits'=1c"), r.perfdata());
    }

    @Test
    void theZabbixAgentKeysReadTheUnitWatch() throws Exception {
        Path agentd = Path.of("/usr/sbin/zabbix_agentd");
        KernelTests.require(Files.isExecutable(agentd), "no " + agentd + " (apt-get install zabbix-agent)");
        Path plugin = dir.resolve("check_taskwatch");
        Files.writeString(plugin, "#!/bin/sh\nexec '" + Plugin.java() + "' -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp '"
                + Plugin.classesDir() + "' " + CheckTaskwatch.class.getName() + " \"$@\"\n");
        assertTrue(plugin.toFile().setExecutable(true));
        Path params = dir.resolve("taskwatch.conf");
        Files.writeString(params, Files.readString(Path.of("zabbix", "taskwatch.conf"))
                .replace("/opt/taskwatch/check_taskwatch ", plugin + " -U " + url + " "));
        Path conf = dir.resolve("zabbix_agentd.conf");
        Files.writeString(conf, "LogType=console\nTimeout=20\nInclude=" + params + "\n");
        Pattern value = Pattern.compile("^(.+?)\\s+\\[t\\|(.*)\\]$", Pattern.DOTALL);
        Map<String, String> expected = Map.of("taskwatch.watch[svc]", "2", "taskwatch.watches.discovery",
                "[{\"{#WATCH}\":\"svc\"}]");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            Plugin.Run r = Plugin.exec(List.of(agentd.toString(), "-c", conf.toString(), "-t", e.getKey()), Map.of());
            Matcher m = value.matcher(r.stdout().strip());
            assertTrue(r.exit() == 0 && m.matches(), r.toString());
            assertEquals(e.getValue(), m.group(2).replace(" ", ""), e.getKey());
        }
    }

    @Test
    void watchUnitOverJolokiaAsTheReadmeWritesIt() throws Exception {
        String body = "{\"type\":\"exec\",\"mbean\":\"org.taskwatch:type=Monitor\",\"operation\":\"watchUnit\","
                + "\"arguments\":[\"" + UNIT + "\",\"exec,exit\"]}";
        String reply = post(body);
        assertTrue(reply.matches(".*\"value\":[0-9]+.*\"status\":200.*"), reply);
        String list = post("{\"type\":\"read\",\"mbean\":\"org.taskwatch:type=Monitor\",\"attribute\":\"Watches\"}");
        assertTrue(list.contains("\"target\":\"unit:" + UNIT + "\"") && list.contains("\"kind\":\"cgroup\""), list);
        String status = post("{\"type\":\"exec\",\"mbean\":\"org.taskwatch:type=Monitor\",\"operation\":\"processStatus\","
                + "\"arguments\":[" + spawned.get(0).pid() + "]}");
        assertTrue(status.contains("\"unit\":\"" + UNIT + "\"") && status.contains("\"cgroup\":\"" + CGROUP + "\""), status);
        String refused = post(body.replace(UNIT, "nginx"));
        assertTrue(refused.contains("not a systemd unit name"), refused);
    }

    private static String post(String json) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.body();
    }
}
