package org.taskwatch.nagios;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.taskwatch.agent.AgentProcess;
import org.taskwatch.testing.KernelTests;

/**
 * A real Icinga 2 daemon (Debian's {@code icinga2}) for a test: its configuration, state, logs and
 * certificates in a temporary directory, its API on a loopback port with TLS (a CA and a
 * certificate for "localhost" made with openssl), run as Debian's Icinga user ({@code nagios}:
 * started as root, the daemon switches to it, as the packaged service does). PID 1 need not be
 * systemd: the daemon is started directly and stopped with SIGTERM.
 *
 * <p>The configuration loads the ITL, the shipped {@code taskwatch-command.conf} and
 * {@code taskwatch-services.conf} as they are in the checkout, an API user {@code root} (every
 * permission, for the test's queries) and {@code taskwatch} (only
 * {@code actions/process-check-result}, as the README tells operators), and the test's objects.
 */
final class Icinga2 {
    static final Path BINARY = Path.of("/usr/sbin/icinga2");
    static final String AGENT_PASSWORD = "tw-" + Long.toHexString(System.nanoTime());
    private static final String ROOT_PASSWORD = "root-" + Long.toHexString(System.nanoTime());
    private static final Path SHIPPED = Path.of("icinga2"); // nagios-plugin/icinga2, the tests' working directory

    final Path dir;
    final int port;
    private final List<String> command;
    private Process process;
    private HttpClient http;

    private Icinga2(Path dir, int port, List<String> command) {
        this.dir = dir;
        this.port = port;
        this.command = command;
    }

    /** Fails (CI) or skips (elsewhere) unless Icinga 2 is installed and the test runs as root. */
    static void require() {
        KernelTests.require(Files.isExecutable(BINARY), "no " + BINARY + " (apt-get install icinga2)");
        KernelTests.require(KernelTests.isRoot(), "Icinga 2 is started as root and runs as nagios");
    }

    /** The shipped file {@code name} of nagios-plugin/icinga2. */
    static Path shipped(String name) {
        return SHIPPED.resolve(name).toAbsolutePath();
    }

