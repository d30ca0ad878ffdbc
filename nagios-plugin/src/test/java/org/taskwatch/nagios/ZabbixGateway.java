package org.taskwatch.nagios;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Zabbix's own Java gateway (the Debian package zabbix-java-gateway), run on loopback with its
 * own logging config, and asked the way the Zabbix server asks it: a ZBXD frame (the 5 bytes
 * "ZBXD\1", then the length as 8 bytes little-endian: 4 of length and 4 reserved in 6.0, as the
 * gateway's BinaryProtocolSpeaker reads them) around {@code {"request":"java gateway jmx",
 * "jmx_endpoint":..., "keys":[...]}}; the answer is {@code {"response":"success","data":[{"value":..}
 * or {"error":..}, one per key]}}.
 */
final class ZabbixGateway implements AutoCloseable {
    static final Path DEBIAN_JAR = Path.of("/usr/sbin/zabbix-java-gateway.jar");

    /** One key's answer: its value, or the gateway's error for it. */
    record Answer(String key, String value, String error) {
        @Override
        public String toString() {
            return key + " -> " + (error == null ? "value '" + value + "'" : "error '" + error + "'");
        }
    }

    private final Process process;
    private final int port;
    private final StringBuilder log = new StringBuilder();

    private ZabbixGateway(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** The gateway's jar: $ZABBIX_JAVA_GATEWAY_JAR, or where Debian installs it; null when absent. */
    static Path find() {
        String env = System.getenv("ZABBIX_JAVA_GATEWAY_JAR");
        Path p = env != null ? Path.of(env) : DEBIAN_JAR;
        return Files.isReadable(p) ? p : null;
    }

    static ZabbixGateway start(Path jar, Path workDir) throws Exception {
        Path logback = workDir.resolve("logback.xml");
        Files.writeString(logback, "<configuration>\n"
                + "  <appender name=\"OUT\" class=\"ch.qos.logback.core.ConsoleAppender\">\n"
                + "    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n</pattern></encoder>\n"
                + "  </appender>\n"
                + "  <root level=\"info\"><appender-ref ref=\"OUT\"/></root>\n"
                + "</configuration>\n");
        Exception last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freeGatewayPort();
            // as the Debian unit runs it, with our port, loopback, and log to stdout
            Process p = new ProcessBuilder(Plugin.java(), "-Xmx128m",
                    "-Dzabbix.listenIP=127.0.0.1", "-Dzabbix.listenPort=" + port, "-Dzabbix.startPollers=2",
                    "-Dzabbix.timeout=10", "-Dsun.rmi.transport.tcp.responseTimeout=10000",
                    "-Dlogback.configurationFile=" + logback, "-jar", jar.toString())
                    .redirectErrorStream(true).start();
            ZabbixGateway g = new ZabbixGateway(p, port);
            try {
                g.awaitLine("listening on", 30);
                return g;
            } catch (Exception e) {
                last = e;
                g.close();
            }
        }
        throw last;
    }

    /** The gateway takes ports 1024-32767 only (its IntegerValidator): pick a free one there. */
    private static int freeGatewayPort() throws IOException {
        for (int i = 0; i < 200; i++) {
            int candidate = ThreadLocalRandom.current().nextInt(20_000, 32_768);
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), candidate));
                return candidate;
            } catch (IOException inUse) {
                // next
            }
        }
        throw new IOException("no free port in 20000-32767");
    }

    private void awaitLine(String needle, int seconds) throws Exception {
        InputStream in = process.getInputStream();
        Thread reader = new Thread(() -> {
            try {
                byte[] b = new byte[4096];
                int n;
                while ((n = in.read(b)) > 0) {
                    synchronized (log) {
                        log.append(new String(b, 0, n, StandardCharsets.UTF_8));
                        log.notifyAll();
                    }
                }
            } catch (IOException e) {
                // process ended
            }
        }, "zabbix-gateway-log");
        reader.setDaemon(true);
        reader.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        synchronized (log) {
            while (log.indexOf(needle) < 0) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0 || !process.isAlive() && log.indexOf(needle) < 0) {
                    throw new IOException("the Zabbix Java gateway did not start: " + log);
                }
                log.wait(Math.min(left, 200));
            }
        }
    }

    String log() {
        synchronized (log) {
            return log.toString();
        }
    }

    /** Asks for {@code keys} from the JMX endpoint, as the Zabbix server's Java poller does. */
    List<Answer> jmx(String endpoint, List<String> keys) throws Exception {
        StringBuilder q = new StringBuilder("{\"request\":\"java gateway jmx\",\"conn\":\"127.0.0.1\",\"port\":0,");
        q.append("\"jmx_endpoint\":").append(Json.quote(endpoint)).append(",\"keys\":[");
        for (int i = 0; i < keys.size(); i++) {
            q.append(i == 0 ? "" : ",").append(Json.quote(keys.get(i)));
        }
        q.append("]}");
        Map<?, ?> reply = (Map<?, ?>) Json.parse(exchange(q.toString()));
        if (!"success".equals(reply.get("response"))) {
            throw new AssertionError("gateway failed: " + reply + "\n" + log());
        }
        List<?> data = (List<?>) reply.get("data");
        if (data.size() != keys.size()) {
            throw new AssertionError("asked " + keys.size() + " keys, got " + data.size() + " answers: " + reply);
        }
        List<Answer> out = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            Map<?, ?> d = (Map<?, ?>) data.get(i);
            out.add(new Answer(keys.get(i), (String) d.get("value"), (String) d.get("error")));
        }
        return out;
    }

    private String exchange(String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer frame = ByteBuffer.allocate(13 + body.length).order(ByteOrder.LITTLE_ENDIAN);
        frame.put(new byte[] {'Z', 'B', 'X', 'D', 1}).putInt(body.length).putInt(0).put(body);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(frame.array());
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] header = new byte[13];
            in.readFully(header);
            ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
            byte[] magic = new byte[5];
            h.get(magic);
            if (magic[0] != 'Z' || magic[1] != 'B' || magic[2] != 'X' || magic[3] != 'D' || magic[4] != 1) {
                throw new IOException("not a ZBXD reply");
            }
            long length = h.getLong();
            if (length < 0 || length > 16 << 20) {
                throw new IOException("bad reply length " + length);
            }
            byte[] reply = new byte[(int) length];
            in.readFully(reply);
            return new String(reply, StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        process.destroy(); // SIGTERM: its shutdown hook logs "has stopped"
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
