package org.taskwatch.nagios;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The response reader on hand-built responses (real servers are in PluginProcessTest). */
class HttpPostTest {
    private static HttpPost.Response read(String raw) throws IOException {
        return HttpPost.read(new ByteArrayInputStream(raw.getBytes(StandardCharsets.ISO_8859_1)));
    }

    private static String body(HttpPost.Response r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void contentLength() throws IOException {
        HttpPost.Response r = read("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
        assertEquals(200, r.status());
        assertEquals("OK", r.reason());
        assertEquals("application/json", r.headers().get("content-type"));
        assertEquals("{}", body(r));
    }

    @Test
    void chunkedWithExtensionAndTrailer() throws IOException {
        HttpPost.Response r = read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3;ext=1\r\n{\"a\r\n5\r\n\":12}\r\n0\r\nX-Trailer: y\r\n\r\n");
        assertEquals("{\"a\":12}", body(r));
    }

    @Test
    void untilCloseAndBareLineFeeds() throws IOException {
        HttpPost.Response r = read("HTTP/1.0 500 Internal Server Error\nServer: x\n\noops");
        assertEquals(500, r.status());
        assertEquals("Internal Server Error", r.reason());
        assertEquals("oops", body(r));
    }

    @Test
    void interimResponsesAreSkipped() throws IOException {
        HttpPost.Response r = read("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1");
        assertEquals(200, r.status());
        assertEquals("1", body(r));
    }

    @Test
    void noReasonPhrase() throws IOException {
        assertEquals(404, read("HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n").status());
    }

    @Test
    void binaryBodyKeptAsBytes() throws IOException {
        byte[] head = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[head.length + 3];
        System.arraycopy(head, 0, all, 0, head.length);
        all[head.length] = (byte) 0xff;
        all[head.length + 1] = 0;
        all[head.length + 2] = (byte) 0xc3;
        assertArrayEquals(new byte[] {(byte) 0xff, 0, (byte) 0xc3}, HttpPost.read(new ByteArrayInputStream(all)).body());
    }

    @Test
    void malformedResponsesAreRejected() {
        assertThrows(EOFException.class, () -> read(""));
        String[] bad = {
            "SSH-2.0-OpenSSH_9.2\r\n",
            "HTTP/1.1 2x0 OK\r\n\r\n",
            "HTTP/1.1 200OK\r\n\r\n",
            "HTTP/2 200 OK\r\n\r\n",
            "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
            "HTTP/1.1 200 OK\r\n folded: header\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            "HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabc",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n",
        };
        for (String b : bad) {
            IOException e = assertThrows(IOException.class, () -> read(b), b);
            assertTrue(e instanceof HttpPost.ProtocolException, b + ": " + e);
        }
    }

    @Test
    void endlessHeadersAreBounded() {
        String huge = "HTTP/1.1 200 OK\r\n" + "X: y\r\n".repeat(20_000) + "\r\n";
        assertTrue(assertThrows(HttpPost.ProtocolException.class, () -> read(huge)).getMessage().contains("longer than"));
    }
}
