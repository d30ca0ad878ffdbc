package org.taskwatch.nagios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.taskwatch.agent.AgentProcess;
import org.taskwatch.kernel.KernelVersion;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.Spawn;

/**
 * The Zabbix template against Zabbix's own Java gateway and a live taskwatch agent: the item
 * keys asked for are the ones read from the template, and each must come back with a value.
 * Needs the gateway (Debian package zabbix-java-gateway, installed by .ci/run) and the proc
 * connector; in CI (CI=true) a missing one fails the test instead of skipping it.
 */
class ZabbixGatewayTest {
    private static final String REGEX = "^taskwatch-zabbix-test-[0-9]+$";
    private static Path work;
    private static ZabbixGateway gateway;
    private static AgentProcess agent;
    private static String endpoint;
    private static JMXConnector jmx;
    private static Process sleeper;
    private static long commandWatch;
    private static long processWatch;
    private static ZabbixTemplate template;
    /** A sleep this test starts before the agent, declared as the watch "zbx" (found by the agent's scan at start). */
    private static final String SECONDS = Integer.toString(java.util.concurrent.ThreadLocalRandom.current()
            .nextInt(600_000, 700_000));

    @BeforeAll
    static void start() throws Exception {
        Path jar = ZabbixGateway.find();
        if (jar == null) {
            String why = "the Zabbix Java gateway is not installed (apt-get install zabbix-java-gateway,"
                    + " or set ZABBIX_JAVA_GATEWAY_JAR)";
            if (KernelTests.inCi()) {
                fail("the Zabbix gateway test cannot run in CI: " + why);
            }
            assumeTrue(false, why);
        }
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6), "the agent needs the proc connector");
        template = ZabbixTemplate.load();
        work = Files.createTempDirectory("taskwatch-zabbix");
        gateway = ZabbixGateway.start(jar, work);
        sleeper = Spawn.start("/bin/sleep", SECONDS);
        agent = AgentProcess.fromClassPath("--jmx-port", "0", "--no-jolokia",
                "--set", "watch.zbx.match=command:^/bin/sleep " + SECONDS + "$");
        endpoint = agent.awaitJmxUrl(30);
        jmx = JMXConnectorFactory.connect(new JMXServiceURL(endpoint));
        MBeanServerConnection c = jmx.getMBeanServerConnection();
        ObjectName monitor = new ObjectName("org.taskwatch:type=Monitor");
        commandWatch = (Long) c.invoke(monitor, "watchCommand", new Object[] {REGEX, "exec,exit"},
                new String[] {"java.lang.String", "java.lang.String"});
        processWatch = (Long) c.invoke(monitor, "watch", new Object[] {(int) sleeper.pid(), "exit"},
                new String[] {"int", "java.lang.String"});
    }

    @AfterAll
    static void stop() throws Exception {
        if (jmx != null) {
            jmx.close();
        }
        if (sleeper != null) {
            sleeper.destroyForcibly().waitFor();
        }
        if (agent != null) {
            agent.stop(); // SIGTERM; the gateway is closed below whatever its exit status
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    private static Map<String, ZabbixGateway.Answer> ask(List<String> keys) throws Exception {
        Map<String, ZabbixGateway.Answer> m = new HashMap<>();
        for (ZabbixGateway.Answer a : gateway.jmx(endpoint, keys)) {
            m.put(a.key(), a);
        }
        return m;
    }

    private static String value(Map<String, ZabbixGateway.Answer> m, String attribute) {
        ZabbixGateway.Answer a = m.get("jmx[\"org.taskwatch:type=Monitor\"," + attribute + "]");
        assertNotNull(a, attribute + " is not among the template's items");
        assertNull(a.error(), a.toString());
        return a.value();
    }

    @Test
    void everyJmxItemOfTheTemplateHasAValue() throws Exception {
        List<String> keys = template.jmxItemKeys();
        assertTrue(keys.size() >= 14, "template items: " + keys);
        Map<String, ZabbixGateway.Answer> m = ask(keys);
        for (String k : keys) {
            ZabbixGateway.Answer a = m.get(k);
            assertNull(a.error(), "the gateway could not read a template item: " + a + "\n" + gateway.log());
            assertNotNull(a.value(), a.toString());
        }
        // independent facts: this test made two watches; counters are non-negative whole numbers
        assertTrue(Long.parseLong(value(m, "WatchCount")) >= 2, value(m, "WatchCount"));
        for (String counter : List.of("EventsReceived", "EventsDelivered", "EventsLost", "ForkCount", "ExecCount",
                "ExitCount", "NonZeroExitCount", "ThreadCreateCount", "ThreadExitCount")) {
            assertTrue(value(m, counter).matches("[0-9]+"), counter + " = " + value(m, counter));
        }
        assertTrue(Long.parseLong(value(m, "ForkCount")) > 0, "this test forked a sleep while the agent ran");
        assertEquals("netlink", value(m, "EventSource"));
        assertTrue(value(m, "EventThreads").startsWith("nice -") || value(m, "EventThreads").startsWith("not boosted"),
                value(m, "EventThreads"));
        assertTrue(value(m, "ExitNames").startsWith("taskstats") || value(m, "ExitNames").startsWith("none ("),
                value(m, "ExitNames"));
        assertTrue(value(m, "LatencyP99Micros").matches("-?[0-9]+"), value(m, "LatencyP99Micros"));
    }

    @Test
    void countersGrowWithRealExits() throws Exception {
        String key = "jmx[\"org.taskwatch:type=Monitor\",ExitCount]";
        assertTrue(template.jmxItemKeys().contains(key));
        long before = Long.parseLong(ask(List.of(key)).get(key).value());
        for (int i = 0; i < 3; i++) {
            assertEquals(1, Spawn.waitFor(Spawn.sh("exit 1")));
        }
        long after = before;
        for (int i = 0; i < 50 && after < before + 3; i++) {
            Thread.sleep(100);
            after = Long.parseLong(ask(List.of(key)).get(key).value());
        }
        assertTrue(after >= before + 3, "ExitCount " + before + " -> " + after + " after 3 exits");
    }

    @Test
    void discoveryFindsTheDeclaredWatchByNameAndEveryPrototypeHasAValueWhileItRuns() throws Exception {
        List<Map<String, Object>> rules = template.discoveryRules();
        assertEquals(1, rules.size());
        String discovery = (String) rules.get(0).get("key");
        assertEquals("jmx.discovery[beans,\"org.taskwatch:type=Watch,name=*\"]", discovery);
        ZabbixGateway.Answer a = ask(List.of(discovery)).get(discovery);
        assertNull(a.error(), a.toString());
        // the 6.0 gateway wraps the rows as {"data":[...]}, which the server accepts as well as a bare array
        Object parsed = Json.parse(a.value());
        assertTrue(parsed instanceof Map && ((Map<?, ?>) parsed).get("data") instanceof List, "LLD JSON: " + a.value());
        Map<String, Map<?, ?>> byObject = new HashMap<>();
        for (Object o : (List<?>) ((Map<?, ?>) parsed).get("data")) {
            Map<?, ?> row = (Map<?, ?>) o;
            byObject.put((String) row.get("{#JMXOBJ}"), row);
        }
        String obj = "org.taskwatch:type=Watch,name=zbx";
        assertEquals(java.util.Set.of(obj), byObject.keySet(), "only declared watches, by name; not the id watches "
                + commandWatch + " and " + processWatch + " this test made at run time: " + a.value());
        assertEquals("zbx", byObject.get(obj).get("{#JMXNAME}"), "the macro the names use");

        // every item prototype, with {#JMXOBJ} as discovered, answers while the process runs
        List<String> keys = new ArrayList<>();
        for (Map<String, Object> p : ZabbixTemplate.maps(rules.get(0).get("item_prototypes"))) {
            keys.add(((String) p.get("key")).replace("{#JMXOBJ}", obj));
        }
        Map<String, ZabbixGateway.Answer> m = ask(keys);
        for (String k : keys) {
            assertNull(m.get(k).error(), "not supported: " + m.get(k) + "\n" + gateway.log());
            assertNotNull(m.get(k).value(), m.get(k).toString());
        }
        assertTrue(sleeper.isAlive());
        assertEquals("1", m.get("jmx[\"" + obj + "\",Running]").value(), "the sleep this test started");
        assertEquals("0", m.get("jmx[\"" + obj + "\",RunningVsExpected]").value());
        assertEquals("ok", m.get("jmx[\"" + obj + "\",State]").value());
        assertEquals("1:", m.get("jmx[\"" + obj + "\",Expect]").value());
        assertEquals("false", m.get("jmx[\"" + obj + "\",CrashLoop]").value());
        assertEquals("0", m.get("jmx[\"" + obj + "\",NonZeroExits]").value());
        assertEquals("", m.get("jmx[\"" + obj + "\",LastNonZeroExit]").value());
    }

    @Test
    void aKilledProcessReadsAsExitCodeZeroAndItsSignal() throws Exception {
        // a run-time watch's MBean, read by its id through the gateway (the template discovers
        // declared watches only): the exit as the notification tells it
        Process p = Spawn.start("/bin/sleep", "600");
        long id = (Long) jmx.getMBeanServerConnection().invoke(new ObjectName("org.taskwatch:type=Monitor"), "watch",
                new Object[] {(int) p.pid(), "exit"}, new String[] {"int", "java.lang.String"});
        p.destroy(); // SIGTERM
        assertEquals(128 + 15, Spawn.waitFor(p), "Java reports the shell's status");
        String obj = "org.taskwatch:type=Watch,id=" + id;
        List<String> keys = List.of("jmx[\"" + obj + "\",ExitCode]", "jmx[\"" + obj + "\",Signal]");
        Map<String, ZabbixGateway.Answer> m = ask(keys);
        for (int i = 0; i < 100 && m.values().stream().anyMatch(a -> a.value() == null); i++) { // until the exit is in
            Thread.sleep(50);
            m = ask(keys);
        }
        assertEquals("0", m.get(keys.get(0)).value(), m.toString());
        assertEquals("15", m.get(keys.get(1)).value(), m.toString());
    }
}
