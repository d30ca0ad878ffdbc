package org.taskwatch.nagios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * The UserParameters of zabbix/taskwatch.conf as Debian's Zabbix agent 6.0 runs them
 * ({@code zabbix_agentd -t KEY}, the agent's own test mode: the same command line and output
 * handling as a real poll), against a live taskwatch agent whose file declares the watches. The
 * values are what this test set up: the watch names it declared, the one process it spawned;
 * and {@code taskwatch.health} is 2 once the agent is stopped. Only the path to check_taskwatch
 * is changed in the file (to a script that runs this build's classes), with the agent's URL.
 */
class ZabbixAgentLiveTest {
    private static final Path ZABBIX_AGENTD = Path.of("/usr/sbin/zabbix_agentd");
    private static final String TAG = Integer.toString(ThreadLocalRandom.current().nextInt(100_000, 1_000_000));
    /** zabbix_agentd -t prints {@code KEY   [t|VALUE]}. */
    private static final Pattern VALUE = Pattern.compile("^(.+?)\\s+\\[t\\|(.*)\\]$", Pattern.DOTALL);
    @TempDir
    static Path dir;
    private static AgentProcess agent;
    private static Path agentdConf;
    private static String url;
    private static Process sleeper;

    @BeforeAll
    static void start() throws Exception {
        KernelTests.require(Files.isExecutable(ZABBIX_AGENTD), "no " + ZABBIX_AGENTD + " (apt-get install zabbix-agent)");
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6), "the agent needs the proc connector");
        sleeper = Spawn.start("/bin/sleep", "79" + TAG);
        Path conf = dir.resolve("taskwatch.properties");
        Files.writeString(conf, String.join("\n",
                "watch.web.match = command:^/bin/sleep 79" + TAG + "$",
                "watch.gone.match = command:^/bin/sleep 80" + TAG + "$", ""));
        agent = AgentProcess.start("--config", conf.toString(), "--no-jmx", "--jolokia-port", "0");
        url = agent.awaitJolokiaUrl(60);

        Path plugin = dir.resolve("check_taskwatch");
        Files.writeString(plugin, "#!/bin/sh\nexec '" + Plugin.java() + "' -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp '"
                + Plugin.classesDir() + "' " + CheckTaskwatch.class.getName() + " \"$@\"\n");
        assertTrue(plugin.toFile().setExecutable(true));
        String params = Files.readString(Path.of("zabbix", "taskwatch.conf"))
                .replace("/opt/taskwatch/check_taskwatch ", plugin + " -U " + url + " ");
        Path userParameters = dir.resolve("taskwatch.conf");
        Files.writeString(userParameters, params);
        agentdConf = dir.resolve("zabbix_agentd.conf");
        // Timeout: the agent's limit for one key; generous, so that a slow JVM start on a busy
        // machine does not fail the test (the checks keep their own -t 2 as shipped)
        Files.writeString(agentdConf, "LogType=console\nTimeout=20\nInclude=" + userParameters + "\n");
    }

    @AfterAll
    static void stop() {
        if (sleeper != null) {
            sleeper.destroy();
        }
        if (agent != null) {
            assertEquals(0, agent.stop(), "the agent stops cleanly on SIGTERM");
        }
    }

    /** The value zabbix_agentd -t got for {@code key}. */
    private static String get(String key) throws Exception {
        Plugin.Run r = Plugin.exec(List.of(ZABBIX_AGENTD.toString(), "-c", agentdConf.toString(), "-t", key), Map.of());
        assertEquals(0, r.exit(), r.toString());
        Matcher m = VALUE.matcher(r.stdout().strip());
        assertTrue(m.matches() && m.group(1).equals(key), "not a zabbix_agentd -t answer for " + key + ": " + r);
        return m.group(2);
    }

    @Test
    void theKeysGiveWhatTheAgentKnows() throws Exception {
        String health = get("taskwatch.health");
        // the UserParameter gives the check 2 s (-t 2, below zabbix_agentd's Timeout): on a loaded
        // machine a JVM start alone can take that, and 2 is also what a timed-out check prints
        for (int again = 0; again < 3 && health.equals("2"); again++) {
            health = get("taskwatch.health");
        }
        assertTrue(health.equals("0") || health.equals("1"), "a running agent is ok or degraded: " + health);

        Object lld = Json.parse(get("taskwatch.watches.discovery"));
        Set<String> names = new HashSet<>();
        for (Object o : (List<?>) lld) {
            Map<?, ?> row = (Map<?, ?>) o;
            assertEquals(Set.of("{#WATCH}"), row.keySet(), lld.toString());
            names.add((String) row.get("{#WATCH}"));
        }
        assertEquals(Set.of("web", "gone"), names, "the names this test declared");

        assertEquals("1", get("taskwatch.watch[web]"), "the one sleep this test spawned");
        assertEquals("0", get("taskwatch.watch.state[web]"), "1 running, default expectation 1:");
        assertEquals("2", get("taskwatch.watch.state[gone]"), "nothing running, expectation 1:");
        assertEquals("3", get("taskwatch.watch.state[nosuch]"), "not declared: UNKNOWN");
        assertEquals("1", get("taskwatch.running[^/bin/sleep 79" + TAG + "]"), "the one sleep this test spawned");
    }

    @Test
    void healthIsFailedWhenNoAgentAnswers() throws Exception {
        String closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = "http://127.0.0.1:" + s.getLocalPort() + "/jolokia/"; // closed once the block ends
        }
        Path params = dir.resolve("down.conf");
        Files.writeString(params, Files.readString(dir.resolve("taskwatch.conf")).replace(url, closed));
        Path conf = dir.resolve("zabbix_agentd_down.conf");
        Files.writeString(conf, "LogType=console\nTimeout=20\nInclude=" + params + "\n");
        List<String> cmd = new ArrayList<>(List.of(ZABBIX_AGENTD.toString(), "-c", conf.toString(), "-t", "taskwatch.health"));
        Plugin.Run r = Plugin.exec(cmd, Map.of());
        Matcher m = VALUE.matcher(r.stdout().strip());
        assertTrue(m.matches(), r.toString());
        assertEquals("2", m.group(2), "Zabbix stores 2 (failed), not an unsupported text: " + r);
    }
}
