package org.taskwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskwatch.kernel.KernelVersion;
import org.taskwatch.testing.KernelTests;

/** {@code -javaagent:} with the packaged jar, loaded into a plain JVM that knows nothing of taskwatch. */
class JavaAgentIT {
    @Test
    void theMonitorMBeanAppearsInAPlainJvm(@TempDir Path dir) throws Exception {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6), "the agent needs the connector");
        int port = AgentProcess.freePort();
        Host host = host(dir, "System.out.println(\"app running\"); Thread.sleep(60_000);",
                "jmx.enabled=true,jmx.port=" + port + ",maxWatches=50");
        Process jvm = host.jvm();
        try {
            String seen = host.banner();
            assertTrue(seen.contains("taskwatch: JMX service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port), seen);
            assertTrue(!seen.contains("Jolokia"), "Jolokia stays off unless asked for: " + seen);
            try (JMXConnector c = JMXConnectorFactory.connect(
                    new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi"))) {
                var mbs = c.getMBeanServerConnection();
                ObjectName monitor = new ObjectName("org.taskwatch:type=Monitor");
                assertEquals("netlink", mbs.getAttribute(monitor, "EventSource"));
                assertTrue(mbs.isRegistered(new ObjectName("java.lang:type=Runtime")), "the host JVM's own platform MBeans");
                String vmName = (String) mbs.getAttribute(new ObjectName("java.lang:type=Runtime"), "Name");
                assertTrue(vmName.startsWith(jvm.pid() + "@"), "served from the application's JVM: " + vmName);
                long id = (Long) mbs.invoke(monitor, "watch", new Object[] {(int) jvm.pid(), "exit"},
                        new String[] {"int", "java.lang.String"});
                assertTrue(id > 0);
            }
        } finally {
            jvm.destroy();
            assertTrue(jvm.waitFor(15, TimeUnit.SECONDS));
        }
        assertEquals(143, jvm.exitValue(), "the host JVM's own SIGTERM behaviour is left alone");
    }

    @Test
    void theApplicationEndsWhenItsMainReturnsEvenWithAJmxClientConnected(@TempDir Path dir) throws Exception {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6), "the agent needs the connector");
        int port = AgentProcess.freePort();
        Host host = host(dir, "System.out.println(\"app running\"); System.in.read();",
                "jmx.enabled=true,jmx.port=" + port + ",maxWatches=50");
        Process jvm = host.jvm();
        try {
            assertTrue(!host.banner().contains("keep it running"), host.banner());
            // not closed: the client is still connected when the application's main returns
            JMXConnector c = JMXConnectorFactory.connect(
                    new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi"));
            {
                var mbs = c.getMBeanServerConnection();
                ObjectName monitor = new ObjectName("org.taskwatch:type=Monitor");
                mbs.addNotificationListener(monitor, (n, hb) -> { }, null, null); // a client that fetches, as JConsole's
                assertTrue((Long) mbs.invoke(monitor, "watch", new Object[] {(int) jvm.pid(), "exit"},
                        new String[] {"int", "java.lang.String"}) > 0);
                jvm.getOutputStream().write('\n'); // main returns; no other thread of the application's is left
                jvm.getOutputStream().flush();
                // the JDK's own JMX agent lets the JVM end here too; RMI objects exported through the
                // public API would keep its non-daemon reaper thread, and the JVM, alive
                assertTrue(jvm.waitFor(20, TimeUnit.SECONDS), "the JVM is still running with a JMX client connected");
            }
        } finally {
            if (jvm.isAlive()) {
                jvm.destroy();
                jvm.waitFor(15, TimeUnit.SECONDS);
            }
        }
        assertEquals(0, jvm.exitValue(), "main returned: a normal exit");
    }

    @Test
    void aBadOptionLeavesTheHostJvmRunning(@TempDir Path dir) throws Exception {
        Path app = Files.writeString(dir.resolve("App.java"),
                "public class App { public static void main(String[] a) { System.out.println(\"app ran\"); } }");
        Process jvm = new ProcessBuilder(AgentProcess.java(), "-javaagent:" + AgentProcess.jar() + "=jmx.port=notaport",
                app.toString()).redirectErrorStream(true).start();
        String out = new String(jvm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(jvm.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, jvm.exitValue(), out);
        List<String> lines = out.lines().toList();
        assertTrue(lines.contains("app ran"), out);
        assertTrue(out.contains("taskwatch: not started: jmx.port: must be a whole number (0 to 65535)"), out);
    }

    @Test
    void aJarWithoutItsLibDirectoryNamesWhatIsMissing(@TempDir Path dir) throws Exception {
        Path jar = Files.copy(AgentProcess.jar(), dir.resolve("taskwatch-mbeans.jar"));
        Path app = Files.writeString(dir.resolve("App.java"),
                "public class App { public static void main(String[] a) { System.out.println(\"app ran\"); } }");
        Process jvm = new ProcessBuilder(AgentProcess.java(), "-javaagent:" + jar + "=maxWatches=50", app.toString())
                .redirectErrorStream(true).start();
        String out = new String(jvm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(jvm.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, jvm.exitValue(), out);
        assertTrue(out.lines().toList().contains("app ran"), out);
        String missing = "missing " + dir.resolve("lib/taskwatch-native-bridge-");
        assertTrue(out.contains("taskwatch: not started: " + missing), out);
        assertTrue(out.contains("the jars taskwatch-mbeans.jar needs belong in lib/ beside it"), out);

        Process cli = new ProcessBuilder(AgentProcess.java(), "-jar", jar.toString(), "--version").redirectErrorStream(true).start();
        String cliOut = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(cli.waitFor(30, TimeUnit.SECONDS));
        assertEquals(1, cli.exitValue(), cliOut);
        assertTrue(cliOut.startsWith("taskwatch: " + missing), cliOut);
    }

    @Test
    void thePrometheusEndpointServesFromTheHostJvmAndKeepsToItsOwnSettings(@TempDir Path dir) throws Exception {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6), "the agent needs the connector");
        int taken = AgentProcess.freePort();
        // the host's own Prometheus client settings: were they read, the endpoint would take this port
        Host host = host(dir, "System.out.println(\"app running\"); Thread.sleep(60_000);",
                "jmx.enabled=false,prometheus.port=0,maxWatches=50", "-Dio.prometheus.exporter.httpServer.port=" + taken);
        Process jvm = host.jvm();
        try {
            String url = host.banner().lines().filter(l -> l.startsWith("taskwatch: Prometheus "))
                    .map(l -> l.substring("taskwatch: Prometheus ".length()).trim()).findFirst().orElse(null);
            assertTrue(url != null && url.startsWith("http://127.0.0.1:") && !url.contains(":" + taken + "/"), host.banner());
            var http = java.net.http.HttpClient.newHttpClient();
            var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(r.body().contains("# TYPE taskwatch_events_received_total counter"), r.body());
            assertTrue(!r.body().contains("jvm_"), "taskwatch's own registry, not the host's JVM metrics: " + r.body());
        } finally {
            jvm.destroy();
            assertTrue(jvm.waitFor(15, TimeUnit.SECONDS));
        }
    }

    /**
     * Starts {@code java [jvmOptions] -javaagent:JAR=agentOptions App.java} with {@code main}'s
     * body as the application (it must print "app running" once started), and reads its output
     * up to that line: the banner.
     */
    private static Host host(Path dir, String main, String agentOptions, String... jvmOptions) throws Exception {
        Path app = Files.writeString(dir.resolve("App.java"),
                "public class App { public static void main(String[] a) throws Exception { " + main + " } }");
        List<String> cmd = new java.util.ArrayList<>(List.of(AgentProcess.java()));
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-javaagent:" + AgentProcess.jar() + "=" + agentOptions, app.toString()));
        Process jvm = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder banner = new StringBuilder();
        String line;
        while ((line = out.readLine()) != null && !line.equals("app running")) {
            banner.append(line).append('\n');
        }
        return new Host(jvm, banner.toString());
    }

    private record Host(Process jvm, String banner) {}
}
