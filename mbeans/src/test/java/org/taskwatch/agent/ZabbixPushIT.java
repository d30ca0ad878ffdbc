package org.taskwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jolokia.json.JSONWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.taskwatch.testing.KernelTests;

/**
 * Push to a real Zabbix 6.0 server, started by this test from Debian's packages
 * ({@code zabbix-server-pgsql} on its own PostgreSQL cluster, the frontend's JSON-RPC API served by
 * PHP's built-in server; see {@code zabbix/zabbix-server.sh}): the shipped template imported as
 * shipped ({@code configuration.import}), a host made with it, then the agent, with a declared
 * watch, pushing to the server's trapper. A process of the watch exits with a status the test
 * chose, and the server must show that value and raise the problem; the time from the exit to the
 * problem is printed. Then the faults: the server stopped while processes exit (what was queued
 * arrives with its own time once it is back, what overflowed is counted), and a host name the
 * server does not know (refused with the server's answer, not retried). Then the README's TLS
 * example: the server's trapper has a certificate of the script's CA, and a host that accepts only
 * the agent's certificate (by issuer and subject) takes the agent's values over TLS and refuses an
 * unencrypted agent; a host naming another subject refuses the agent's certificate.
 *
 * <p>Independent sources: the exit codes and pids are the test's own processes; what Zabbix holds
 * is read through its API, not from the agent.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ZabbixPushIT {
    private static final Duration WAIT = Duration.ofSeconds(120); // a bound, not a speed: the machine may be loaded
    private static final String TEMPLATE = "taskwatch by JMX";

    private static Path dir;
    private static Path script;
    private static int trapperPort;
    private static Api api;
    private static String hostid;
    private static String tlsHostid;
    private static final String TAG = Long.toString(100_000 + ThreadLocalRandom.current().nextInt(800_000));
    private static final String HOST = "taskwatch-it-" + TAG;
    /** A host whose "Connections from host" is Certificate only. */
    private static final String TLS_HOST = "taskwatch-it-tls-" + TAG;
    /** Certificate only, from a subject that is not the agent's. */
    private static final String OTHER_SUBJECT_HOST = "taskwatch-it-other-" + TAG;
    /** The crasher's command line carries a secret: it must not leave the agent unmasked. */
    private static final String SECRET = "--password=hunter2" + TAG;

    private final List<Process> spawned = new ArrayList<>();
    private AgentProcess agent;

    @BeforeAll
    static void server() throws Exception {
        AgentProcess.requireConnector();
        for (String f : List.of("/usr/sbin/zabbix_server", "/usr/share/zabbix-server-pgsql/schema.sql.gz",
                "/usr/share/zabbix/api_jsonrpc.php", "/usr/bin/php", "/usr/bin/psql")) {
            KernelTests.require(Files.exists(Path.of(f)), "no " + f + ": apt-get install zabbix-server-pgsql"
                    + " zabbix-frontend-php php-pgsql php-cli postgresql (as .ci/run does)");
        }
        KernelTests.require(hasPostgresBin(), "no /usr/lib/postgresql/*/bin/initdb: apt-get install postgresql");
        dir = Files.createTempDirectory("taskwatch-zabbix-");
        script = dir.resolve("zabbix-server.sh");
        try (InputStream in = ZabbixPushIT.class.getResourceAsStream("/zabbix/zabbix-server.sh")) {
            Files.copy(in, script);
        }
        int pgPort = AgentProcess.freePort();
        trapperPort = trapperPort();
        int webPort = AgentProcess.freePort();
        long start = System.nanoTime();
        sh(300, "setup", dir.toString(), Integer.toString(pgPort), Integer.toString(trapperPort), Integer.toString(webPort));
        api = new Api("http://127.0.0.1:" + webPort + "/api_jsonrpc.php");
        api.login();
        System.out.println("ZabbixPushIT: Zabbix server, database and API up in "
                + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) + " s");

        // the template as shipped
        Path template = Path.of(System.getenv().getOrDefault("TASKWATCH_ROOT", ".."), "nagios-plugin", "zabbix",
                "taskwatch_template.yaml");
        Map<String, Object> rules = new LinkedHashMap<>();
        for (String r : List.of("templates", "items", "triggers", "discoveryRules", "valueMaps", "graphs",
                "templateDashboards", "httptests")) {
            rules.put(r, Map.of("createMissing", true, "updateExisting", true));
        }
        rules.put("groups", Map.of("createMissing", true));
        rules.put("templateLinkage", Map.of("createMissing", true));
        assertEquals(Boolean.TRUE, api.call("configuration.import", Map.of("format", "yaml",
                "source", Files.readString(template), "rules", rules)));

        String templateid = (String) first(api.call("template.get", Map.of("filter", Map.of("host", List.of(TEMPLATE))))).get("templateid");
        String groupid = (String) first(api.call("hostgroup.get", Map.of("filter", Map.of("name", List.of("Templates/Applications")))))
                .get("groupid");
        hostid = createHost(HOST, templateid, groupid, Map.of());
        // accepts only TLS with a certificate of the test's CA, with the agent certificate's subject
        tlsHostid = createHost(TLS_HOST, templateid, groupid, Map.of("tls_connect", 4, "tls_accept", 4,
                "tls_issuer", "CN=taskwatch-test-ca", "tls_subject", "CN=taskwatch-agent"));
        createHost(OTHER_SUBJECT_HOST, templateid, groupid, Map.of("tls_connect", 4, "tls_accept", 4,
                "tls_issuer", "CN=taskwatch-test-ca", "tls_subject", "CN=someone-else"));
        // the new hosts and their trapper discovery rules into the server's configuration cache now, not
        // at the next CacheUpdateFrequency: else the agent's first discovery value is refused
        sh(60, "cache-reload", dir.toString());
    }

    /** A host linked to the template, as an operator makes it; {@code tls}: its encryption settings. */
    private static String createHost(String name, String templateid, String groupid, Map<String, Object> tls)
            throws IOException, InterruptedException {
        Map<String, Object> params = new LinkedHashMap<>(Map.of("host", name,
                "groups", List.of(Map.of("groupid", groupid)), "templates", List.of(Map.of("templateid", templateid)),
                // the template's JMX items need a JMX interface; no Java gateway polls it here
                "interfaces", List.of(Map.of("type", 4, "main", 1, "useip", 1, "ip", "127.0.0.1", "dns", "", "port", "9875")),
                "macros", List.of(Map.of("macro", "{$TASKWATCH.PUSH}", "value", "1"))));
        params.putAll(tls);
        return (String) list(map(api.call("host.create", params)).get("hostids")).get(0);
    }

    /** A free port Zabbix takes as ListenPort: 1024 to 32767, below Linux's ephemeral range. */
    private static int trapperPort() throws IOException {
        for (int i = 0; i < 1000; i++) {
            int port = 20_000 + ThreadLocalRandom.current().nextInt(12_000);
            try {
                new java.net.ServerSocket(port).close();
                return port;
            } catch (IOException taken) {
                // another
            }
        }
        throw new IOException("no free port between 20000 and 32000");
    }

    private static boolean hasPostgresBin() throws IOException {
        Path base = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(base)) {
            return false;
        }
        try (Stream<Path> s = Files.list(base)) {
            return s.anyMatch(v -> Files.isExecutable(v.resolve("bin/initdb")));
        }
    }

    @AfterAll
    static void teardown() throws Exception {
        if (script != null) {
            sh(120, "teardown", dir.toString());
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @AfterEach
    void stop() {
        for (Process p : spawned) {
            p.destroy();
        }
        if (agent != null) {
            assertEquals(0, agent.stop(), "the agent stops cleanly on SIGTERM");
        }
    }

    // ---- the crash, pushed ----

    @Test
    @Order(1)
    void anExitReachesTheServerAsValueAndProblem() throws Exception {
        JolokiaClient jolokia = startAgent("zabbix.heartbeatSeconds = 2");
        awaitItemsInServerCache(hostid);

        int code = 7;
        Crash c = crash(code, jolokia);
        String problemName = "taskwatch: crasher on " + HOST + ": a process exited with status " + code;
        Map<String, Object> problem;
        try {
            problem = await("the problem '" + problemName + "'", () -> problems().stream()
                    .filter(p -> problemName.equals(p.get("name"))).findFirst().orElse(null));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; the server holds exits " + exitValues(hostid, c.exitMillis - 1000)
                    + ", the exit trigger " + api.call("trigger.get", Map.of("itemids",
                            List.of(item(hostid, "taskwatch.watch.exit[crasher]").get("itemid")),
                            "output", List.of("value", "state", "error", "lastchange"))) + logs(), e);
        }
        long seenMillis = System.currentTimeMillis();
        long problemMillis = Long.parseLong((String) problem.get("clock")) * 1000
                + Long.parseLong((String) problem.get("ns")) / 1_000_000;
        System.out.println("ZabbixPushIT: exit (status " + code + ") -> problem on the server: " + (problemMillis - c.exitMillis)
                + " ms by the problem's clock, " + (seenMillis - c.exitMillis) + " ms until problem.get showed it");

        // the value itself, and the text naming the pid the test spawned, without its command line
        assertEquals(List.of((double) code), exitValues(hostid, c.exitMillis - 1000));
        String text = lastText(hostid, "taskwatch.watch.exit.text[crasher]");
        assertEquals("pid " + c.pid + " exit " + code, text);
        assertFalse(text.contains("hunter2"), text);
        assertTrue(Long.parseLong(lastValue(hostid, "taskwatch.push.heartbeat")) > 0, "a heartbeat arrived");
        assertTrue(((Number) JolokiaClient.value(jolokia.get("read/org.taskwatch:type=Monitor/PushSent"))).longValue() > 0);
    }

    // ---- faults ----

    @Test
    @Order(2)
    void whatWasQueuedWhileTheServerWasDownArrivesAndOverflowIsCounted() throws Exception {
        // a queue of 5, no heartbeat: only exits and state changes queue up
        JolokiaClient jolokia = startAgent("zabbix.queueSize = 5", "zabbix.heartbeatSeconds = 0", "push.commandLines = true");
        await("the agent's first states accepted", () -> pushCounter(jolokia, "PushSent") > 0 ? true : null);
        sh(120, "stop-server", dir.toString());
        long downMillis = System.currentTimeMillis();
        List<Crash> crashes = new ArrayList<>();
        for (int code = 11; code <= 18; code++) {
            crashes.add(crash(code, jolokia));
        }
        // 8 exits and the state changes they make, into a queue of 5: the oldest went
        await("drops counted", () -> pushCounter(jolokia, "PushDropped") >= 3 ? true : null);
        agent.awaitOutput("dropped", WAIT);
        long upMillis = System.currentTimeMillis();
        sh(120, "start-server", dir.toString());

        Crash last = crashes.get(crashes.size() - 1);
        List<Double> values = await("the last exit (18) delivered after the restart", () -> {
            List<Double> v = exitValues(hostid, downMillis);
            return v.contains(18.0) ? v : null;
        });
        long clock = lastClockMillis(hostid, "taskwatch.watch.exit[crasher]");
        assertTrue(clock >= last.exitMillis - 1000 && clock < upMillis,
                "the value keeps the time of the exit (" + clock + "), not of its delivery (after " + upMillis + ")");
        assertFalse(values.contains(11.0), "the oldest (11) was dropped, not the newest: " + values);
        String text = lastText(hostid, "taskwatch.watch.exit.text[crasher]");
        assertTrue(text.startsWith("pid " + last.pid + " exit 18 ("), text);
        assertTrue(text.contains("crasher-" + TAG) && text.contains("--password=***"), "command line, redacted: " + text);
        assertFalse(text.contains("hunter2"), text);
        await("nothing left queued", () -> pushCounter(jolokia, "PushQueued") == 0 ? true : null);
        System.out.println("ZabbixPushIT: server down " + (upMillis - downMillis) + " ms, 8 exits (11 to 18); delivered after"
                + " the restart " + values.stream().sorted().toList() + "; " + JolokiaClient.value(jolokia.get("read/org.taskwatch:type=Monitor/PushStatus")));
    }

    @Test
    @Order(3)
    void anUnknownHostIsRefusedWithTheServersAnswerAndNotRetried() throws Exception {
        String unknown = "no-such-host-" + TAG;
        JolokiaClient jolokia = startAgent("zabbix.heartbeatSeconds = 1", "zabbix.host = " + unknown);
        await("refusals counted", () -> pushCounter(jolokia, "PushRefused") > 0 ? true : null);
        String status = (String) JolokiaClient.value(jolokia.get("read/org.taskwatch:type=Monitor/PushStatus"));
        assertTrue(status.contains("processed: 0; failed: ") && status.contains(unknown), status);
        assertTrue(status.contains("failed attempts 0"), "an answer is not a failure to retry: " + status);
        assertEquals(0, pushCounter(jolokia, "PushQueued"), status);
        assertEquals(0, pushCounter(jolokia, "PushSent"), status);
        agent.awaitOutput("refused", WAIT);
        assertTrue(agent.output().contains("processed: 0; failed: "), agent.output());
    }

    // ---- TLS with certificates, as the README sets it up ----

    /**
     * The README's certificate settings ({@link #tlsSettings}): the discovery, the heartbeat and an
     * exit reach the host that accepts only certificates (issuer and subject checked by the server).
     */
    @Test
    @Order(4)
    void withTheReadmesCertificateSettingsAnExitReachesAHostThatAcceptsOnlyCertificates() throws Exception {
        JolokiaClient jolokia = startAgent(tlsSettings("zabbix.heartbeatSeconds = 2", "zabbix.host = " + TLS_HOST));
        awaitItemsInServerCache(tlsHostid);

        int code = 9;
        Crash c = crash(code, jolokia);
        List<Double> exits = await("exit " + code + " on " + TLS_HOST, () -> {
            List<Double> v = exitValues(tlsHostid, c.exitMillis - 1000);
            return v.isEmpty() ? null : v;
        });
        assertEquals(List.of((double) code), exits);
        assertEquals("pid " + c.pid + " exit " + code, lastText(tlsHostid, "taskwatch.watch.exit.text[crasher]"));
        assertTrue(Long.parseLong(lastValue(tlsHostid, "taskwatch.push.heartbeat")) > 0, "a heartbeat arrived");
        // (a new watch's first states may be refused: sent before the server's cache had its items)
        String status = (String) JolokiaClient.value(jolokia.get("read/org.taskwatch:type=Monitor/PushStatus"));
        assertTrue(pushCounter(jolokia, "PushSent") > 0, status);
        // a point-in-time count: the 2 s heartbeat queues its messages for a moment each time
        await("nothing left queued over TLS", () -> pushCounter(jolokia, "PushQueued") == 0 ? true : null);
        System.out.println("ZabbixPushIT: over TLS with certificates: " + status);
    }

    /**
     * The same host, the same agent without the zabbix.tls lines: the server refuses its values
     * (the host accepts only certificates), and the agent counts them refused, not sent.
     */
    @Test
    @Order(5)
    void aHostThatAcceptsOnlyCertificatesRefusesAnUnencryptedAgent() throws Exception {
        // the items exist and took values over TLS (the test before): what is refused now is the connection's kind
        assertTrue(item(tlsHostid, "taskwatch.push.heartbeat") != null
                && !"0".equals(item(tlsHostid, "taskwatch.push.heartbeat").get("lastclock")),
                "runs after the TLS test, which makes the host's items");
        JolokiaClient jolokia = startAgent("zabbix.heartbeatSeconds = 1", "zabbix.host = " + TLS_HOST);
        await("refusals counted", () -> pushCounter(jolokia, "PushRefused") > 0 ? true : null);
        String status = (String) JolokiaClient.value(jolokia.get("read/org.taskwatch:type=Monitor/PushStatus"));
        assertTrue(status.contains("processed: 0; failed: ") && status.contains("accepts only encrypted connections"), status);
        assertEquals(0, pushCounter(jolokia, "PushSent"), status);
    }

    /** A host that names another subject refuses this agent's certificate, and the agent says which setting to check. */
    @Test
    @Order(6)
    void aHostThatNamesAnotherSubjectRefusesTheAgentsCertificate() throws Exception {
        JolokiaClient jolokia = startAgent(tlsSettings("zabbix.heartbeatSeconds = 1", "zabbix.host = " + OTHER_SUBJECT_HOST));
        await("refusals counted", () -> pushCounter(jolokia, "PushRefused") > 0 ? true : null);
        String status = (String) JolokiaClient.value(jolokia.get("read/org.taskwatch:type=Monitor/PushStatus"));
        assertTrue(status.contains("processed: 0; failed: ") && status.contains("issuer or subject"), status);
        assertEquals(0, pushCounter(jolokia, "PushSent"), status);
    }

    /**
     * {@code extra} and the README's five zabbix.tls lines, with its stores, made by its commands
     * from the certificates the server script made (once).
     */
    private static String[] tlsSettings(String... extra) throws IOException, InterruptedException {
        Path tls = dir.resolve("tls");
        Path keyStore = tls.resolve("zabbix-agent.p12");
        Path trustStore = tls.resolve("zabbix-ca.p12");
        if (!Files.exists(trustStore)) {
            run("openssl", "pkcs12", "-export", "-in", tls.resolve("agent.crt").toString(), "-inkey",
                    tls.resolve("agent.key").toString(), "-out", keyStore.toString(), "-passout", "pass:secret");
            run(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-importcert", "-noprompt",
                    "-file", tls.resolve("ca.crt").toString(), "-keystore", trustStore.toString(), "-storetype", "PKCS12",
                    "-storepass", "secret");
        }
        List<String> lines = new ArrayList<>(List.of(extra));
        lines.addAll(List.of("zabbix.tls.connect = cert",
                "zabbix.tls.keyStore = " + keyStore, "zabbix.tls.keyStorePassword = secret",
                "zabbix.tls.trustStore = " + trustStore, "zabbix.tls.trustStorePassword = secret"));
        return lines.toArray(new String[0]);
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + out);
    }

    // ---- the agent and the crasher ----

    private JolokiaClient startAgent(String... extra) throws Exception {
        Path conf = dir.resolve("taskwatch-" + System.nanoTime() + ".properties");
        List<String> lines = new ArrayList<>(List.of("jmx.enabled = false", "jolokia.port = " + AgentProcess.freePort(),
                "zabbix.servers = 127.0.0.1:" + trapperPort, "zabbix.host = " + HOST,
                "watch.crasher.match = command:crasher-" + TAG, "watch.crasher.expect = 0:"));
        lines.addAll(List.of(extra));
        Files.write(conf, lines);
        agent = AgentProcess.start("--config", conf.toString());
        return new JolokiaClient(agent.awaitJolokiaUrl(60));
    }

    private record Crash(long pid, long exitMillis) {}

    /**
     * A process of the watch that exits with {@code code} when told: started, seen running by the
     * agent, then told. The time is taken just before it is told: the latency printed is from then.
     */
    private Crash crash(int code, JolokiaClient jolokia) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", "read -t 600 line; exit " + code, "crasher-" + TAG, SECRET)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        spawned.add(p);
        await("the agent follows pid " + p.pid(), () -> {
            Object running = JolokiaClient.value(jolokia.get("read/org.taskwatch:type=Watch,name=crasher/Running"));
            return ((Number) running).intValue() >= 1 ? true : null;
        });
        long at = System.currentTimeMillis();
        try (OutputStream in = p.getOutputStream()) {
            in.write('\n');
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(code, p.exitValue());
        return new Crash(p.pid(), at);
    }

    private static long pushCounter(JolokiaClient jolokia, String attribute) {
        try {
            return ((Number) JolokiaClient.value(jolokia.get("read/org.taskwatch:type=Monitor/" + attribute))).longValue();
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * The items and triggers a new watch gets from the pushed discovery are used once the server's
     * configuration cache has them (CacheUpdateFrequency). The discovery writes the items, then the
     * triggers: a reload between the two would take the items without the exit trigger, and the
     * exit would raise no problem. So: wait until the exit item's trigger is in the database, reload
     * (the script waits for that sync to end), then until the watch's state, pushed with every
     * heartbeat, has a value.
     */
    private void awaitItemsInServerCache(String hostId) throws Exception {
        long start = System.nanoTime();
        await("the discovery's exit item and its trigger in the database", () -> {
            Map<String, Object> exit = item(hostId, "taskwatch.watch.exit[crasher]");
            return exit == null || list(api.call("trigger.get", Map.of("itemids", List.of(exit.get("itemid")),
                    "output", List.of("triggerid")))).isEmpty() ? null : true;
        });
        sh(60, "cache-reload", dir.toString());
        await("the pushed watch's state item has a value", () -> {
            Map<String, Object> state = item(hostId, "taskwatch.watch.state[crasher]");
            return state != null && !"0".equals(state.get("lastclock")) ? true : null;
        });
        System.out.println("ZabbixPushIT: discovery pushed -> items taking values: "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms (with a configuration cache reload)");
    }

    // ---- what the server says, through its API ----

    private static Map<String, Object> item(String hostId, String key) throws IOException, InterruptedException {
        List<Object> items = list(api.call("item.get", Map.of("hostids", List.of(hostId), "filter", Map.of("key_", List.of(key)),
                "output", List.of("itemid", "key_", "lastvalue", "lastclock", "value_type"))));
        return items.isEmpty() ? null : map(items.get(0));
    }

    private static String lastValue(String hostId, String key) throws IOException, InterruptedException {
        return (String) item(hostId, key).get("lastvalue");
    }

    private static long lastClockMillis(String hostId, String key) throws IOException, InterruptedException {
        return clockMillis(newest(hostId, key));
    }

    private static String lastText(String hostId, String key) throws IOException, InterruptedException {
        return (String) newest(hostId, key).get("value");
    }

    /**
     * The value with the latest time. Not history.get's first: it sorts by whole seconds only, and
     * the exits of one test often fall in the same second.
     */
    private static Map<String, Object> newest(String hostId, String key) throws IOException, InterruptedException {
        return history(hostId, key, 0, 100).stream().max(Comparator.comparingLong(ZabbixPushIT::clockNanos)).orElseThrow();
    }

    private static long clockNanos(Map<String, Object> h) {
        return Long.parseLong((String) h.get("clock")) * 1_000_000_000L + Long.parseLong((String) h.get("ns"));
    }

    private static long clockMillis(Map<String, Object> h) {
        return clockNanos(h) / 1_000_000;
    }

    /** The exit statuses the server holds for the crasher since {@code sinceMillis}, oldest first. */
    private static List<Double> exitValues(String hostId, long sinceMillis) throws IOException, InterruptedException {
        return history(hostId, "taskwatch.watch.exit[crasher]", sinceMillis / 1000, 100).stream()
                .sorted(Comparator.comparingLong(ZabbixPushIT::clockNanos))
                .map(h -> Double.parseDouble((String) h.get("value"))).toList();
    }

    /** Newest first by whole seconds (history.get's order within a second is not the values' order). */
    private static List<Map<String, Object>> history(String hostId, String key, long fromSeconds, int limit) throws IOException, InterruptedException {
        Map<String, Object> i = item(hostId, key);
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("itemids", List.of(i.get("itemid")));
        q.put("history", Integer.parseInt((String) i.get("value_type")));
        q.put("time_from", fromSeconds);
        q.put("sortfield", "clock");
        q.put("sortorder", "DESC");
        q.put("limit", limit);
        q.put("output", "extend");
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object o : list(api.call("history.get", q))) {
            out.add(map(o));
        }
        return out;
    }

    private static List<Map<String, Object>> problems() throws IOException, InterruptedException {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object o : list(api.call("problem.get", Map.of("hostids", List.of(hostid), "output", "extend")))) {
            out.add(map(o));
        }
        return out;
    }

    /** Zabbix's JSON-RPC API, as any client calls it. */
    private static final class Api {
        private final String url;
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        private String auth;
        private int id;

        Api(String url) {
            this.url = url;
        }

        void login() throws Exception {
            // PHP's server may take a moment to listen
            auth = (String) await("the Zabbix API answering user.login", () -> {
                try {
                    return call("user.login", Map.of("username", "Admin", "password", "zabbix"));
                } catch (IOException e) {
                    return null;
                }
            });
        }

        Object call(String method, Object params) throws IOException, InterruptedException {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("jsonrpc", "2.0");
            body.put("method", method);
            body.put("params", params);
            body.put("id", ++id);
            if (auth != null) {
                body.put("auth", auth);
            }
            StringWriter w = new StringWriter();
            JSONWriter.serialize(body, w);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/json-rpc")
                    .POST(HttpRequest.BodyPublishers.ofString(w.toString())).build(), HttpResponse.BodyHandlers.ofString());
            Map<String, Object> reply = JolokiaClient.parse(r.body());
            if (reply.containsKey("error")) {
                throw new AssertionError("Zabbix API " + method + ": " + reply.get("error"));
            }
            return reply.get("result");
        }
    }

    // ---- plumbing ----

    private interface Probe<T> {
        T get() throws Exception;
    }

    /** {@code probe}'s first non-null answer; fails after {@link #WAIT}. */
    private static <T> T await(String what, Probe<T> probe) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            T v = probe.get();
            if (v != null) {
                return v;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT + ": " + what);
            }
            Thread.sleep(100);
        }
    }

    /** Runs the server script; fails with its output and the server's logs when it fails. */
    private static void sh(int seconds, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("sh", script.toString()));
        cmd.addAll(List.of(args));
        // into a file, not a pipe: the daemons it starts must not hold a pipe of ours open
        Path out = dir.resolve("script-" + args[0] + ".out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        boolean ended = p.waitFor(seconds, TimeUnit.SECONDS);
        if (!ended || p.exitValue() != 0) {
            p.destroy();
            throw new AssertionError("zabbix-server.sh " + String.join(" ", args) + (ended ? " failed: " : " timed out: ")
                    + Files.readString(out, StandardCharsets.ISO_8859_1) + logs());
        }
    }

    private static String logs() throws IOException {
        StringBuilder b = new StringBuilder();
        Path logs = dir.resolve("log");
        if (Files.isDirectory(logs)) {
            try (Stream<Path> s = Files.list(logs)) {
                for (Path f : s.toList()) {
                    List<String> l = Files.readAllLines(f, StandardCharsets.ISO_8859_1);
                    b.append("\n== ").append(f.getFileName()).append('\n')
                            .append(String.join("\n", l.subList(Math.max(0, l.size() - 20), l.size())));
                }
            }
        }
        return b.toString();
    }

    private static Map<String, Object> first(Object result) {
        List<Object> l = list(result);
        assertFalse(l.isEmpty(), "nothing found");
        return map(l.get(0));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return (List<Object>) o;
    }
}
