package org.taskwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskwatch.testing.OutputLines;
import org.taskwatch.testing.Spawn;

/**
 * {@code -javaagent} inside applications that bundle their own Jolokia 1.x and JNA, as message
 * brokers and consoles do: the host serves as before, and taskwatch's MBeans are in the host's
 * platform MBeanServer, read and used through the host's own Jolokia. The hosts' jars are copied
 * from Maven Central by the build ({@code target/hosts}).
 */
class HostIsolationIT {
    private static final Duration START = Duration.ofSeconds(120); // hawtio unpacks a 19 MB war first

    /** Jolokia 1.7.2 and JNA 5.13.0 on the application class path, both in use. */
    @Test
    void aHostWithItsOwnJolokiaAndJnaServesAsBefore(@TempDir Path dir) throws Exception {
        AgentProcess.requireConnector();
        Path app = dir.resolve("HostApp.java");
        try (InputStream in = HostIsolationIT.class.getResourceAsStream("/hosts/HostApp.java")) {
            Files.copy(in, app);
        }
        int port = AgentProcess.freePort();
        Process host = new ProcessBuilder(AgentProcess.java(), "-javaagent:" + AgentProcess.jar() + "=maxWatches=100",
                "-cp", host("jolokia-jvm-1.7.2.jar") + ":" + host("jna-5.13.0.jar"), app.toString(), String.valueOf(port))
                .redirectErrorStream(true).start();
        OutputLines out = OutputLines.of(host.getInputStream());
        try {
            out.await("host: Jolokia http", START);
            // the host's own JNA: its version, and a call whose answer /proc can vouch for
            assertEquals("host: JNA 5.13.0 getpid " + host.pid(), out.await("host: JNA", START), out.lines().toString());
            assertTrue(out.lines().stream().anyMatch(l -> l.startsWith("taskwatch: event source")), out.lines().toString());

            JolokiaClient jolokia = new JolokiaClient("http://127.0.0.1:" + port + "/jolokia/");
            assertTrue(((Map<?, ?>) JolokiaClient.value(jolokia.get("version"))).get("agent").toString().startsWith("1.7."),
                    "the host's Jolokia 1.x answers");
            assertUsable(jolokia, host);

            // each JNA loaded a native library of its own (JNA extracts a temporary copy, then unlinks it)
            List<String> dispatch = jnaLibraries(host.pid());
            assertEquals(2, dispatch.size(), "JNA's native libraries mapped: " + dispatch);
        } finally {
            stop(host, out);
        }
    }

    /** hawtio 2.17.7, the console whose web context the agent once broke (Jolokia 1.7.1 in its war). */
    @Test
    void hawtioServesAsBefore(@TempDir Path dir) throws Exception {
        AgentProcess.requireConnector();
        int port = AgentProcess.freePort();
        Process host = new ProcessBuilder(AgentProcess.java(), "-Djava.io.tmpdir=" + dir, "-Duser.home=" + dir, // hawtio unpacks there
                "-javaagent:" + AgentProcess.jar() + "=maxWatches=100", "-jar", host("hawtio-app-2.17.7.jar").toString(),
                "--host", "127.0.0.1", "--port", String.valueOf(port)).directory(dir.toFile())
                .redirectErrorStream(true).start();
        OutputLines out = OutputLines.of(host.getInputStream());
        try {
            JolokiaClient jolokia = new JolokiaClient("http://127.0.0.1:" + port + "/hawtio/jolokia/");
            HttpResponse<String> version = awaitServing(jolokia, host, out);
            assertTrue(((Map<?, ?>) JolokiaClient.value(JolokiaClient.parse(version.body()))).get("agent").toString().startsWith("1.7."), version.body());
            HttpResponse<String> page = jolokia.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hawtio/")).GET());
            assertEquals(200, page.statusCode(), "the console's page");
            assertTrue(out.lines().stream().anyMatch(l -> l.startsWith("taskwatch: event source")), out.lines().toString());
            assertUsable(jolokia, host);
        } finally {
            stop(host, out);
        }
    }

