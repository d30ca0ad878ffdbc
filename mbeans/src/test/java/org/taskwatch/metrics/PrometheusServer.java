package org.taskwatch.metrics;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jolokia.json.parser.JSONParser;
import org.jolokia.json.parser.ParseException;
import org.taskwatch.agent.AgentProcess;
import org.taskwatch.testing.KernelTests;

/**
 * A real Prometheus server (Debian's {@code prometheus}) for a test: its own configuration and
 * storage in a temporary directory, on a free loopback port; queried through its HTTP API as
 * Grafana or an operator's curl would. Stopped with SIGTERM.
 */
final class PrometheusServer implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/prometheus");
    static final Path PROMTOOL = Path.of("/usr/bin/promtool");

    private final Process process;
    private final Path log;
    private final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private PrometheusServer(Process process, Path log, String base) {
        this.process = process;
        this.log = log;
        this.base = base;
    }

    /** Debian's prometheus is installed (fails in CI, skips elsewhere). */
    static void require() {
        KernelTests.require(Files.isExecutable(BINARY) && Files.isExecutable(PROMTOOL),
                "Prometheus is not installed: apt-get install prometheus (.ci/run does)");
    }

    /** Starts Prometheus with {@code config} (YAML) in {@code dir} and waits until it is ready. */
    static PrometheusServer start(Path dir, String config) throws IOException, InterruptedException {
        Path file = dir.resolve("prometheus.yml");
        Files.writeString(file, config);
        Path log = dir.resolve("prometheus.log");
        String listen = "127.0.0.1:" + AgentProcess.freePort();
        Process p = new ProcessBuilder(BINARY.toString(), "--config.file=" + file, "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=" + listen, "--log.level=warn").redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        PrometheusServer s = new PrometheusServer(p, log, "http://" + listen);
        try {
            s.awaitReady();
        } catch (IOException | InterruptedException | AssertionError e) {
            s.close();
            throw e;
        }
        return s;
    }

    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("prometheus exited with " + process.exitValue() + ": " + log());
            }
            try {
                if (get("/-/ready").statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("prometheus not ready within 60 s: " + log());
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** {@code /api/v1/query?query=PROMQL}: the {@code data.result} list (vector or matrix elements). */
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> query(String promql) throws IOException, InterruptedException {
        Map<String, Object> reply = json(get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)));
        if (!"success".equals(reply.get("status"))) {
            throw new AssertionError("query " + promql + " failed: " + reply);
        }
        return (List<Map<String, Object>>) ((Map<String, Object>) reply.get("data")).get("result");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(HttpResponse<String> r) throws IOException {
        try {
            return (Map<String, Object>) new JSONParser().parse(r.body());
        } catch (ParseException | ClassCastException e) {
            throw new IOException("not a JSON object (HTTP " + r.statusCode() + "): " + r.body(), e);
        }
    }

    /** SIGTERM, as its systemd unit stops it. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