    /**
     * Writes the configuration (with {@code objects} appended) and the certificates into
     * {@code dir}; {@link #start} runs it.
     *
     * @param pluginDir Icinga's {@code PluginDir}: where the CheckCommand finds check_taskwatch
     */
    static Icinga2 configure(Path dir, Path pluginDir, String objects) throws IOException, InterruptedException {
        for (String d : new String[] {"lib/certs", "log", "cache", "spool", "run/icinga2"}) {
            Files.createDirectories(dir.resolve(d));
        }
        certificates(dir);
        int port = AgentProcess.freePort();
        String conf = String.join("\n",
                "const PluginDir = \"" + pluginDir + "\"",
                "const NodeName = \"localhost\"",
                "const ZoneName = \"localhost\"",
                "include <itl>",
                "include <plugins>",
                "include \"" + shipped("taskwatch-command.conf") + "\"",
                "include \"" + shipped("taskwatch-services.conf") + "\"",
                "object FileLogger \"main\" { path = \"" + dir.resolve("log/icinga2.log") + "\"; severity = \"notice\" }",
                "object ApiListener \"api\" { bind_host = \"127.0.0.1\"; bind_port = " + port + " }",
                "object ApiUser \"root\" { password = \"" + ROOT_PASSWORD + "\"; permissions = [ \"*\" ] }",
                "object ApiUser \"taskwatch\" { password = \"" + AGENT_PASSWORD
                        + "\"; permissions = [ \"actions/process-check-result\" ] }",
                "object Endpoint \"localhost\" {}",
                "object Zone \"localhost\" { endpoints = [ \"localhost\" ] }",
                "object CheckerComponent \"checker\" {}",
                objects, "");
        Files.writeString(dir.resolve("icinga2.conf"), conf);
        run(List.of("chown", "-R", "nagios:nagios", dir.toString()));
        List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "daemon", "-c", dir.resolve("icinga2.conf").toString()));
        for (String[] d : new String[][] {{"DataDir", "lib"}, {"LogDir", "log"}, {"CacheDir", "cache"}, {"SpoolDir", "spool"},
            {"InitRunDir", "run"}, {"PidPath", "run/icinga2.pid"}, {"VarsPath", "cache/vars"},
            {"ObjectsPath", "cache/objects"}, {"StatePath", "lib/state"}}) {
            cmd.add("-D" + d[0] + "=" + dir.resolve(d[1]));
        }
        return new Icinga2(dir, port, cmd);
    }

    /** A CA and a certificate for localhost (and 127.0.0.1) signed by it, where Icinga 2.8+ looks: DataDir/certs. */
    private static void certificates(Path dir) throws IOException, InterruptedException {
        Path c = dir.resolve("lib/certs");
        run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", c + "/ca.key",
                "-out", c + "/ca.crt", "-days", "2", "-subj", "/CN=taskwatch test CA"));
        run(List.of("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", c + "/localhost.key",
                "-out", c + "/localhost.csr", "-subj", "/CN=localhost"));
        Files.writeString(c.resolve("ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        run(List.of("openssl", "x509", "-req", "-in", c + "/localhost.csr", "-CA", c + "/ca.crt", "-CAkey", c + "/ca.key",
                "-CAcreateserial", "-out", c + "/localhost.crt", "-days", "2", "-extfile", c + "/ext"));
    }

    /** The CA that signed the API's certificate (the agent's {@code icinga.caFile}). */
    Path caFile() {
        return dir.resolve("lib/certs/ca.crt");
    }

    String url() {
        return "https://localhost:" + port;
    }

    /** {@code icinga2 daemon -C} on this configuration: its output, and whether it passed. */
    Validation validate() throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(command);
        cmd.add("-C");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Validation(p.waitFor() == 0, out);
    }

    record Validation(boolean passed, String output) {}

    /** Starts the daemon and waits (at most 2 minutes) until its API answers. */
    Icinga2 start() throws Exception {
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("log/daemon.out").toFile())).start();
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("icinga2 exited with " + process.exitValue() + ": " + log());
            }
            try {
                if (get("/v1/status/IcingaApplication").statusCode() == 200) {
                    return this;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("icinga2's API did not answer within 2 minutes: " + log());
            }
            Thread.sleep(200);
        }
    }

    /** Stops the daemon (SIGTERM) and waits for it; the configuration stays for {@link #start}. */
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            // the daemon's umbrella process forwards SIGTERM to its worker and waits for it
            process.destroy();
            if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IllegalStateException("icinga2 did not stop within 60 s of SIGTERM");
            }
        }
        process = null;
    }

    /** The daemon's worker processes' user names (from /proc), to show whom checks run as. */
    List<String> users() throws IOException {
        List<String> users = new ArrayList<>();
        if (process != null) {
            for (ProcessHandle h : (Iterable<ProcessHandle>) process.descendants()::iterator) {
                h.info().user().ifPresent(users::add);
            }
            process.toHandle().info().user().ifPresent(users::add);
        }
        return users;
    }

    String log() throws IOException {
        Path out = dir.resolve("log/daemon.out");
        return Files.exists(out) ? Files.readString(out) : "";
    }

    /** GET {@code path} of the API as the test's root user. */
    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client().send(HttpRequest.newBuilder(URI.create(url() + path)).header("Accept", "application/json")
                .header("Authorization", basic("root", ROOT_PASSWORD)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** POST {@code body} to {@code path} as the test's root user. */
    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return client().send(HttpRequest.newBuilder(URI.create(url() + path)).header("Accept", "application/json")
                .header("Authorization", basic("root", ROOT_PASSWORD)).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The last check result of service {@code host!service} (null when it has none), from /v1/objects/services. */
    @SuppressWarnings("unchecked")
    Map<String, Object> lastResult(String host, String service) throws Exception {
        HttpResponse<String> r = get("/v1/objects/services/" + host + "!" + service + "?attrs=last_check_result");
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET service " + host + "!" + service + ": " + r.statusCode() + " " + r.body());
        }
        Map<String, Object> reply = (Map<String, Object>) Json.parse(r.body());
        Map<String, Object> attrs = (Map<String, Object>) ((Map<String, Object>) ((List<Object>) reply.get("results")).get(0)).get("attrs");
        Object last = attrs.get("last_check_result");
        return last instanceof Map ? (Map<String, Object>) last : null;
    }

    /** Asks for the service's active check now. */
    void checkNow(String host, String service) throws Exception {
        HttpResponse<String> r = post("/v1/actions/reschedule-check", "{\"type\":\"Service\",\"filter\":\"host.name==\\\""
                + host + "\\\" && service.name==\\\"" + service + "\\\"\",\"force\":true}");
        if (r.statusCode() != 200) {
            throw new IllegalStateException("reschedule-check: " + r.statusCode() + " " + r.body());
        }
    }

    private HttpClient client() throws IOException {
        if (http == null) {
            try (InputStream in = Files.newInputStream(caFile())) {
                KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
                ks.load(null, null);
                ks.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ks);
                SSLContext ssl = SSLContext.getInstance("TLS");
                ssl.init(null, tmf.getTrustManagers(), null);
                http = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(10)).build();
            } catch (java.security.GeneralSecurityException e) {
                throw new IOException("the test CA: " + e, e);
            }
        }
        return http;
    }

    private static String basic(String user, String password) {
        return "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }
}
