package org.taskwatch.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskwatch.agent.AgentProcess;
import org.taskwatch.testing.Spawn;

/**
 * The agent's endpoint scraped by a real Prometheus server (Debian's {@code prometheus}, started
 * here with its own configuration and storage, scraping every second on loopback) and read back
 * through Prometheus's HTTP API with PromQL: the exits this test made with the codes it chose are
 * there; an exit and a restart that fall between two scrapes move the exits and restarts
 * counters although the running gauge never shows the gap; the README's alert rules pass
 * {@code promtool check rules} and fire.
 */
class PrometheusIT {
    private static final long WAIT_SECONDS = 90; // a bound, not a speed: the machine may be loaded
    private static final String TAG = "pr" + (100_000 + ThreadLocalRandom.current().nextInt(800_000));

    @TempDir
    static Path dir;
    private static AgentProcess agent;
    private static PrometheusServer prometheus;
    private static final List<Process> spawned = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        AgentProcess.requireConnector();
        PrometheusServer.require();
        Path conf = dir.resolve("taskwatch.properties");
        Files.writeString(conf, String.join("\n",
                "prometheus.port = 0",
                "watch.codes.match = command:^sh -c .* codes" + TAG + "$",
                "watch.again.match = command:^sh -c .* again" + TAG + "$",
                "watch.again.expect = 1") + "\n");
        agent = AgentProcess.start("--config", conf.toString(), "--no-jmx", "--no-jolokia");
        String url = agent.awaitPrometheusUrl(30);
        assertTrue(url.startsWith("http://127.0.0.1:") && url.endsWith("/metrics"), url);
        String target = url.substring("http://".length(), url.length() - "/metrics".length());

        Path rules = dir.resolve("taskwatch.rules.yml");
        Files.writeString(rules, ReadmeBlocks.alertRules());
        String check = Spawn.run(List.of(PrometheusServer.PROMTOOL.toString(), "check", "rules", rules.toString()));
        assertTrue(check.contains("SUCCESS"), check);

