package org.taskwatch.agent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/1.1 over a plain socket, for requests no well-behaved client sends: bodies of a
 * gigabyte, chunked without end, or a body the server is not waiting for. The response is read
 * while the body is still being written, as an abusive client would, and writing stops once the
 * server has answered or closed the connection.
 */
final class RawHttp {
    /** What came back: the status (0: the connection ended without one), the body, and how much was sent. */
    record Reply(int status, String body, long bytesSent) {}

    /** Writes a body to the server; may be cut short by an IOException once the server hangs up. */
    interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    private RawHttp() {}

    /**
     * Sends {@code head} (request line and headers, without the blank line; Connection: close is
     * added) and then {@code body}, reading the response meanwhile.
     */
    static Reply send(URI url, String head, Body body, String authorization) throws Exception {
        try (Socket s = new Socket(url.getHost(), url.getPort())) {
            s.setSoTimeout(120_000);
            InputStream in = s.getInputStream();
            CompletableFuture<byte[]> response = new CompletableFuture<>();
            Thread reader = new Thread(() -> response.complete(readAll(in)), "raw-http-reader");
            reader.setDaemon(true);
            reader.start();
            CountingStream out = new CountingStream(s.getOutputStream());
            try {
                out.write((head + "\r\nHost: " + url.getHost() + ":" + url.getPort() + "\r\nConnection: close\r\n"
                        + (authorization == null ? "" : "Authorization: " + authorization + "\r\n") + "\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                if (body != null) {
                    body.writeTo(new StopWhenAnswered(out, response));
                }
                out.flush();
            } catch (IOException e) {
                // the server hung up on the rest of the body: what this client is here to test
            }
            byte[] raw = response.get(120, TimeUnit.SECONDS);
            return parse(raw, out.count);
        }
    }

    private static byte[] readAll(InputStream in) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                b.write(buf, 0, n);
                if (complete(b.toString(StandardCharsets.ISO_8859_1))) {
                    break; // the whole answer: whether the server then closes does not matter
                }
            }
        } catch (IOException e) {
            // reset by the server after its answer: keep what arrived
        }
        return b.toByteArray();
    }

    /** Whether {@code text} holds a whole final response (after any 100 Continue). */
    private static boolean complete(String text) {
        while (text.startsWith("HTTP/1.1 1") && text.contains("\r\n\r\n")) {
            text = text.substring(text.indexOf("\r\n\r\n") + 4);
        }
        int headEnd = text.indexOf("\r\n\r\n");
        if (headEnd < 0) {
            return false;
        }
        String head = text.substring(0, headEnd).toLowerCase(java.util.Locale.ROOT);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("content-length: *([0-9]+)").matcher(head);
        if (m.find()) {
            return text.length() - headEnd - 4 >= Long.parseLong(m.group(1));
        }
        return head.contains("transfer-encoding: chunked") && text.endsWith("\r\n0\r\n\r\n");
    }

    private static Reply parse(byte[] raw, long sent) {
        String text = new String(raw, StandardCharsets.UTF_8);
        while (text.startsWith("HTTP/1.1 1") && text.contains("\r\n\r\n")) { // 100 Continue: the final answer follows
            text = text.substring(text.indexOf("\r\n\r\n") + 4);
        }
        int headEnd = text.indexOf("\r\n\r\n");
        if (!text.startsWith("HTTP/1.1 ") || headEnd < 0) {
            return new Reply(0, text, sent);
        }
        int status = Integer.parseInt(text.substring(9, 12));
        String body = text.substring(headEnd + 4);
        if (text.substring(0, headEnd).toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")) {
            body = unchunk(body);
        }
        return new Reply(status, body, sent);
    }

    private static String unchunk(String s) {
        StringBuilder b = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            int eol = s.indexOf("\r\n", i);
            int n = Integer.parseInt(s.substring(i, eol).trim(), 16);
            if (n == 0) {
                break;
            }
            b.append(s, eol + 2, eol + 2 + n);
            i = eol + 2 + n + 2;
        }
        return b.toString();
    }

    /** A body of {@code bytes} bytes: {@code prefix}, then 'a' to the end (a JSON string that never closes). */
    static Body endlessString(String prefix, long bytes, boolean chunked) {
        return out -> {
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) 'a');
            byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
            long left = bytes;
            writePart(out, p, p.length, chunked);
            left -= p.length;
            while (left > 0) {
                int n = (int) Math.min(chunk.length, left);
                writePart(out, chunk, n, chunked);
                left -= n;
            }
            if (chunked) {
                out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            }
        };
    }

    private static void writePart(OutputStream out, byte[] b, int n, boolean chunked) throws IOException {
        if (chunked) {
            out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        }
        out.write(b, 0, n);
        if (chunked) {
            out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    private static final class CountingStream extends OutputStream {
        private final OutputStream out;
        long count;

        CountingStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }
    }

    /** Ends the body early once the response is complete, as a client that reads what it gets would. */
    private static final class StopWhenAnswered extends OutputStream {
        private final OutputStream out;
        private final CompletableFuture<byte[]> response;

        StopWhenAnswered(OutputStream out, CompletableFuture<byte[]> response) {
            this.out = out;
            this.response = response;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (response.isDone()) {
                throw new IOException("answered");
            }
            out.write(b, off, len);
        }
    }

    static String basic(String user, String password) {
        return "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** The agent's resident memory in KiB, as the kernel counts it. */
    static long rssKiB(long pid) throws IOException {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS for " + pid);
    }

    static Map<String, Object> json(Reply r) throws IOException {
        return JolokiaClient.parse(r.body());
    }
}
