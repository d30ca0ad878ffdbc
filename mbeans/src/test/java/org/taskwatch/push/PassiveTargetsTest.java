package org.taskwatch.push;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskwatch.kernel.ExitStatus;
import org.taskwatch.monitor.Expectation;
import org.taskwatch.monitor.ServiceSpec;
import org.taskwatch.monitor.ServiceWatch;

/**
 * The Icinga and Nagios targets at the wire: the request Icinga's API gets (a real HTTP server
 * here) and what its answers make of a batch; the lines a command file gets (a real FIFO), and a
 * FIFO nobody reads, which must not hold the sender for ever.
 */
class PassiveTargetsTest {
    private static final long AT = 1_796_208_000_123L;

    /** The watch "crash" (expects 1:) after pid 4242 exited 7 at {@link #AT}. */
    static PushMessage crash() {
        ServiceSpec spec = new ServiceSpec("crash", ServiceSpec.Kind.COMMAND, "crash", false, 0, Expectation.parse("1:"),
                60, 5, 300, 300);
        ServiceWatch.LastExit exit = new ServiceWatch.LastExit(4242, new ExitStatus(7, 0, false), AT, "");
        ServiceWatch.Snapshot s = new ServiceWatch.Snapshot("crash", spec, 0, 0, 1, 1, 1, 0, 0, false,
                ServiceWatch.State.CRITICAL, "0 running, expected 1:", AT, exit, exit, AT - 60_000, 0);
        return new PushMessage(PushMessage.Kind.EXIT, "crash", AT, s, exit);
    }

    @Test
    void theVerdictIsTheChecks() {
        var v = PassiveCheck.verdict(crash());
        assertEquals("TASKWATCH CRITICAL - crash: 0 running, expected 1:; non-zero exit 0 s ago: pid 4242 exit 7 at"
                + " 2026-12-02T10:40:00.123Z", v.statusLine());
        assertEquals("'running'=0;;1:;0 'exits'=1c 'nonzero_exits'=1c 'restarts'=0c", v.perfdataText());
        assertEquals(2, v.state().code);
    }

    @Test
    void icingaGetsOneResultPerRequestAndItsNoIsRefusedWithItsWords() throws Exception {
        List<String> bodies = new CopyOnWriteArrayList<>();
        AtomicInteger status = new AtomicInteger(200);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/actions/process-check-result", x -> {
            try (InputStream in = x.getRequestBody()) {
                bodies.add(x.getRequestMethod() + " " + x.getRequestHeaders().getFirst("Authorization") + " "
                        + new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            byte[] answer = (status.get() == 200 ? "{\"results\":[{\"code\":200.0,\"status\":\"Successfully processed\"}]}"
                    : "{\"error\":" + status.get() + ",\"status\":\"No objects found.\"}").getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(status.get(), answer.length);
            x.getResponseBody().write(answer);
            x.close();
        });
        server.start();
        try {
            IcingaTarget t = new IcingaTarget("http://127.0.0.1:" + server.getAddress().getPort(), "taskwatch", "pw", null,
                    "web01", "agent01");
            PushTarget.Result r = t.send(List.of(PushMessage.heartbeat(AT), crash()));
            assertEquals(new PushTarget.Result(1, 0, ""), r, "the heartbeat is no check result");
            assertEquals(1, bodies.size());
            assertEquals("POST Basic dGFza3dhdGNoOnB3 {\"type\":\"Service\",\"service\":\"web01!crash\",\"exit_status\":2,"
                    + "\"plugin_output\":\"TASKWATCH CRITICAL - crash: 0 running, expected 1:; non-zero exit 0 s ago: pid 4242"
                    + " exit 7 at 2026-12-02T10:40:00.123Z\",\"performance_data\":\"'running'=0;;1:;0 'exits'=1c"
                    + " 'nonzero_exits'=1c 'restarts'=0c\",\"check_source\":\"agent01\",\"execution_start\":1796208000.123,"
                    + "\"execution_end\":1796208000.123}", bodies.get(0));
            status.set(404);
            r = t.send(List.of(crash(), crash()));
            assertEquals(0, r.accepted());
            assertEquals(2, r.refused());
            assertTrue(r.answer().startsWith("HTTP 404 for service 'web01!crash': {\"error\":404,\"status\":\"No objects"
                    + " found.\"}"), r.answer());
            status.set(503); // starting or reloading: try again later
            IOException e = assertThrows(IOException.class, () -> t.send(List.of(crash())));
            assertTrue(e.getMessage().startsWith("HTTP 503"), e.getMessage());
        } finally {
            server.stop(0);
        }
        IcingaTarget gone = new IcingaTarget("https://127.0.0.1:1", "u", "p", null, "web01", "agent01");
        assertThrows(IOException.class, () -> gone.send(List.of(crash())), "unreachable is retried, not refused");
    }