        prometheus = PrometheusServer.start(dir, String.join("\n",
                "global:",
                "  scrape_interval: 1s",
                "  scrape_timeout: 1s",
                "  evaluation_interval: 1s",
                "rule_files: ['" + rules + "']",
                "scrape_configs:",
                "  - job_name: taskwatch",
                "    static_configs:",
                "      - targets: ['" + target + "']") + "\n");
        awaitValue("up{job=\"taskwatch\"}", 1);
    }

    @AfterAll
    static void stop() {
        for (Process p : spawned) {
            p.destroy();
        }
        if (prometheus != null) {
            prometheus.close();
        }
        if (agent != null) {
            agent.close();
        }
    }

    /** {@code sh -c SCRIPT WATCH+TAG}: the last word is what the declared watch matches. */
    private static Process sh(String script, String watch) throws IOException {
        Process p = Spawn.start("sh", "-c", script, watch + TAG);
        spawned.add(p);
        return p;
    }

    /**
     * Runs {@code sh -c 'read line; SCRIPT' codesTAG} and lets it go on once the agent (read
     * directly, not through Prometheus) counts it as the watch's {@code nth} start: a command
     * watch reads the command line at exec, and a process gone before that is matched by its
     * name alone ("sh" here). Answers its exit status as Java saw it.
     */
    private static int runCodes(String script, int nth) throws Exception {
        Process p = sh("read line; " + script, "codes");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        String text = scrapeNow();
        while (PrometheusEndpointTest.value(text, "taskwatch_watch_starts_total", "watch=\"codes\"") != nth) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the agent did not count start " + nth + " within " + WAIT_SECONDS + " s:\n" + text);
            }
            Thread.sleep(50);
            text = scrapeNow();
        }
        try (OutputStream in = p.getOutputStream()) {
            in.write('\n');
        }
        return Spawn.waitFor(p);
    }

    /** The one sample's value of an instant query, or NaN when it has none. */
    private static double value(String promql) throws Exception {
        List<Map<String, Object>> r = prometheus.query(promql);
        if (r.isEmpty()) {
            return Double.NaN;
        }
        assertEquals(1, r.size(), promql + ": " + r);
        return Double.parseDouble(((List<?>) r.get(0).get("value")).get(1).toString());
    }

    private static void awaitValue(String promql, double expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        double v;
        do {
            v = value(promql);
            if (v == expected) {
                return;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError(promql + " is " + v + ", not " + expected + ", after " + WAIT_SECONDS + " s;"
                + " the agent's endpoint now:\n" + scrapeNow() + "\nprometheus:\n" + prometheus.log());
    }

    private static String scrapeNow() {
        try {
            return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(agent.awaitPrometheusUrl(1))).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception | AssertionError e) {
            return "(" + e + ")";
        }
    }

    @Test
    void prometheusHasTheExitsTheTestMadeByStatusClass() throws Exception {
        assertEquals(3, runCodes("exit 3", 1));
        assertEquals(0, runCodes("exit 0", 2));
        assertEquals(7, runCodes("exit 7", 3));
        assertEquals(128 + 9, runCodes("kill -KILL $$", 4), "Java's word: killed by SIGKILL");
        long exited = System.nanoTime();

        awaitValue("taskwatch_watch_exits_total{watch=\"codes\",status=\"signal\"}", 1);
        awaitValue("taskwatch_watch_exits_total{watch=\"codes\",status=\"nonzero\"}", 2);
        awaitValue("taskwatch_watch_exits_total{watch=\"codes\",status=\"ok\"}", 1);
        assertEquals(0, value("taskwatch_watch_exits_total{watch=\"codes\",status=\"unknown\"}"));
        assertEquals(4, value("sum(taskwatch_watch_exits_total{watch=\"codes\"})"));
        assertEquals(4, value("taskwatch_watch_starts_total{watch=\"codes\"}"));
        assertEquals(0, value("taskwatch_watch_running{watch=\"codes\"}"));
        assertTrue(value("taskwatch_events_total{type=\"exit\"}") >= 4);
        assertEquals(0, value("taskwatch_events_lost_total"));

        // what the operator sees: the README's rule fires for this watch, with the failed classes
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        String alerts;
        do {
            alerts = prometheus.get("/api/v1/alerts").body();
            if (alerts.contains("\"alertname\":\"TaskwatchWatchFailed\"") && alerts.contains("\"watch\":\"codes\"")
                    && alerts.contains("\"status\":\"nonzero\"") && alerts.contains("\"status\":\"signal\"")) {
                break;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        assertTrue(alerts.contains("\"alertname\":\"TaskwatchWatchFailed\"") && alerts.contains("\"watch\":\"codes\"")
                && alerts.contains("\"status\":\"nonzero\"") && alerts.contains("\"status\":\"signal\""), alerts);
        assertTrue(alerts.contains("\"state\":\"firing\""), alerts);
        System.out.printf("PrometheusIT: from the last exit to TaskwatchWatchFailed firing: %.1f s"
                + " (scrape and evaluation every 1 s)%n", (System.nanoTime() - exited) / 1e9);
    }

    @Test
    void anExitAndRestartBetweenTwoScrapesStillMoveExitsAndRestarts() throws Exception {
        Process current = sh("read line; exit 4", "again");
        awaitValue("taskwatch_watch_running{watch=\"again\"}", 1);
        // each round: the process exits 4 and its successor starts at once, typically within
        // milliseconds, while Prometheus scrapes once a second; a round in which a scrape fell
        // into the gap (the gauge saw 0) proves nothing about counters, so another round is made
        StringBuilder rounds = new StringBuilder();
        for (int round = 1; round <= 5; round++) {
            try (OutputStream in = current.getOutputStream()) {
                in.write('\n');
            }
            assertEquals(4, Spawn.waitFor(current));
            current = sh("read line; exit 4", "again");
            awaitValue("taskwatch_watch_restarts_total{watch=\"again\"}", round);
            awaitValue("taskwatch_watch_exits_total{watch=\"again\",status=\"nonzero\"}", round);
            awaitValue("taskwatch_watch_running{watch=\"again\"}", 1);

            // the raw samples Prometheus stored, scrape by scrape
            TreeMap<Double, double[]> scrapes = new TreeMap<>();
            String[] series = {"taskwatch_watch_running{watch=\"again\"}",
                    "taskwatch_watch_exits_total{watch=\"again\",status=\"nonzero\"}",
                    "taskwatch_watch_restarts_total{watch=\"again\"}"};
            for (int i = 0; i < series.length; i++) {
                for (Map<String, Object> m : prometheus.query(series[i] + "[10m]")) {
                    for (Object sample : (List<?>) m.get("values")) {
                        double t = Double.parseDouble(((List<?>) sample).get(0).toString());
                        scrapes.computeIfAbsent(t, k -> new double[] {Double.NaN, Double.NaN, Double.NaN})[i] =
                                Double.parseDouble(((List<?>) sample).get(1).toString());
                    }
                }
            }
            double[] before = null;
            for (double[] s : scrapes.values()) {
                if (before != null && s[1] == round && before[1] == round - 1) {
                    rounds.append("round ").append(round).append(": running ").append(before[0]).append(" -> ")
                            .append(s[0]).append(", exits ").append(before[1]).append(" -> ").append(s[1])
                            .append(", restarts ").append(before[2]).append(" -> ").append(s[2]).append('\n');
                    if (before[0] == 1 && s[0] == 1) {
                        // between these two scrapes a process exited and one started: the gauge
                        // shows nothing, the counters show both
                        assertEquals(round, s[2], "restarts: " + rounds);
                        assertEquals(round - 1, before[2], "restarts: " + rounds);
                        System.out.print("PrometheusIT: exit and restart between two scrapes, " + rounds);
                        return;
                    }
                }
                before = s;
            }
        }
        throw new AssertionError("in 5 rounds a scrape always fell between an exit and its restart: " + rounds);
    }
}
