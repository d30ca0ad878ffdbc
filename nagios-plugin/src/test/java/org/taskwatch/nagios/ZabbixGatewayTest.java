package org.taskwatch.nagios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        agent = AgentProcess.fromClassPath("--jmx-port", "0", "--no-jolokia");
        endpoint = agent.awaitJmxUrl(30);
        jmx = JMXConnectorFactory.connect(new JMXServiceURL(endpoint));
        MBeanServerConnection c = jmx.getMBeanServerConnection();
        ObjectName monitor = new ObjectName("org.taskwatch:type=Monitor");
        commandWatch = (Long) c.invoke(monitor, "watchCommand", new Object[] {REGEX, "exec,exit"},
                new String[] {"java.lang.String", "java.lang.String"});
        sleeper = Spawn.start("/bin/sleep", "600");
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
    void discoveryFindsTheWatchesAndThePrototypesResolve() throws Exception {
        List<Map<String, Object>> rules = template.discoveryRules();
        assertEquals(1, rules.size());
        String discovery = (String) rules.get(0).get("key");
        assertEquals("jmx.discovery[beans,\"org.taskwatch:type=Watch,*\"]", discovery);
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
        String cmdObj = "org.taskwatch:type=Watch,id=" + commandWatch;
        String procObj = "org.taskwatch:type=Watch,id=" + processWatch;
        assertTrue(byObject.containsKey(cmdObj), "no " + cmdObj + " in " + a.value());
        assertTrue(byObject.containsKey(procObj), "no " + procObj + " in " + a.value());
        assertEquals(Long.toString(commandWatch), byObject.get(cmdObj).get("{#JMXID}"), "the macro the names use");

        // the item prototypes, with {#JMXOBJ} as discovered, for both watches
        List<String> keys = new ArrayList<>();
        List<String> prototypes = new ArrayList<>();
        for (Map<String, Object> p : ZabbixTemplate.maps(rules.get(0).get("item_prototypes"))) {
            String k = (String) p.get("key");
            prototypes.add(k);
            keys.add(k.replace("{#JMXOBJ}", cmdObj));
            keys.add(k.replace("{#JMXOBJ}", procObj));
        }
        for (String attribute : List.of("Kind", "Target", "Matched", "ExitCode")) {
            assertTrue(prototypes.contains("jmx[\"{#JMXOBJ}\"," + attribute + "]"), prototypes.toString());
        }
        Map<String, ZabbixGateway.Answer> m = ask(keys);
        assertEquals("command", m.get("jmx[\"" + cmdObj + "\",Kind]").value());
        assertEquals(REGEX, m.get("jmx[\"" + cmdObj + "\",Target]").value());
        assertTrue(m.get("jmx[\"" + cmdObj + "\",Matched]").value().matches("[0-9]+"));
        assertEquals("process", m.get("jmx[\"" + procObj + "\",Kind]").value());
        assertEquals(Long.toString(sleeper.pid()), m.get("jmx[\"" + procObj + "\",Target]").value());
        // the sleep still runs, so its watch has no exit code yet: Zabbix marks the item unsupported
        assertTrue(sleeper.isAlive());
        ZabbixGateway.Answer exit = m.get("jmx[\"" + procObj + "\",ExitCode]");
        assertNull(exit.value(), exit.toString());
        assertFalse(exit.error().isEmpty());
    }
}
