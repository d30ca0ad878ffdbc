package org.taskwatch.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.taskwatch.agent.ConfigKey;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.ListenerProbe;

/**
 * The Debian package as an operator meets it, on this machine, as root: lintian; dpkg -i;
 * the launchers on the default java and on the newest other one under /usr/lib/jvm; the agent
 * started as the unit starts it (its user, exactly its capabilities, its environment and
 * command), answering JMX and Jolokia; check_taskwatch as the nagios user, from the archive
 * made at install; an upgrade to a second build over an edited configuration; dpkg -r with the
 * agent running; dpkg -P. One scenario in order; {@link #restoreTheMachine} purges the package
 * and removes the users this test made, whatever failed.
 *
 * <p>The second build is the first one repacked with a higher version and a changed
 * taskwatch.properties (as when a release adds a key), so dpkg meets both an edited and a new
 * conffile.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PackageIT {
    private static final Path UNIT = Path.of("/lib/systemd/system/taskwatch.service");
    private static final Path CONFIG = Path.of("/etc/taskwatch/taskwatch.properties");
    private static final Path CDS_DIR = Path.of("/var/cache/taskwatch");
    private static final Path CHECK = Path.of("/usr/lib/nagios/plugins/check_taskwatch");
    private static final String MONITOR = "org.taskwatch:type=Monitor";
    /** Capability numbers (linux/capability.h) of those a unit may name. */
    private static final Map<String, Integer> CAPS = Map.of("CAP_NET_ADMIN", 12, "CAP_BPF", 39, "CAP_SYS_NICE", 23,
            "CAP_SYS_PTRACE", 19, "CAP_NET_BIND_SERVICE", 10, "CAP_DAC_READ_SEARCH", 2);

    private static Path work;
    private static Path deb;
    private static boolean madeTaskwatchUser;
    private static boolean madeNagiosUser;
    private static Boolean cleanKernelAtStart;
    private static final List<Agent> agents = new ArrayList<>();
    private static List<String> installedPaths = List.of();
    private static String editedConfig;
    private static int jmxPort;
    private static int jolokiaPort;

    /** An agent this test started, and the files its stdout and stderr go to. */
    record Agent(Process process, Path out, Path err) {}

    record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    @BeforeAll
    static void preconditions() throws Exception {
        KernelTests.require(KernelTests.isRoot(), "the package test installs a package: it needs root");
        for (String tool : List.of("/usr/bin/dpkg", "/usr/bin/lintian", "/usr/bin/setpriv", "/usr/bin/systemd-analyze")) {
            KernelTests.require(Files.isExecutable(Path.of(tool)), tool + " is missing (.ci/run installs it)");
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(Path.of("target"), "taskwatch_*_all.deb")) {
            List<Path> debs = new ArrayList<>();
            s.forEach(debs::add);
            assertEquals(1, debs.size(), "one package in target/: " + debs);
            // never replace an operator's installation
            assertFalse(installed(), "a taskwatch package is installed on this machine: the package test would replace"
                    + " it. Purge it first (dpkg -P taskwatch)");
            assertTrue(processesOf("taskwatch").isEmpty(), "processes of user taskwatch run already: "
                    + processesOf("taskwatch"));
            deb = debs.get(0).toAbsolutePath(); // from here on, restoreTheMachine cleans up
        }
        madeTaskwatchUser = run(List.of("getent", "passwd", "taskwatch")).exit() != 0;
        madeNagiosUser = run(List.of("getent", "passwd", "nagios")).exit() != 0;
        if (madeNagiosUser) {
            // what the monitoring daemon's package would make; nothing more is needed to run a check
            ok(run(List.of("useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                    "--shell", "/usr/sbin/nologin", "nagios")));
        }
        work = Files.createTempDirectory("taskwatch-package-test");
        cleanKernelAtStart = !ListenerProbe.othersListening();
    }

    @AfterAll
    static void restoreTheMachine() throws Exception {
        List<String> problems = new ArrayList<>();
        for (Agent a : agents) {
            stop(a); // SIGTERM, never SIGKILL
        }
        if (deb == null) {
            return; // nothing was touched (an installed taskwatch stays as it was)
        }
        if (installed()) {
            Run r = dpkg(List.of("--purge", "taskwatch"));
            if (r.exit() != 0) {
                problems.add("dpkg --purge taskwatch: " + r);
            }
        }
        if (madeTaskwatchUser && run(List.of("getent", "passwd", "taskwatch")).exit() == 0) {
            // the JVM's perf data of the agents run here (the unit's PrivateTmp discards it)
            run(List.of("rm", "-rf", "/tmp/hsperfdata_taskwatch"));
            run(List.of("userdel", "taskwatch"));
            run(List.of("groupdel", "taskwatch"));
        }
        if (madeNagiosUser) {
            run(List.of("userdel", "nagios"));
        }
        if (work != null) {
            try (Stream<Path> all = Files.walk(work)) {
                for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        assertTrue(problems.isEmpty(), problems.toString());
    }

    @Test
    @Order(1)
    void lintianFindsNoErrorOrWarning() throws Exception {
        // the package's own overrides (usr/share/lintian/overrides/taskwatch) say why each tag is wrong here
        Run r = run(List.of("lintian", "--fail-on", "error,warning", deb.toString()));
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().lines().noneMatch(l -> l.startsWith("E:") || l.startsWith("W:")), r.toString());
    }

    @Test
    @Order(2)
    void theTarballHoldsTheSameTree() throws Exception {
        Path tarball;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(Path.of("target"), "taskwatch-*.tar.gz")) {
            tarball = s.iterator().next();
        }
        // the tarball's top directory and the package's "./" are not part of the tree
        assertEquals(tree(ok(run(List.of("dpkg-deb", "-c", deb.toString()))), "^\\./"),
                tree(ok(run(List.of("tar", "-tzvf", tarball.toString()))), "^[^/]+/"));
    }

    /** "mode owner /path" of each entry of a tar listing (tar -tv, dpkg-deb -c), less the prefix. */
    private static TreeSet<String> tree(String listing, String prefix) {
        TreeSet<String> t = new TreeSet<>();
        for (String l : listing.lines().toList()) {
            String[] f = l.split("\\s+");
            String name = f[f.length - 1].replaceFirst(prefix, "").replaceFirst("/$", "");
            if (!name.isEmpty()) {
                t.add(f[0] + " " + f[1] + " /" + name);
            }
        }
        return t;
    }

    @Test
    @Order(3)
    void installs() throws Exception {
        ok(dpkg(List.of("-i", deb.toString())));
        assertTrue(installed());
        installedPaths = ok(dpkg(List.of("-L", "taskwatch"))).lines().toList();
        for (String p : List.of("/usr/bin/taskwatch", "/usr/lib/nagios/plugins/check_taskwatch", UNIT.toString(),
                CONFIG.toString(), "/usr/share/taskwatch/taskwatch.jar", "/usr/share/taskwatch/check_taskwatch.jar",
                "/usr/share/taskwatch/zabbix/taskwatch_template.yaml", "/usr/share/taskwatch/zabbix/taskwatch.conf",
                "/usr/share/taskwatch/zabbix/taskwatch_agent_template.yaml",
                "/usr/share/taskwatch/nagios/taskwatch.cfg", "/usr/share/taskwatch/icinga2/taskwatch-command.conf",
                "/usr/share/taskwatch/icinga2/taskwatch-services.conf",
                "/usr/share/icinga2/include/plugins-contrib.d/taskwatch.conf", "/var/lib/taskwatch")) {
            assertTrue(installedPaths.contains(p), p + " not in the package: " + installedPaths);
        }
        assertEquals(0, run(List.of("getent", "passwd", "taskwatch")).exit(), "no taskwatch user");
        String conffiles = ok(run(List.of("dpkg-query", "-W", "-f", "${Conffiles}", "taskwatch")));
        assertTrue(conffiles.contains(CONFIG + " "), "not a conffile: " + conffiles);
        // readable by the service's group only: it may hold passwords
        assertEquals("root:taskwatch 640", ok(run(List.of("stat", "-c", "%U:%G %a", CONFIG.toString()))).trim());
        assertEquals("taskwatch:taskwatch", ok(run(List.of("stat", "-c", "%U:%G", "/var/lib/taskwatch"))).trim());
        // a Java runtime upgraded (dpkg's file trigger on /usr/lib/jvm): the archive is made again
        try (Stream<Path> s = Files.list(CDS_DIR)) {
            for (Path jsa : s.filter(p -> p.getFileName().toString().endsWith(".jsa")).toList()) {
                Files.delete(jsa);
            }
        }
        ok(run(List.of("dpkg-trigger", "--no-await", "/usr/lib/jvm")));
        ok(dpkg(List.of("--triggers-only", "taskwatch")));
        try (Stream<Path> s = Files.list(CDS_DIR)) {
            assertEquals(1, s.filter(p -> p.getFileName().toString().endsWith(".jsa")).count(), "the archive, remade");
        }
        String zabbix = Files.readString(Path.of("/usr/share/taskwatch/zabbix/taskwatch.conf"));
        assertTrue(zabbix.contains(",/usr/lib/nagios/plugins/check_taskwatch ") && !zabbix.contains("/opt/taskwatch/"),
                "the Zabbix agent's parameters call the installed plugin");
    }

    @Test
    @Order(4)
    void theConfigurationListsEveryKeyCommentedWithItsDefault() throws Exception {
        Map<String, String> commented = new LinkedHashMap<>();
        for (String l : Files.readAllLines(CONFIG)) {
            Matcher m = Pattern.compile("#([A-Za-z][\\w.]*)=(.*)").matcher(l);
            if (m.matches()) {
                commented.put(m.group(1), m.group(2));
            }
            assertTrue(l.isEmpty() || l.startsWith("#"), "an active line in the shipped file: " + l);
        }
        Map<String, String> expected = new LinkedHashMap<>();
        for (ConfigKey k : ConfigKey.values()) {
            expected.put(k.key(), k.defaultValue());
        }
        assertEquals(expected, commented);
    }

    @Test
    @Order(4)
    void icingaLoadsTheInstalledCheckCommandWithItsStockConfiguration() throws Exception {
        Path icinga = Path.of("/usr/sbin/icinga2");
        if (!Files.isExecutable(icinga)) {
            String why = "icinga2 is not installed (apt-get install icinga2)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("the package's Icinga 2 check cannot run in CI: " + why);
            }
            org.junit.jupiter.api.Assumptions.assumeTrue(false, why);
        }
        Path objects = Files.createTempDirectory("taskwatch-icinga").resolve("objects");
        // Debian's /etc/icinga2 as installed loads plugins-contrib.d, where the package put the CheckCommand
        Run check = run(List.of(icinga.toString(), "daemon", "-C", "-DObjectsPath=" + objects));
        assertEquals(0, check.exit(), check.toString());
        Run list = run(List.of(icinga.toString(), "object", "list", "--type", "CheckCommand", "--name", "taskwatch",
                "-DObjectsPath=" + objects));
        assertTrue(list.out().contains("Object 'taskwatch' of type 'CheckCommand'")
                && list.out().contains("/usr/share/icinga2/include/plugins-contrib.d/taskwatch.conf")
                && list.out().contains("/usr/lib/nagios/plugins/check_taskwatch"), list.toString());
    }

    @Test
    @Order(5)
    void theUnitPassesSystemdAnalyzeVerify() throws Exception {
        // --man=no: machines without man-db (or whose dpkg leaves out /usr/share/man) cannot open
        // Documentation=man:taskwatch(1); lintian checks the manual page itself
        Run r = run(List.of("systemd-analyze", "verify", "--man=no", UNIT.toString()));
        assertEquals(0, r.exit(), r.toString());
        assertEquals("", r.out() + r.err(), "systemd-analyze says something about the unit");
    }

    @Test
    @Order(6)
    void theLaunchersAreSilentOnEveryJava() throws Exception {
        for (String java : javas()) {
            Run v = run(List.of("env", "JAVA=" + java, "/usr/bin/taskwatch", "--version"));
            assertEquals(0, v.exit(), java + ": " + v);
            assertTrue(v.out().startsWith("taskwatch "), java + ": " + v);
            assertEquals("", v.err(), java + ": taskwatch --version");
            // wait loads JNA's native part: Java 24+ warns unless native access is enabled
            Process sleeper = new ProcessBuilder("sleep", "600").start();
            Run w;
            try {
                w = run(List.of("env", "JAVA=" + java, "/usr/bin/taskwatch", "wait", Long.toString(sleeper.pid()),
                        "--timeout", "1"));
            } finally {
                sleeper.destroy();
            }
            assertEquals(3, w.exit(), java + ": " + w);
            assertEquals("pid " + sleeper.pid() + ": still running after 1 s\n", w.out(), java + ": " + w);
            assertEquals("", w.err(), java + ": taskwatch wait");
            Run c = run(List.of("setpriv", "--reuid=nagios", "--regid=nagios", "--init-groups", "env", "-i",
                    "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/nonexistent", "JAVA=" + java, CHECK.toString(), "--version"));
            assertEquals(3, c.exit(), java + ": " + c); // a plugin's --version is UNKNOWN, as the guidelines say
            assertTrue(c.out().startsWith("check_taskwatch "), java + ": " + c);
            assertEquals("", c.err(), java + ": check_taskwatch --version");
        }
    }

    @Test
    @Order(7)
    void theAgentRunsAsTheUnitSaysAndAnswersJmxJolokiaAndTheCheck() throws Exception {
        // the operator's edit: every key uncommented (so every shipped default must be valid as
        // written), and ports of their own
        jmxPort = freePort();
        jolokiaPort = freePort();
        StringBuilder edited = new StringBuilder();
        for (String l : Files.readAllLines(CONFIG)) {
            String u = l.matches("#[A-Za-z][\\w.]*=.*") ? l.substring(1) : l;
            u = u.startsWith("jmx.port=") ? "jmx.port=" + jmxPort : u.startsWith("jolokia.port=") ? "jolokia.port=" + jolokiaPort : u;
            edited.append(u).append('\n');
        }
        editedConfig = edited.toString();
        Files.writeString(CONFIG, editedConfig);

        // the archive check_taskwatch uses, made at install for the default java, readable by all
        try (Stream<Path> s = Files.list(CDS_DIR)) {
            List<Path> jsa = s.filter(p -> p.getFileName().toString().endsWith(".jsa")).toList();
            assertEquals(1, jsa.size(), "one class-data archive in " + CDS_DIR + ": " + jsa);
            assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(jsa.get(0))));
        }

        List<String> javas = javas();
        System.err.println("PackageIT: the agent and check_taskwatch on " + javas);
        for (String java : javas) {
            Agent agent = startAgent(java);
            int stopped;
            try {
                String banner = awaitBanner(agent);
                assertStartedAsTheUnitSays(agent, java);
                String source;
                try (JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(
                        "service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi"))) {
                    source = (String) c.getMBeanServerConnection().getAttribute(new ObjectName(MONITOR), "EventSource");
                }
                assertTrue(banner.contains("event source " + source), java + ": JMX says " + source + ", the banner:\n" + banner);
                HttpResponse<String> j = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + jolokiaPort + "/jolokia/read/" + MONITOR + "/EventSource"))
                        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, j.statusCode(), j.body());
                assertTrue(j.body().contains("\"value\":\"" + source + "\""), j.body());
                // the unit's CAP_BPF: the default kernel filter counts in the kernel
                HttpResponse<String> kf = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + jolokiaPort + "/jolokia/read/" + MONITOR + "/KernelFilter"))
                        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
                assertTrue(kf.body().contains("every event counted in the kernel (eBPF)"), java + ": " + kf.body());

                // as the monitoring daemon runs it; on the default java its classes come from the
                // archive made at install (the JVM says where each class came from)
                boolean defaultJava = java.equals("java");
                List<String> check = new ArrayList<>(List.of("setpriv", "--reuid=nagios", "--regid=nagios", "--init-groups",
                        "env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/nonexistent",
                        "CHECK_TASKWATCH_JAVA_OPTS=-Xlog:class+load=info:stderr"));
                if (!defaultJava) {
                    check.add("JAVA=" + java);
                }
                check.addAll(List.of(CHECK.toString(), "-U", "http://127.0.0.1:" + jolokiaPort + "/jolokia/", "--health"));
                Run h = run(check);
                assertEquals(0, h.exit(), java + ": " + h);
                assertTrue(h.out().startsWith("TASKWATCH OK - "), java + ": " + h);
                if (defaultJava) {
                    assertTrue(h.err().contains("org.taskwatch.nagios.CheckTaskwatch source: shared objects file (top)"),
                            "the check's classes did not come from the archive made at install");
                }
            } finally {
                stopped = stop(agent);
            }
            assertEquals(0, stopped, java + ": the agent's exit status after SIGTERM");
            String err = Files.readString(agent.err());
            assertFalse(err.contains("WARNING"), java + ": the agent warned:\n" + err);
        }
    }

    @Test
    @Order(8)
    void anUpgradeKeepsTheEditedConfiguration() throws Exception {
        String installedVersion = ok(run(List.of("dpkg-query", "-W", "-f", "${Version}", "taskwatch")));
        Path next = secondBuild(installedVersion + "+1");
        // as apt -o Dpkg::Options::=--force-confold does; without a terminal dpkg cannot ask
        ok(dpkg(List.of("--force-confdef", "--force-confold", "-i", next.toString())));
        assertEquals(installedVersion + "+1", ok(run(List.of("dpkg-query", "-W", "-f", "${Version}", "taskwatch"))));
        assertEquals(editedConfig, Files.readString(CONFIG), "the edited configuration was replaced");
        assertTrue(Files.readString(Path.of(CONFIG + ".dpkg-dist")).contains("# a key of the next version"),
                "the new version's file is beside it, as dpkg-dist");
        assertEquals("root:taskwatch 640", ok(run(List.of("stat", "-c", "%U:%G %a", CONFIG.toString()))).trim());
        try (Stream<Path> s = Files.list(CDS_DIR)) {
            assertEquals(1, s.filter(p -> p.getFileName().toString().endsWith(".jsa")).count(), "the archive, remade");
        }
    }

    @Test
    @Order(9)
    void removeStopsTheAgentWithSigtermAndLeavesNoProcessNorListener() throws Exception {
        Agent agent = startAgent("java");
        awaitBanner(agent); // on the edited ports: the edit survived the upgrade and is what runs
        ok(dpkg(List.of("-r", "taskwatch")));
        // prerm waited for it: it ended on SIGTERM (0), not killed (137)
        assertTrue(agent.process().waitFor(10, TimeUnit.SECONDS), "the agent still runs after dpkg -r");
        assertEquals(0, agent.process().exitValue(), "the agent's exit status");
        assertEquals(List.of(), processesOf("taskwatch"), "processes of user taskwatch after dpkg -r");
        for (int port : new int[] {jmxPort, jolokiaPort}) {
            assertFalse(tcpListening(port), "something still listens on port " + port);
        }
        if (cleanKernelAtStart) {
            assertFalse(ListenerProbe.othersListening(), "the kernel still counts a proc connector listener");
        } else {
            System.err.println("note: another proc connector listener was there before the test: the kernel probe is"
                    + " inconclusive here; the agent's process and sockets are gone");
        }
        assertFalse(Files.exists(CDS_DIR), "the class-data archive of the removed jar");
        assertTrue(Files.exists(CONFIG), "remove keeps the configuration");
    }

    @Test
    @Order(10)
    void purgeLeavesNoFile() throws Exception {
        ok(dpkg(List.of("-P", "taskwatch")));
        assertFalse(installed());
        assertFalse(installedPaths.isEmpty());
        List<String> left = new ArrayList<>();
        for (String p : installedPaths) {
            Path f = Path.of(p);
            // directories others share (/usr/share, /etc) stay; those of the package go
            if (Files.exists(f, java.nio.file.LinkOption.NOFOLLOW_LINKS) && (!Files.isDirectory(f) || p.contains("taskwatch"))) {
                left.add(p);
            }
        }
        for (String p : List.of("/etc/taskwatch", "/var/lib/taskwatch", "/var/cache/taskwatch")) {
            if (Files.exists(Path.of(p))) {
                left.add(p);
            }
        }
        for (String dir : List.of("/etc/systemd", "/var/lib/systemd")) {
            try (Stream<Path> s = Files.walk(Path.of(dir))) {
                s.filter(f -> f.getFileName().toString().contains("taskwatch")).forEach(f -> left.add(f.toString()));
            }
        }
        assertEquals(List.of(), left, "files left after dpkg -P");
    }

    // --- the agent as the unit starts it

    /** The unit's settings: key to values (a key may repeat). */
    private static Map<String, List<String>> unit() throws IOException {
        Map<String, List<String>> u = new LinkedHashMap<>();
        for (String l : Files.readAllLines(UNIT)) {
            int eq = l.indexOf('=');
            if (!l.startsWith("#") && !l.startsWith("[") && eq > 0) {
                u.computeIfAbsent(l.substring(0, eq).trim(), k -> new ArrayList<>()).add(l.substring(eq + 1).trim());
            }
        }
        return u;
    }

    private static String one(Map<String, List<String>> unit, String key) {
        List<String> v = unit.get(key);
        assertTrue(v != null && v.size() == 1, "the unit has one " + key + ": " + v);
        return v.get(0);
    }

    private static long capMask(String caps) {
        long mask = 0;
        for (String c : caps.split("\\s+")) {
            Integer n = CAPS.get(c);
            assertTrue(n != null, "add " + c + "'s number to PackageIT.CAPS");
            mask |= 1L << n;
        }
        return mask;
    }

    private static String setprivCaps(String caps) {
        StringBuilder b = new StringBuilder("-all");
        for (String c : caps.split("\\s+")) {
            b.append(",+").append(c.substring(4).toLowerCase(java.util.Locale.ROOT));
        }
        return b.toString();
    }

    /** Starts ExecStart as the unit's user, with exactly its capabilities and environment. */
    private static Agent startAgent(String java) throws IOException {
        Map<String, List<String>> u = unit();
        String ambient = one(u, "AmbientCapabilities");
        assertEquals(capMask(ambient), capMask(one(u, "CapabilityBoundingSet")), "ambient and bounding sets differ");
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + one(u, "User"), "--regid=" + one(u, "Group"),
                "--init-groups", "--inh-caps=" + setprivCaps(ambient), "--ambient-caps=" + setprivCaps(ambient),
                "--bounding-set=" + setprivCaps(one(u, "CapabilityBoundingSet"))));
        if ("yes".equals(one(u, "NoNewPrivileges"))) {
            cmd.add("--no-new-privs");
        }
        cmd.addAll(List.of("env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"));
        for (String e : u.getOrDefault("Environment", List.of())) {
            cmd.add(e.replaceAll("^\"|\"$", ""));
        }
        if (!java.equals("java")) {
            cmd.add("JAVA=" + java);
        }
        cmd.addAll(List.of(one(u, "ExecStart").split("\\s+")));
        Path out = work.resolve("agent-" + agents.size() + ".out");
        Path err = work.resolve("agent-" + agents.size() + ".err");
        Agent a = new Agent(new ProcessBuilder(cmd).directory(work.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start(), out, err);
        agents.add(a);
        return a;
    }

    /** The agent's banner, once it names both endpoints on the configured ports. */
    private static String awaitBanner(Agent agent) throws Exception {
        Path out = agent.out();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String b = Files.readString(out);
            if (b.contains("/jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi") && b.contains("http://127.0.0.1:" + jolokiaPort + "/jolokia/")) {
                return b;
            }
            if (!agent.process().isAlive()) {
                fail("the agent ended (" + agent.process().exitValue() + "):\n" + b + Files.readString(agent.err()));
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no banner with ports " + jmxPort + " and " + jolokiaPort + " in 60 s:\n" + Files.readString(out));
    }

    /** /proc says: the unit's user, its capabilities in every set, the java asked for. */
    private static void assertStartedAsTheUnitSays(Agent agent, String java) throws Exception {
        Map<String, List<String>> u = unit();
        long pid = agent.process().pid();
        String status = Files.readString(Path.of("/proc/" + pid + "/status"));
        String uid = ok(run(List.of("id", "-u", one(u, "User")))).trim();
        assertTrue(status.contains("\nUid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid + "\n"), status);
        long want = capMask(one(u, "AmbientCapabilities"));
        for (String set : List.of("CapEff", "CapPrm", "CapAmb", "CapBnd")) {
            Matcher m = Pattern.compile(set + ":\\s+([0-9a-f]+)").matcher(status);
            assertTrue(m.find(), status);
            assertEquals(Long.toHexString(want), Long.toHexString(Long.parseUnsignedLong(m.group(1), 16)), set);
        }
        String exe = Files.readSymbolicLink(Path.of("/proc/" + pid + "/exe")).toString();
        String wanted = Path.of(java.equals("java") ? ok(run(List.of("readlink", "-f", "/usr/bin/java"))).trim() : java)
                .toRealPath().toString();
        assertEquals(wanted, exe, "the agent's java");
    }

    /** SIGTERM (Process.destroy), and the exit status; never SIGKILL. */
    private static int stop(Agent a) throws InterruptedException {
        Process p = a.process();
        p.destroy();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError("the agent " + p.pid() + " did not end within 60 s of SIGTERM");
        }
        return p.exitValue();
    }

    // --- the machine

    /** "java" (the default) and the newest Java under /usr/lib/jvm when it is newer than the default. */
    private static List<String> javas() throws Exception {
        Path home = Path.of(ok(run(List.of("readlink", "-f", "/usr/bin/java"))).trim()).getParent().getParent();
        int defaultFeature = feature(home);
        String newest = null;
        int newestFeature = defaultFeature;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(Path.of("/usr/lib/jvm"))) {
            for (Path jdk : s) {
                int f = feature(jdk);
                if (f > newestFeature && Files.isExecutable(jdk.resolve("bin/java"))) {
                    newestFeature = f;
                    newest = jdk.resolve("bin/java").toString();
                }
            }
        }
        if (newest == null) {
            System.err.println("note: no Java newer than " + defaultFeature + " under /usr/lib/jvm: the launchers are"
                    + " checked on the default java only");
            return List.of("java");
        }
        return List.of("java", newest);
    }

    /** The feature version in a JDK's release file, or -1. */
    private static int feature(Path jdk) throws IOException {
        Path release = jdk.resolve("release");
        if (!Files.isRegularFile(release)) {
            return -1;
        }
        Matcher m = Pattern.compile("JAVA_VERSION=\"(\\d+)").matcher(Files.readString(release));
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    private static boolean installed() throws Exception {
        Run r = run(List.of("dpkg-query", "-W", "-f", "${db:Status-Status}", "taskwatch"));
        return r.exit() == 0 && !r.out().equals("not-installed") && !r.out().isEmpty();
    }

    /** Pids of processes whose real uid is the user's (from /proc), or none when there is no such user. */
    private static List<Long> processesOf(String user) throws Exception {
        Run id = run(List.of("id", "-u", user));
        if (id.exit() != 0) {
            return List.of();
        }
        String uid = id.out().trim();
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : s) {
                try {
                    for (String l : Files.readAllLines(p.resolve("status"))) {
                        if (l.startsWith("Uid:") && l.split("\\s+")[1].equals(uid)) {
                            pids.add(Long.parseLong(p.getFileName().toString()));
                        }
                    }
                } catch (IOException gone) {
                    // ended meanwhile
                }
            }
        }
        return pids;
    }

    /** Whether /proc/net/tcp or tcp6 has a socket listening on the port. */
    private static boolean tcpListening(int port) throws IOException {
        String hex = String.format(":%04X", port);
        for (String f : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String l : Files.readAllLines(Path.of(f))) {
                String[] c = l.trim().split("\\s+");
                if (c.length > 3 && c[1].endsWith(hex) && c[3].equals("0A")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The first package repacked as version {@code version}, its taskwatch.properties with a new line. */
    private static Path secondBuild(String version) throws Exception {
        Path tree = work.resolve("next");
        ok(run(List.of("dpkg-deb", "-R", deb.toString(), tree.toString())));
        Path control = tree.resolve("DEBIAN/control");
        Files.writeString(control, Files.readString(control).replaceFirst("(?m)^Version: .*$", "Version: " + version));
        Path conf = tree.resolve("etc/taskwatch/taskwatch.properties");
        Files.writeString(conf, Files.readString(conf) + "\n# a key of the next version\n#next.key=1\n");
        // md5sums of the files as they now are
        StringBuilder sums = new StringBuilder();
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        try (Stream<Path> all = Files.walk(tree)) {
            for (Path f : all.filter(Files::isRegularFile).filter(f -> !tree.relativize(f).startsWith("DEBIAN")).sorted().toList()) {
                sums.append(HexFormat.of().formatHex(md5.digest(Files.readAllBytes(f)))).append("  ")
                        .append(tree.relativize(f)).append('\n');
            }
        }
        Files.writeString(tree.resolve("DEBIAN/md5sums"), sums.toString());
        Path out = work.resolve("taskwatch_" + version + "_all.deb");
        ok(run(List.of("dpkg-deb", "--root-owner-group", "-b", tree.toString(), out.toString())));
        return out;
    }

    // --- processes

    private static Run run(List<String> command) throws Exception {
        Path out = Files.createTempFile("pkgtest", ".out");
        Path err = Files.createTempFile("pkgtest", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process p = pb.start();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroy();
                throw new AssertionError(command + " did not end within 5 minutes");
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /**
     * dpkg with these arguments; while another dpkg or apt holds the lock (the machine is
     * shared), it waits and tries again, up to 5 minutes.
     */
    private static Run dpkg(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("dpkg"));
        cmd.addAll(args);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (true) {
            Run r = run(cmd);
            if (r.exit() != 2 || !r.err().contains("lock") || System.nanoTime() > deadline) {
                return r;
            }
            Thread.sleep(2000);
        }
    }

    private static String ok(Run r) {
        assertEquals(0, r.exit(), r.toString());
        return r.out();
    }
}
