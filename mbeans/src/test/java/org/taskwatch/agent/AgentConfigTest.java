package org.taskwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.taskwatch.monitor.MonitorSettings;
import org.junit.jupiter.api.io.TempDir;

class AgentConfigTest {
    @Test
    void theReadmeTableListsEveryKeyWithItsDefaultAndMeaning() throws IOException {
        Path readme = Path.of(System.getenv().getOrDefault("TASKWATCH_ROOT", ".."), "README.md");
        List<String> rows = new ArrayList<>();
        for (String line : Files.readAllLines(readme)) {
            if (line.startsWith("| `") && line.split("(?<!\\\\)\\|").length == 4) { // an escaped bar is a bar inside a cell
                rows.add(line);
            }
        }
        for (ConfigKey k : ConfigKey.values()) {
            String value = k.defaultValue().replace("|", "\\|");
            String expected = "| `" + k.key() + "` | " + (value.isEmpty() ? "" : "`" + value + "`")
                    + " | " + k.meaning() + " |";
            assertTrue(rows.contains(expected), "README.md lacks or differs for " + k.key() + ": expected row\n" + expected);
        }
    }

    @Test
    void theTableStatesTheBoundsTheAgentEnforces() {
        // the README (the table is the meaning) once spoke of a 4 KiB buffer the agent refuses
        for (ConfigKey k : List.of(ConfigKey.RECEIVE_BUFFER_BYTES, ConfigKey.MAX_WATCHES)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> AgentConfig.defaults().with(k, "0"));
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("must be ([0-9]+) to ([0-9]+)").matcher(e.getMessage());
            assertTrue(m.find(), e.getMessage());
            assertTrue(k.meaning().contains(m.group(1) + " ") && k.meaning().contains(" " + m.group(2)),
                    k.key() + ": the table says '" + k.meaning() + "', the agent: " + e.getMessage());
        }
    }

    /** The soft and hard "Max open files" of /proc/self/limits: the independent reading of RLIMIT_NOFILE. */
    private static String[] openFileLimits() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max open files")) {
                return line.substring("Max open files".length()).trim().split("\\s+");
            }
        }
        throw new AssertionError("no Max open files in /proc/self/limits");
    }

    private static void setOpenFileLimits(String soft, String hard) throws Exception {
        // util-linux's prlimit on this JVM: the limit an operator's ulimit -n would set
        org.taskwatch.testing.Spawn.run(List.of("prlimit", "--pid", Long.toString(ProcessHandle.current().pid()),
                "--nofile=" + soft + ":" + hard));
    }

    @Test
    void maxWatchesBeyondTheDescriptorsIsRefused() throws Exception {
        String[] saved = openFileLimits();
        setOpenFileLimits("4096", saved[1]);
        try {
            assertEquals("4096", openFileLimits()[0]);
            long most = 4096 - org.taskwatch.kernel.DescriptorBudget.RESERVE;
            AgentConfig base = AgentConfig.defaults();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> base.with(ConfigKey.MAX_WATCHES, Long.toString(most + 1)));
            assertTrue(e.getMessage().startsWith("maxWatches: each process watch holds a descriptor"), e.getMessage());
            assertTrue(e.getMessage().contains("may open 4096 (RLIMIT_NOFILE)"), e.getMessage());
            assertTrue(e.getMessage().contains("at most " + most + " watches"), e.getMessage());
            assertTrue(e.getMessage().endsWith("got '" + (most + 1) + "'"), e.getMessage());
            AgentConfig fits = base.with(ConfigKey.MAX_WATCHES, Long.toString(most));
            assertEquals(most, fits.monitorSettings().maxWatches());
            assertEquals(List.of(), fits.warnings());
            // the default (10000) is not the operator's doing: a warning for the banner, not a refusal
            assertEquals(1, base.warnings().size(), base.warnings().toString());
            assertTrue(base.warnings().get(0).startsWith("maxWatches 10000: this process's descriptors (RLIMIT_NOFILE"
                    + " 4096) allow about " + most + " process watches"), base.warnings().toString());
        } finally {
            setOpenFileLimits(saved[0], saved[1]);
        }
    }

    @Test
    void theAgentsDefaultsAreTheLibrarysDefaults() {
        // the agent's keys (README table) and MonitorSettings.defaults() (CLI, -javaagent without
        // options, embedders) state the same defaults twice: they must not drift apart
        assertEquals(MonitorSettings.defaults(), AgentConfig.defaults().monitorSettings());
    }

    @Test
    void fileThenOverridesWithCheckedValues(@TempDir Path dir) throws IOException {
        Path f = Files.writeString(dir.resolve("a.properties"), "jmx.port = 9999\nmaxWatches=20\n# comment\n");
        AgentConfig c = AgentConfig.defaults().withFile(f).with(Map.of("maxWatches", "30"));
        assertEquals(9999, c.getInt(ConfigKey.JMX_PORT));
        assertEquals(30, c.monitorSettings().maxWatches());
        assertEquals(8778, c.jolokiaSettings(null).port(), "untouched keys keep their defaults");
        assertEquals(List.of(), c.warnings());
    }

    @Test
    void badKeysAndValuesNameTheKeyAndChangeNothing(@TempDir Path dir) throws IOException {
        AgentConfig base = AgentConfig.defaults();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> base.with(Map.of("jolokia.prot", "1")));
        assertTrue(e.getMessage().contains("unknown key 'jolokia.prot'") && e.getMessage().contains("jolokia.port?"),
                e.getMessage());
        String[][] bad = {{"jmx.port", "65536", "must be 0 to 65535"}, {"jmx.port", "x", "whole number"},
            {"jmx.enabled", "yes", "true or false"}, {"source", "ebpf", "auto, netlink or procfs"},
            {"jmx.passwordFile", "/nonexistent/pw", "cannot read"}, {"maxWatches", "0", "must be 1 to"},
            {"coalesceMicros", "-1", "must be 0 to 100000"}, {"coalesceMicros", "100001", "must be 0 to 100000"},
            {"priorityBoost", "21", "must be 0 to 20"}, {"priorityBoost", "-4", "must be 0 to 20"}};
        for (String[] b : bad) {
            e = assertThrows(IllegalArgumentException.class, () -> base.with(Map.of(b[0], b[1])), b[0]);
            assertTrue(e.getMessage().startsWith(b[0] + ": ") && e.getMessage().contains(b[2]), e.getMessage());
        }
        e = assertThrows(IllegalArgumentException.class, () -> base.with(Map.of("jolokia.user", "ops")));
        assertTrue(e.getMessage().startsWith("jolokia.password"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> base.with(Map.of("jolokia.user", "ops",
                "jolokia.password", "pw", "jmx.passwordFile", typoFree(dir))));
        assertTrue(e.getMessage().startsWith("jolokia.user: not with jmx.passwordFile"), "one set of users: " + e.getMessage());
        for (String[] b : new String[][] {{"jolokia.maxRequestBytes", "0"}, {"jolokia.maxUrlLength", "x"},
            {"jolokia.maxBulkRequests", "0"}, {"jolokia.maxJsonDepth", "1"}}) {
            e = assertThrows(IllegalArgumentException.class, () -> base.with(Map.of(b[0], b[1])), b[0]);
            assertTrue(e.getMessage().startsWith(b[0] + ": must be"), e.getMessage());
        }
        e = assertThrows(IllegalArgumentException.class, () -> base.with(Map.of("jolokia.password", "secret")));
        assertTrue(!e.getMessage().contains("secret"), "a password is never echoed: " + e.getMessage());
        assertEquals("9875", base.get(ConfigKey.JMX_PORT), "the base is unchanged");

        Path typo = Files.writeString(dir.resolve("t.properties"), "maxWatches=many\n");
        e = assertThrows(IllegalArgumentException.class, () -> base.withFile(typo));
        assertTrue(e.getMessage().startsWith("config file " + typo + ": maxWatches:"), e.getMessage());
        IOException io = assertThrows(IOException.class, () -> base.withFile(dir.resolve("none.properties")));
        assertTrue(io.getMessage().contains("none.properties: no such file"), io.getMessage());
    }

    private static String typoFree(Path dir) throws IOException {
        return Files.writeString(dir.resolve("jmx.password"), "ops pw\n").toString();
    }

    @Test
    void aReadablePasswordFileIsWarnedAbout(@TempDir Path dir) throws IOException {
        Path f = Files.writeString(dir.resolve("p.properties"), "jolokia.user=ops\njolokia.password=pw\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        assertTrue(AgentConfig.defaults().withFile(f).warnings().get(0).contains("chmod 600"));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        assertEquals(List.of(), AgentConfig.defaults().withFile(f).warnings());
    }

    @Test
    void javaAgentOptionsKeepTheNetworkOffUnlessAsked() throws IOException {
        AgentConfig c = JavaAgent.config("maxWatches=7");
        assertEquals(false, c.getBoolean(ConfigKey.JMX_ENABLED));
        assertEquals(false, c.getBoolean(ConfigKey.JOLOKIA_ENABLED));
        assertEquals("", c.get(ConfigKey.PROMETHEUS_PORT), "no Prometheus endpoint unless asked");
        assertEquals(7, c.monitorSettings().maxWatches());
        assertEquals(true, JavaAgent.config("jmx.enabled=true").getBoolean(ConfigKey.JMX_ENABLED));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JavaAgent.config("nonsense"));
        assertTrue(e.getMessage().contains("expected key=value"), e.getMessage());
    }

    @Test
    void prometheusAndRedactionKeysAreCheckedAndReachWhatUsesThem() {
        AgentConfig base = AgentConfig.defaults();
        assertEquals("", base.get(ConfigKey.PROMETHEUS_PORT), "off by default");
        assertEquals("9876", base.with(ConfigKey.PROMETHEUS_PORT, "9876").get(ConfigKey.PROMETHEUS_PORT));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> base.with(ConfigKey.PROMETHEUS_PORT, "scrape"));
        assertEquals("prometheus.port: must be empty (off) or a port, 0 to 65535, got 'scrape'", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> base.with(ConfigKey.PROMETHEUS_PORT, "70000"));

        assertEquals("run --password=***", base.monitorSettings().redaction().apply("run --password=pw"));
        assertEquals("run --password=pw", base.with(ConfigKey.REDACT, "").monitorSettings().redaction().apply("run --password=pw"));
        assertEquals("key ***", base.with(ConfigKey.REDACT, "sk-[a-z0-9]+").monitorSettings().redaction().apply("key sk-abc1"));
        e = assertThrows(IllegalArgumentException.class, () -> base.with(ConfigKey.REDACT, "(unclosed"));
        assertTrue(e.getMessage().startsWith("redact: not a regular expression: Unclosed group"), e.getMessage());
    }
}
