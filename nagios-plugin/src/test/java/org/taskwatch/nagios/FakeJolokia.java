package org.taskwatch.nagios;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real HTTP server on loopback that answers like a Jolokia agent, with replies the test sets:
 * the plugin under test talks real HTTP to it. It keeps every request (headers and parsed JSON
 * body) so tests can check what the plugin asked for.
 */
final class FakeJolokia implements AutoCloseable {
    /** One reply: HTTP status, body, and whether to send it chunked (as Jolokia's JDK server does). */
    record Reply(int httpStatus, String body, boolean chunked) {}

    /** A request as the server saw it. */
    record Request(String method, String path, Map<String, List<String>> headers, String body) {
        @SuppressWarnings("unchecked")
        Map<String, Object> json() throws Json.SyntaxException {
            return (Map<String, Object>) Json.parse(body);
        }
    }

    private final HttpServer server;
    private final List<Request> requests = new ArrayList<>();
    private volatile Reply reply = new Reply(500, "no reply set", false);

    FakeJolokia() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/jolokia/";
    }

    /** Answers with a successful Jolokia exec reply whose value is {@code valueJson}. */
    void value(String valueJson) {
        reply = new Reply(200, "{\"request\":{\"type\":\"exec\"},\"value\":" + valueJson
                + ",\"status\":200,\"timestamp\":1700000000}", true);
    }

    void reply(int httpStatus, String body, boolean chunked) {
        reply = new Reply(httpStatus, body, chunked);
    }

    synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    synchronized Request lastRequest() {
        return requests.get(requests.size() - 1);
    }

    private void handle(HttpExchange x) throws IOException {
        String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        synchronized (this) {
            requests.add(new Request(x.getRequestMethod(), x.getRequestURI().toString(), Map.copyOf(x.getRequestHeaders()),
                    body));
        }
        Reply r = reply;
        byte[] b = r.body().getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
        x.sendResponseHeaders(r.httpStatus(), r.chunked() ? 0 : b.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
