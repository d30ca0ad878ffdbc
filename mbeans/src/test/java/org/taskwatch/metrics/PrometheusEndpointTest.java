package org.taskwatch.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.taskwatch.kernel.EventType;
import org.taskwatch.kernel.KernelVersion;
import org.taskwatch.monitor.Expectation;
import org.taskwatch.monitor.MonitorSettings;
import org.taskwatch.monitor.ServiceSpec;
import org.taskwatch.monitor.TaskMonitor;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.Spawn;

/**
 * The endpoint over a real monitor and real processes, scraped over HTTP as Prometheus does:
 * the exits this test makes, with the codes it chose (and Java's word on each), show in the
 * counters by status class; an exit and a restart between two scrapes move exits and restarts;
 * no pid or command line appears; OpenMetrics is served when asked for.
 */
class PrometheusEndpointTest {
    private final String tag = "pm" + (100_000 + ThreadLocalRandom.current().nextInt(800_000));
    private final HttpClient http = HttpClient.newHttpClient();
    private TaskMonitor monitor;
    private PrometheusEndpoint endpoint;

    @BeforeEach
    void start() throws IOException {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6), "the monitor needs the connector");
        monitor = TaskMonitor.start(MonitorSettings.defaults());
        monitor.services().apply(List.of(new ServiceSpec("codes", ServiceSpec.Kind.COMMAND, " " + tag + "$", false,
                EventType.EXEC.bit() | EventType.EXIT.bit(), Expectation.parse("0:"), 60, 5, 300, 30)));
        endpoint = PrometheusEndpoint.start("127.0.0.1", 0, monitor);
    }

    @AfterEach
    void stop() {
        if (endpoint != null) {
            endpoint.close();
        }
        if (monitor != null) {
            monitor.close();
        }
    }

    private HttpResponse<String> scrape(String accept) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoint.url())).timeout(Duration.ofSeconds(20));
        if (accept != null) {
            b.header("Accept", accept);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The value of the sample of {@code metric} with the labels {@code labels} (as written, sorted; "": none), or -1. */
    static double value(String text, String metric, String labels) {
        String sample = labels.isEmpty() ? metric : metric + "{" + labels + "}";
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(sample) + " (\\S+)").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    private String awaitScrape(String metric, String labels, double expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String text;
        do {
            text = scrape(null).body();
            if (value(text, metric, labels) == expected) {
                return text;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError(metric + "{" + labels + "} not " + expected + " within 30 s:\n" + text);
    }

    private int joined;

    /**
     * Runs {@code sh -c 'read line; SCRIPT' TAG}: lets it go on once the watch has counted its
     * start (a command watch reads the command line at exec: a process gone before that is
     * matched by its name alone, which is "sh" here), and answers its exit status as Java saw it.
     */
    private int run(String script) throws Exception {
        Process p = Spawn.start("sh", "-c", "read line; " + script, tag);
        awaitScrape("taskwatch_watch_starts_total", "watch=\"codes\"", ++joined);
        try (var in = p.getOutputStream()) {
            in.write('\n');
        }
        return Spawn.waitFor(p);
    }

    @Test
    void theExitsMadeShowByStatusClassAndNothingNamesAProcess() throws Exception {
        assertEquals(3, run("exit 3"));
        assertEquals(0, run("exit 0"));
        assertEquals(7, run("exit 7"));
        assertEquals(128 + 9, run("kill -KILL $$"), "Java's word: killed by SIGKILL");

        String text = awaitScrape("taskwatch_watch_exits_total", "status=\"signal\",watch=\"codes\"", 1);
        text = awaitScrape("taskwatch_watch_exits_total", "status=\"nonzero\",watch=\"codes\"", 2);
        assertEquals(1, value(text, "taskwatch_watch_exits_total", "status=\"ok\",watch=\"codes\""), text);
        assertEquals(0, value(text, "taskwatch_watch_exits_total", "status=\"unknown\",watch=\"codes\""), text);
        assertEquals(4, value(text, "taskwatch_watch_starts_total", "watch=\"codes\""), text);
        assertEquals(0, value(text, "taskwatch_watch_running", "watch=\"codes\""), text);
        assertEquals(1, value(text, "taskwatch_watch_state", "watch=\"codes\""), "warning after a non-zero exit: " + text);
        assertEquals(0, value(text, "taskwatch_watch_crash_loop", "watch=\"codes\""), text);
        assertTrue(value(text, "taskwatch_events_total", "type=\"exit\"") >= 4, text);
        assertEquals(3, value(text, "taskwatch_watch_restarts_total", "watch=\"codes\""), "each start after an exit: " + text);
        assertTrue(value(text, "taskwatch_events_received_total", "") >= 8, text);
        assertEquals(0, value(text, "taskwatch_events_lost_total", ""), text);
        assertEquals(0, value(text, "taskwatch_event_source_degraded", ""), text);
        assertTrue(text.contains("# TYPE taskwatch_watch_exits_total counter"), text);
        assertFalse(text.contains(tag), "no command line in the metrics: " + text);
        assertFalse(text.contains("pid"), "no pid label: " + text);
    }

    @Test
    void anExitAndARestartBetweenTwoScrapesMoveExitsAndRestarts() throws Exception {
        Process first = Spawn.start("sh", "-c", "read line; exit 4", tag);
        awaitScrape("taskwatch_watch_running", "watch=\"codes\"", 1);
        String before = scrape(null).body();

        try (var in = first.getOutputStream()) {
            in.write('\n');
        }
        assertEquals(4, Spawn.waitFor(first));
        Process second = Spawn.start("sh", "-c", "read line; exit 0", tag);
        try {
            String after = awaitScrape("taskwatch_watch_restarts_total", "watch=\"codes\"", 1);
            assertEquals(0, value(before, "taskwatch_watch_exits_total", "status=\"nonzero\",watch=\"codes\""), before);
            assertEquals(0, value(before, "taskwatch_watch_restarts_total", "watch=\"codes\""), before);
            assertEquals(1, value(after, "taskwatch_watch_exits_total", "status=\"nonzero\",watch=\"codes\""), after);
            assertEquals(2, value(after, "taskwatch_watch_starts_total", "watch=\"codes\""), after);
            assertEquals(1, value(after, "taskwatch_watch_running", "watch=\"codes\""), "the running gauge alone would not tell");
        } finally {
            try (var in = second.getOutputStream()) {
                in.write('\n');
            }
            Spawn.waitFor(second);
        }
    }

    @Test
    void openMetricsWhenAskedFor() throws Exception {
        HttpResponse<String> r = scrape("application/openmetrics-text; version=1.0.0; charset=utf-8");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"),
                r.headers().toString());
        assertEquals(0, value(r.body(), "taskwatch_watch_exits_total", "status=\"ok\",watch=\"codes\""), r.body());
        assertTrue(r.body().contains("# TYPE taskwatch_watch_exits counter"), "OpenMetrics names the family without _total");
        assertTrue(r.body().endsWith("# EOF\n"), r.body());

        // Prometheus with native histograms on asks for protobuf first: served (its jar is shipped, else 500)
        r = scrape("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,"
                + "text/plain;version=0.0.4;q=0.5");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/vnd.google.protobuf"),
                r.headers().toString());
    }

    @Test
    void aTakenPortIsRefusedNamingTheKey() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                    () -> PrometheusEndpoint.start("127.0.0.1", taken.getLocalPort(), monitor));
            assertTrue(e.getMessage().startsWith("prometheus.port: cannot listen on 127.0.0.1:" + taken.getLocalPort()),
                    e.getMessage());
        }
    }
}