    @Test
    void quotingKeepsJsonValid() {
        assertEquals("\"a\\\"b\\\\c\\u000ad\\u2028\"", IcingaTarget.quote("a\"b\\c\nd\u2028"));
    }

    @Test
    void nagiosGetsOneLinePerResult(@TempDir Path dir) throws Exception {
        Path fifo = commandFifo(dir);
        // as Nagios does: the FIFO held open for reading (read and write: Linux opens that at once)
        try (RandomAccessFile nagios = new RandomAccessFile(fifo.toFile(), "rw")) {
            NagiosTarget t = new NagiosTarget(fifo, "web01");
            assertEquals(PushTarget.Result.allAccepted(2), t.send(List.of(crash(), PushMessage.heartbeat(AT), crash())));
            String line = "[1796208000] PROCESS_SERVICE_CHECK_RESULT;web01;crash;2;TASKWATCH CRITICAL - crash: 0 running,"
                    + " expected 1:; non-zero exit 0 s ago: pid 4242 exit 7 at 2026-12-02T10:40:00.123Z|'running'=0;;1:;0"
                    + " 'exits'=1c 'nonzero_exits'=1c 'restarts'=0c\n";
            byte[] got = new byte[2 * line.getBytes(StandardCharsets.UTF_8).length];
            nagios.readFully(got);
            assertEquals(line + line, new String(got, StandardCharsets.UTF_8));
        }
    }

    /**
     * A Nagios that holds its FIFO open but stopped reading: once the pipe is full, a send fails
     * as unreachable after the write timeout instead of waiting for ever (and is retried).
     */
    @Test
    void aFullFifoIsUnreachableAfterTheTimeoutNotAHang(@TempDir Path dir) throws Exception {
        Path fifo = commandFifo(dir);
        try (RandomAccessFile stuck = new RandomAccessFile(fifo.toFile(), "rw")) {
            NagiosTarget t = new NagiosTarget(fifo, "web01");
            IOException full = null;
            int sent = 0;
            long start = System.nanoTime();
            while (full == null && sent < 10_000) { // a pipe holds 64 KiB: about 300 results
                try {
                    t.send(List.of(crash()));
                    sent++;
                } catch (IOException e) {
                    full = e;
                }
            }
            assertTrue(full != null && full.getMessage().contains("full for " + NagiosTarget.WRITE_TIMEOUT_MILLIS + " ms"),
                    sent + " sent; " + full);
            assertTrue(sent > 100, "the pipe took results until it was full: " + sent);
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(60));
            assertTrue(stuck.getChannel().isOpen(), "the reader held it open throughout");
        }
    }

    @Test
    void aFifoNobodyReadsIsUnreachableNotAHang(@TempDir Path dir) throws Exception {
        Path fifo = commandFifo(dir);
        NagiosTarget t = new NagiosTarget(fifo, "web01");
        long start = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> t.send(List.of(crash())));
        assertTrue(e.getMessage().startsWith("nothing reads " + fifo), e.getMessage());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30));
        assertTrue(Files.exists(fifo) && !Files.isRegularFile(fifo), "the FIFO is left as it was");
        IOException missing = assertThrows(IOException.class,
                () -> new NagiosTarget(dir.resolve("none"), "web01").send(List.of(crash())));
        assertTrue(missing.getMessage().startsWith("no command file"), missing.getMessage());
        assertTrue(!Files.exists(dir.resolve("none")), "no file made where Nagios would make its FIFO");
        assertThrows(IllegalArgumentException.class, () -> new NagiosTarget(fifo, "a;b"));
    }

    /** {@code dir/nagios.cmd}, a FIFO as Nagios makes it (mkfifo), nothing reading it yet. */
    private static Path commandFifo(Path dir) throws Exception {
        Path fifo = dir.resolve("nagios.cmd");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        return fifo;
    }

}
