package org.taskwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskwatch.kernel.KernelVersion;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.Spawn;

/** TLS on both endpoints, with a key made by the JDK's keytool for this test. */
class TlsIT {
    private static final String PASSWORD = "changeit";

    @Test
    void jolokiaServesHttpsAndJmxSpeaksTls(@TempDir Path dir) throws Exception {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6), "the agent needs the connector");
        Path keyStore = dir.resolve("agent.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Spawn.run(List.of(keytool, "-genkeypair", "-alias", "taskwatch", "-keyalg", "RSA", "-keysize", "2048",
                "-validity", "2", "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1,dns:localhost",
                "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", PASSWORD));
        Path config = Files.writeString(dir.resolve("tls.properties"), "jolokia.ssl.keyStore=" + keyStore
                + "\njolokia.ssl.keyStorePassword=" + PASSWORD + "\njmx.ssl.keyStore=" + keyStore
                + "\njmx.ssl.keyStorePassword=" + PASSWORD + "\n");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
        try (AgentProcess a = AgentProcess.start("--config", config.toString(), "--jmx-port",
                Integer.toString(AgentProcess.freePort()), "--jolokia-port", Integer.toString(AgentProcess.freePort()))) {
            assertNotNull(a.jolokiaUrl, a.output());
            assertTrue(a.jolokiaUrl.startsWith("https://127.0.0.1:"), a.jolokiaUrl);
            assertTrue(a.output().contains("(TLS)"), "the banner says TLS: " + a.output());

            HttpClient trusting = HttpClient.newBuilder().sslContext(trusting(keyStore))
                    .connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> r = trusting.send(HttpRequest.newBuilder(
                    URI.create(a.jolokiaUrl + "read/org.taskwatch:type=Monitor/EventSource")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(r.body().contains("\"value\":\"netlink\""), r.body());
            HttpClient plainTrust = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            assertThrows(java.io.IOException.class, () -> plainTrust.send(HttpRequest.newBuilder(
                    URI.create(a.jolokiaUrl + "version")).build(), HttpResponse.BodyHandlers.ofString()),
                    "an untrusted certificate is refused by the client");
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            assertThrows(java.io.IOException.class, () -> http.send(HttpRequest.newBuilder(
                    URI.create(a.jolokiaUrl.replace("https:", "http:") + "version")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()), "no plain HTTP on the TLS port");

            assertEquals("EventSource=netlink", probe(a.jmxUrl, keyStore), "JMX over TLS with the trust store");
            String untrusted = probe(a.jmxUrl, null);
            assertTrue(untrusted.startsWith("failed:") && untrusted.contains("SSLHandshakeException"),
                    "JMX over TLS without trusting the key: " + untrusted);
        }
    }

    private static String probe(String url, Path trustStore) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(AgentProcess.java()));
        if (trustStore != null) {
            cmd.addAll(List.of("-Djavax.net.ssl.trustStore=" + trustStore, "-Djavax.net.ssl.trustStorePassword=" + PASSWORD,
                    "-Djavax.net.ssl.trustStoreType=PKCS12"));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), JmxProbe.class.getName(), url));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return out;
    }

    private static SSLContext trusting(Path keyStore) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }
}
