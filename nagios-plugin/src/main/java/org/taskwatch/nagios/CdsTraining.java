package org.taskwatch.nagios;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The run that the launcher records as the AppCDS archive ({@code -XX:ArchiveClassesAtExit}):
 * every mode once against a canned Jolokia server on loopback, so the archive holds the classes
 * of every code path a real check takes (options, HTTP, JSON, each check, output). Prints nothing.
 */
public final class CdsTraining {
    private CdsTraining() {}

    public static void main(String[] args) throws IOException {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Answerer(server);
            t.setDaemon(true);
            t.start();
            String url = "http://127.0.0.1:" + server.getLocalPort() + "/jolokia/";
            String[][] runs = {
                {"--alive", "1"},
                {"--command", "x|y", "-w", "2:", "-c", "@0:1"},
                {"--exits", "x", "--nonzero", "--window", "60"},
                {"--rate", "exec", "-w", "~:10.5", "-vvv"},
                {"--health", "--raw"},
                {"--bogus"},
            };
            PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8);
            for (String[] r : runs) {
                String[] a = new String[r.length + 2];
                System.arraycopy(r, 0, a, 0, r.length);
                a[r.length] = "-U";
                a[r.length + 1] = url;
                new CheckTaskwatch(sink, false).execute(a);
            }
        }
    }

    /** Answers each request with a Jolokia reply that fits the operation asked for. */
    private static final class Answerer extends Thread {
        private final ServerSocket server;

        Answerer(ServerSocket server) {
            super("cds-training");
            this.server = server;
        }

        @Override
        public void run() {
            while (true) {
                try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    byte[] buf = new byte[8192];
                    int n = in.read(buf);
                    String request = n > 0 ? new String(buf, 0, n, StandardCharsets.UTF_8) : "";
                    String value;
                    if (request.contains("\"processStatus\"")) {
                        value = "{\"pid\":1,\"alive\":false,\"exitKnown\":true,\"exitCode\":0,\"signal\":9,"
                                + "\"coreDumped\":false,\"timestampNanos\":1,\"comm\":\"init\"}";
                    } else if (request.contains("\"summary\"")) {
                        value = "{\"running\":1,\"forks\":2,\"execs\":3,\"exits\":4,\"nonZeroExits\":1,"
                                + "\"lastExitCode\":1,\"coveredSeconds\":60}";
                    } else if (request.contains("\"eventCounts\"")) {
                        value = "{\"forks\":2,\"execs\":3,\"exits\":4,\"nonZeroExits\":1,\"lost\":0,\"coveredSeconds\":300}";
                    } else {
                        value = "{\"state\":\"ok\",\"reason\":\"\",\"eventSource\":\"netlink\",\"lostInWindow\":0,"
                                + "\"lostTotal\":0,\"coveredSeconds\":300}";
                    }
                    byte[] body = ("{\"request\":{\"type\":\"exec\"},\"value\":" + value
                            + ",\"status\":200,\"timestamp\":1}").getBytes(StandardCharsets.UTF_8);
                    OutputStream out = s.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain;charset=utf-8\r\nContent-Length: "
                            + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.write(body);
                    out.flush();
                } catch (IOException e) {
                    return; // the server socket was closed: training is over
                }
            }
        }
    }
}
