package org.taskwatch.benchmark;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.jolokia.json.parser.JSONParser;
import org.jolokia.json.parser.ParseException;

/**
 * Plain HTTP-JSON requests to the agent's Jolokia, as curl would send them, and its notification
 * protocol (register, add, open an SSE stream, pull, unregister). Each instance has its own
 * {@link HttpClient}, so its connections are its own. Thread-safe.
 */
final class JolokiaHttp {
    static final String MONITOR = "org.taskwatch:type=Monitor";

    private final String url;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    JolokiaHttp(String url) {
        this.url = url;
    }

    /** The {@code value} of a POSTed request; an IOException names Jolokia's error otherwise. */
    Object post(String json) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type",
                "application/json").timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
        Map<?, ?> reply = parse(r.body());
        Object status = reply.get("status");
        if (!(status instanceof Number n) || n.intValue() != 200) {
            throw new IOException("Jolokia: " + reply.get("error") + " for " + json);
        }
        return reply.get("value");
    }

    Object exec(String mbean, String operation, String arguments) throws IOException, InterruptedException {
        return post("{\"type\":\"exec\",\"mbean\":\"" + mbean + "\",\"operation\":\"" + operation + "\",\"arguments\":"
                + arguments + "}");
    }

    /** A new notification client's id. */
    String register() throws IOException, InterruptedException {
        return (String) ((Map<?, ?>) post("{\"type\":\"notification\",\"command\":\"register\"}")).get("id");
    }

    /** Subscribes {@code client} to the Monitor's notifications ({@code filter}: a JSON array, or null for all). */
    String subscribe(String client, String mode, String filter) throws IOException, InterruptedException {
        return String.valueOf(post("{\"type\":\"notification\",\"command\":\"add\",\"client\":\"" + client
                + "\",\"mode\":\"" + mode + "\",\"mbean\":\"" + MONITOR + "\""
                + (filter == null ? "" : ",\"filter\":" + filter) + "}"));
    }

    void unregister(String client) throws IOException, InterruptedException {
        post("{\"type\":\"notification\",\"command\":\"unregister\",\"client\":\"" + client + "\"}");
    }

    /** The SSE stream of {@code client}, read as the caller pleases. */
    InputStream openSse(String client) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url + "notification/open/" + client + "/sse"))
                .header("Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofInputStream()).body();
    }

    /**
     * Opens the SSE stream of {@code client} on a raw socket with a small receive buffer, for a
     * client that will never read: the agent's writes to it block within kilobytes.
     */
    Socket openSseNeverRead(String client) throws IOException {
        URI u = URI.create(url);
        Socket s = new Socket();
        s.setReceiveBufferSize(4096); // before connect: it sets the window the agent may fill
        s.connect(new InetSocketAddress(u.getHost(), u.getPort()), 5000);
        s.getOutputStream().write(("GET " + u.getPath() + "notification/open/" + client + "/sse HTTP/1.1\r\nHost: "
                + u.getHost() + ":" + u.getPort() + "\r\nAccept: text/event-stream\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        return s;
    }

    /** The notification store's name (it carries Jolokia's agent id), for pull. */
    String pullStore() throws IOException, InterruptedException {
        Object v = post("{\"type\":\"search\",\"mbean\":\"jolokia:type=NotificationStore,*\"}");
        return String.valueOf(((java.util.List<?>) v).get(0));
    }

    /** Pulls and clears what the store holds for a pull subscription: {@code notifications}, {@code dropped}. */
    Map<?, ?> pull(String store, String client, String handle) throws IOException, InterruptedException {
        Object v = exec(store, "pull", "[\"" + client + "\",\"" + handle + "\"]");
        return v instanceof Map<?, ?> m ? m : Map.of();
    }

    static Map<?, ?> parse(String body) throws IOException {
        try {
            return (Map<?, ?>) new JSONParser().parse(body);
        } catch (ParseException | ClassCastException e) {
            throw new IOException("not a JSON object: " + body, e);
        }
    }
}