    /**
     * Through the host's Jolokia: the Monitor MBean beside the host JVM's own platform MBeans, and
     * a watch on a real process that sees the exit code the test chose.
     */
    private static void assertUsable(JolokiaClient jolokia, Process host) throws Exception {
        assertEquals("netlink", JolokiaClient.value(jolokia.get("read/org.taskwatch:type=Monitor/EventSource")));
        String vmName = (String) JolokiaClient.value(jolokia.get("read/java.lang:type=Runtime/Name"));
        assertTrue(vmName.startsWith(host.pid() + "@"), "the host's platform MBeanServer: " + vmName);

        Process p = Spawn.sh("read line; exit 7");
        long id = ((Number) JolokiaClient.value(jolokia.post("{\"type\":\"exec\",\"mbean\":\"org.taskwatch:type=Monitor\","
                + "\"operation\":\"watch\",\"arguments\":[" + p.pid() + ",\"exit\"]}"))).longValue();
        String watch = "read/org.taskwatch:type=Watch,id=" + id + "/";
        assertEquals(String.valueOf(p.pid()), JolokiaClient.value(jolokia.get(watch + "Target")));
        try (OutputStream in = p.getOutputStream()) {
            in.write('\n');
        }
        assertEquals(7, Spawn.waitFor(p));
        Map<?, ?> exit = (Map<?, ?>) JolokiaClient.value(jolokia.post("{\"type\":\"exec\",\"mbean\":\"org.taskwatch:type=Monitor\","
                + "\"operation\":\"waitForExit\",\"arguments\":[" + p.pid() + ",10000]}"));
        assertEquals(true, exit.get("exited"), exit.toString());
        assertEquals(7L, ((Number) exit.get("exitCode")).longValue(), exit.toString());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Object code;
        while ((code = JolokiaClient.value(jolokia.get(watch + "ExitCode"))) == null && System.nanoTime() < deadline) {
            Thread.sleep(50); // the Watch MBean is updated by the delivery thread
        }
        assertEquals(7L, code == null ? null : ((Number) code).longValue(), "the watch saw the exit");
    }

    /** The first HTTP 200 of Jolokia's version: before it, no listener, or 503 while the web context starts. */
    private static HttpResponse<String> awaitServing(JolokiaClient jolokia, Process host, OutputLines out) throws Exception {
        long deadline = System.nanoTime() + START.toNanos();
        HttpResponse<String> last = null;
        while (System.nanoTime() < deadline && host.isAlive()) {
            try {
                last = jolokia.send(HttpRequest.newBuilder(URI.create(jolokia.url + "version")).GET());
                if (last.statusCode() == 200) {
                    return last;
                }
            } catch (IOException notListeningYet) {
                // the port opens with the server
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the host did not serve within " + START + " (last: "
                + (last == null ? "no answer" : last.statusCode()) + "): " + out.lines());
    }

    /** The distinct files holding JNA's native dispatch library that {@code pid} has mapped. */
    private static List<String> jnaLibraries(long pid) throws IOException {
        Pattern jna = Pattern.compile("(/\\S*/jna\\d+\\.tmp)( \\(deleted\\))?$");
        List<String> files = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/maps"))) {
            Matcher m = jna.matcher(line);
            if (m.find() && !files.contains(m.group(1))) {
                files.add(m.group(1));
            }
        }
        return files;
    }

    private static Path host(String jar) {
        Path p = Path.of(System.getProperty("taskwatch.hosts", "target/hosts"), jar);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("no " + p + ": the build copies it (mvn verify)");
        }
        return p;
    }

    /** SIGTERM: the host's own shutdown (143, as the JVM ends on SIGTERM), with taskwatch's hook in it. */
    private static void stop(Process host, OutputLines out) throws InterruptedException {
        host.destroy();
        if (!host.waitFor(30, TimeUnit.SECONDS)) {
            host.destroyForcibly();
            throw new AssertionError("the host did not stop on SIGTERM: " + out.lines());
        }
        assertEquals(143, host.exitValue(), out.lines().toString());
    }
}
