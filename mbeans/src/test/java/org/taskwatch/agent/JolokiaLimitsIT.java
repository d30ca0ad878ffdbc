package org.taskwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Jolokia as an attack surface any local user reaches: requests too large, too long, too many
 * or too deep are refused with a JSON error and without reading them into memory (the agent's
 * resident memory, as /proc tells it, stays within a bound while gigabytes are offered); every
 * error reply is JSON with a status and a message in the caller's terms; an operation called
 * with the wrong number of arguments is refused, and nothing is registered.
 */
class JolokiaLimitsIT {
    private static final String MONITOR = "\"mbean\":\"org.taskwatch:type=Monitor\"";
    private static final long GIB = 1L << 30;

    @BeforeAll
    static void needsTheConnector() {
        AgentProcess.requireConnector();
    }

    private static AgentProcess agent() throws Exception {
        return AgentProcess.start("--no-jmx", "--jolokia-port", Integer.toString(AgentProcess.freePort()));
    }

    @Test
    void oversizedLongAndDeepRequestsAreRefusedWithoutTheAgentsMemoryGrowing() throws Exception {
        try (AgentProcess a = agent()) {
            URI url = URI.create(a.jolokiaUrl);
            JolokiaClient j = new JolokiaClient(a.jolokiaUrl);
            for (int i = 0; i < 20; i++) { // the paths taken below, once, so their classes are loaded before measuring
                j.post("{\"type\":\"read\"," + MONITOR + ",\"attribute\":\"WatchCount\"}");
                RawHttp.send(url, "POST /jolokia/ HTTP/1.1\r\nTransfer-Encoding: chunked",
                        RawHttp.endlessString("{\"type\":\"read\",\"mbean\":\"", 300_000, true), null);
            }
            long before = RawHttp.rssKiB(a.process.pid());

            // declared too large: refused from Content-Length, before a byte of the body is read
            RawHttp.Reply declared = RawHttp.send(url, "POST /jolokia/ HTTP/1.1\r\nContent-Type: application/json"
                    + "\r\nContent-Length: 20000000\r\nExpect: 100-continue", null, null);
            assertRefused(declared, 413, "jolokia.maxRequestBytes");
            // sent anyway, 20 MB of it
            RawHttp.Reply pushed = RawHttp.send(url, "POST /jolokia/ HTTP/1.1\r\nContent-Length: 20000000",
                    RawHttp.endlessString("{\"type\":\"read\",\"mbean\":\"", 20_000_000, false), null);
            assertTrue(pushed.status() == 0 || pushed.status() == 413, pushed.toString());
            // chunked, just over the limit: read to the limit, then refused
            RawHttp.Reply over = RawHttp.send(url, "POST /jolokia/ HTTP/1.1\r\nTransfer-Encoding: chunked",
                    RawHttp.endlessString("{\"type\":\"read\",\"mbean\":\"", 300_000, true), null);
            assertRefused(over, 413, "jolokia.maxRequestBytes");
            // three at once, chunked, a gigabyte each: the agent hangs up long before the end
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                List<Future<RawHttp.Reply>> huge = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    huge.add(pool.submit(() -> RawHttp.send(url, "POST /jolokia/ HTTP/1.1\r\nTransfer-Encoding: chunked",
                            RawHttp.endlessString("{\"type\":\"read\",\"mbean\":\"", GIB, true), null)));
                }
                for (Future<RawHttp.Reply> f : huge) {
                    RawHttp.Reply r = f.get();
                    assertTrue(r.bytesSent() < GIB, "the agent stopped the body: " + r.bytesSent() + " bytes sent");
                    assertTrue(r.status() == 0 || r.status() == 413, r.toString());
                }
            } finally {
                pool.shutdownNow();
            }
            // nested 10,000 deep: refused before parsing (Jolokia's parser overflowed its stack)
            String deep = "[".repeat(10_000) + "]".repeat(10_000);
            RawHttp.Reply nested = RawHttp.send(url, "POST /jolokia/ HTTP/1.1\r\nContent-Length: " + deep.length(),
                    out -> out.write(deep.getBytes(java.nio.charset.StandardCharsets.UTF_8)), null);
            assertRefused(nested, 400, "jolokia.maxJsonDepth");
            // a long URL
            HttpResponse<String> longUrl = j.send(HttpRequest.newBuilder(URI.create(a.jolokiaUrl + "read/"
                    + "a".repeat(9000))).GET());
            assertRefused(new RawHttp.Reply(longUrl.statusCode(), longUrl.body(), 0), 414, "jolokia.maxUrlLength");
            // too many in one bulk
            String bulk = "[" + String.join(",", java.util.Collections.nCopies(101,
                    "{\"type\":\"read\"," + MONITOR + ",\"attribute\":\"WatchCount\"}")) + "]";
            HttpResponse<String> many = j.send(HttpRequest.newBuilder(URI.create(a.jolokiaUrl))
                    .POST(HttpRequest.BodyPublishers.ofString(bulk)));
            assertRefused(new RawHttp.Reply(many.statusCode(), many.body(), 0), 413, "jolokia.maxBulkRequests");

