package org.taskwatch.agent;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.jolokia.json.parser.JSONParser;
import org.jolokia.json.parser.ParseException;

/** Plain HTTP-JSON requests to a Jolokia agent, as curl would send them. */
final class JolokiaClient {
    final String url;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String authorization;

    JolokiaClient(String url) {
        this(url, null, null);
    }

    JolokiaClient(String url, String user, String password) {
        this.url = url;
        this.authorization = user == null ? null
                : "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** A POSTed request; the JSON reply as a map. */
    Map<String, Object> post(String json) throws IOException, InterruptedException {
        return parse(send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))).body());
    }

    /** A GET on {@code path} below the base URL. */
    Map<String, Object> get(String path) throws IOException, InterruptedException {
        return parse(send(HttpRequest.newBuilder(URI.create(url + path)).GET()).body());
    }

    HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        b.timeout(Duration.ofSeconds(20));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpClient http() {
        return http;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> parse(String body) throws IOException {
        try {
            return (Map<String, Object>) new JSONParser().parse(body);
        } catch (ParseException | ClassCastException e) {
            throw new IOException("not a JSON object: " + body, e);
        }
    }

    /** The {@code value} of a successful reply; fails with the reply otherwise. */
    static Object value(Map<String, Object> reply) {
        if (((Number) reply.get("status")).intValue() != 200) {
            throw new AssertionError("Jolokia error: " + reply);
        }
        return reply.get("value");
    }
}
