package org.taskwatch.metrics;

import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.BindException;
import org.taskwatch.monitor.TaskMonitor;

/**
 * The agent's Prometheus/OpenMetrics endpoint ({@code prometheus.port}): the monitor's counters
 * and the declared watches' counts and states at {@code /metrics}, written by the Prometheus
 * project's own client library in the format the scraper asks for (Prometheus text or
 * OpenMetrics). Its metrics carry names and status classes, never command lines.
 *
 * <p>Its own registry and properties: under {@code -javaagent} the host application may use the
 * same library with its default registry, a {@code prometheus.properties} or {@code
 * io.prometheus.*} system properties (which would set this server's port); none of them reach
 * this endpoint, and its metrics do not appear in the host's.
 */
public final class PrometheusEndpoint implements AutoCloseable {
    private final HTTPServer server;
    private final String url;

    private PrometheusEndpoint(HTTPServer server, String url) {
        this.server = server;
        this.url = url;
    }

    /**
     * Serves {@code monitor}'s metrics on {@code host:port} (0: any free port).
     *
     * @throws IOException when the port cannot be bound, saying which
     */
    public static PrometheusEndpoint start(String host, int port, TaskMonitor monitor) throws IOException {
        PrometheusProperties props = PrometheusProperties.builder().build();
        PrometheusRegistry registry = new PrometheusRegistry();
        MonitorMetrics.register(registry, props, monitor);
        registry.register(new WatchMetrics(monitor.services()));
        HTTPServer server;
        try {
            server = HTTPServer.builder(props).hostname(host).port(port).registry(registry).buildAndStart();
        } catch (BindException e) {
            throw new IOException("prometheus.port: cannot listen on " + host + ":" + port + " (" + e.getMessage()
                    + "): another program has it; choose another prometheus.port", e);
        }
        String h = host.contains(":") ? "[" + host + "]" : host;
        return new PrometheusEndpoint(server, "http://" + h + ":" + server.getPort() + "/metrics");
    }

    /** Where Prometheus scrapes, e.g. {@code http://127.0.0.1:9876/metrics}. */
    public String url() {
        return url;
    }

    @Override
    public void close() {
        server.close();
    }
}