            long after = RawHttp.rssKiB(a.process.pid());
            // before the limits, the 20 MB body alone took the agent from 95 to 310 MB
            assertTrue(after - before < 64 * 1024, "resident memory grew from " + before + " KiB to " + after + " KiB");
            assertEquals(0L, ((Number) JolokiaClient.value(j.get("read/org.taskwatch:type=Monitor/WatchCount")))
                    .longValue(), "still serving");
            assertTrue(a.output().lines().noneMatch(l -> l.contains("Exception") || l.contains("Error")), a.output());
        }
    }

    @Test
    void everyErrorIsJsonInTheCallersTermsAndExtraArgumentsAreRefused() throws Exception {
        try (AgentProcess a = agent()) {
            JolokiaClient j = new JolokiaClient(a.jolokiaUrl);
            int pid = (int) ProcessHandle.current().pid();
            String[][] bad = {
                {"{", "not valid JSON"},
                {"null", "the body is null"},
                {"42", "the body is a number (42)"},
                {"\"read\"", "the body is a string"},
                {"[1]", "request 1 of the bulk request is a number"},
                {"{\"mbean\":\"org.taskwatch:type=Monitor\"}", "\"type\" must be one of"},
                {"{\"type\":\"exec\"," + MONITOR + ",\"operation\":\"watch\",\"arguments\":{\"pid\":1}}",
                    "\"arguments\" must be an array"},
                {"{\"type\":\"exec\"," + MONITOR + ",\"operation\":\"watch\",\"arguments\":[\"one\",\"exit\"]}",
                    "watch: argument 1 (pid) must be a whole number, got \"one\""},
                {"{\"type\":\"exec\"," + MONITOR + ",\"operation\":\"watch\",\"arguments\":[" + pid + ",\"exit\",3]}",
                    "watch: takes 2 arguments (pid, events), got 3"},
                {"{\"type\":\"exec\"," + MONITOR + ",\"operation\":\"watchTree\",\"arguments\":[" + pid + "]}",
                    "watchTree: takes 2 arguments (pid, events), got 1"},
                {"{\"type\":\"exec\"," + MONITOR + ",\"operation\":\"health\",\"arguments\":[60,5]}",
                    "health: takes 1 argument (windowSeconds), got 2"},
                {"{\"type\":\"exec\"," + MONITOR + ",\"operation\":\"waitForExit\",\"arguments\":[1,99999999999999999999]}",
                    "timeoutMillis) must be"},
                {"{\"type\":\"read\",\"mbean\":\"no name\"}", "\"mbean\" is not an MBean name"},
                {"{\"type\":\"exec\",\"mbean\":\"org.taskwatch:type=Nothing\",\"operation\":\"x\"}",
                    "no MBean named org.taskwatch:type=Nothing"},
                {"[".repeat(10_000) + "]".repeat(10_000), "jolokia.maxJsonDepth"},
            };
            for (String[] b : bad) {
                HttpResponse<String> r = j.send(HttpRequest.newBuilder(URI.create(a.jolokiaUrl))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(b[0])));
                String what = b[0].length() > 80 ? b[0].substring(0, 80) + "..." : b[0];
                assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), what);
                Map<String, Object> reply = JolokiaClient.parse(r.body());
                assertEquals(r.statusCode(), ((Number) reply.get("status")).intValue(), what + ": " + r.body());
                assertTrue(r.statusCode() >= 400, what + ": " + r.body());
                String error = String.valueOf(reply.get("error"));
                assertTrue(error.contains(b[1]), what + ": expected '" + b[1] + "' in " + r.body());
                assertTrue(!error.contains("java.") && !error.contains("Exception") && !error.contains("Error"),
                        "no Java class names: " + r.body());
            }
            // the same over GET
            HttpResponse<String> get = j.send(HttpRequest.newBuilder(URI.create(a.jolokiaUrl
                    + "exec/org.taskwatch:type=Monitor/watch/" + pid + "/exit/3")).GET());
            assertEquals(400, get.statusCode(), get.body());
            assertTrue(get.body().contains("watch: takes 2 arguments (pid, events), got 3"), get.body());
            HttpResponse<String> put = j.send(HttpRequest.newBuilder(URI.create(a.jolokiaUrl))
                    .PUT(HttpRequest.BodyPublishers.ofString("{}")));
            assertEquals(405, put.statusCode(), put.body());
            assertEquals(405L, ((Number) JolokiaClient.parse(put.body()).get("status")).longValue());

            assertEquals(0L, ((Number) JolokiaClient.value(j.get("read/org.taskwatch:type=Monitor/WatchCount")))
                    .longValue(), "the refused requests registered nothing");
            assertEquals(List.of(), JolokiaClient.value(j.get("search/org.taskwatch:type=Watch,*")), "no Watch MBeans");
            // and the right count still works
            long id = ((Number) JolokiaClient.value(j.post("{\"type\":\"exec\"," + MONITOR
                    + ",\"operation\":\"watch\",\"arguments\":[" + pid + ",\"exit\"]}"))).longValue();
            assertTrue(id > 0);
        }
    }

    private static void assertRefused(RawHttp.Reply r, int status, String naming) throws Exception {
        assertEquals(status, r.status(), r.toString());
        Map<String, Object> reply = JolokiaClient.parse(r.body());
        assertEquals(status, ((Number) reply.get("status")).intValue(), r.body());
        assertTrue(String.valueOf(reply.get("error")).contains(naming), r.body());
    }
}
