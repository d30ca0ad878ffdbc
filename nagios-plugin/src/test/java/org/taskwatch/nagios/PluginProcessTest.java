package org.taskwatch.nagios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.taskwatch.nagios.Plugin.run;
import static org.taskwatch.nagios.Plugin.wellFormed;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskwatch.agent.AgentProcess;

/**
 * The plugin as a monitoring system runs it (a separate JVM, its exit code and stdout) against
 * real HTTP servers started here: a fake Jolokia agent with the replies each test sets, a server
 * that never answers, a port nobody listens on. Proves the plugin's decisions and its failure
 * reporting; the agent's side is proven in LiveAgentTest.
 */
class PluginProcessTest {
    private static FakeJolokia agent;

    @BeforeAll
    static void start() throws IOException {
        agent = new FakeJolokia();
    }

    @AfterAll
    static void stop() {
        agent.close();
    }

    private static Plugin.Run check(String... args) throws Exception {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "-U";
        all[args.length + 1] = agent.url();
        return wellFormed(run(all));
    }

    // ---- failures: UNKNOWN with the reason ----

    @Test
    void connectionRefusedNamesTheUrl() throws Exception {
        String url = "http://127.0.0.1:" + AgentProcess.freePort() + "/jolokia/";
        Plugin.Run r = wellFormed(run("--health", "-U", url));
        assertEquals(3, r.exit(), r.toString());
        assertEquals("cannot connect to the taskwatch agent at " + url
                + ": connection refused (is the agent running with Jolokia on this port?)", r.text());
    }

    @Test
    void healthRawIsFailedWhenTheAgentIsDownAndOtherRawModesStayUnknown() throws Exception {
        String url = "http://127.0.0.1:" + AgentProcess.freePort() + "/jolokia/"; // closed: connection refused
        Plugin.Run r = run("--health", "--raw", "-t", "2", "-U", url);
        assertEquals("2\n", r.stdout(), r.toString()); // Zabbix stores 2 (failed), not "not supported"
        assertEquals(2, r.exit(), r.toString());
        // the other modes have no number for a dead agent: the UNKNOWN line, which Zabbix shows as the reason
        Plugin.Run running = wellFormed(run("--command", "^nginx", "--raw", "-t", "2", "-U", url));
        assertEquals(3, running.exit(), running.toString());
        assertTrue(running.text().startsWith("cannot connect to the taskwatch agent at " + url), running.toString());
    }

    @Test
    void healthRawIsFailedWhenTheAgentNeverAnswers() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            // the backlog accepts the connection, nobody reads: the check's own timeout ends it
            String url = "http://127.0.0.1:" + silent.getLocalPort() + "/jolokia/";
            Plugin.Run r = run("--health", "--raw", "-t", "1", "-U", url);
            assertEquals("2\n", r.stdout(), r.toString());
            assertEquals(2, r.exit(), r.toString());
        }
    }

    @Test
    void httpErrorStatus() throws Exception {
        agent.reply(500, "<html>Internal error</html>", false);
        Plugin.Run r = check("--health");
        assertEquals(3, r.exit(), r.toString());
        assertEquals("HTTP 500 Internal Server Error from " + agent.url(), r.text());

        agent.reply(404, "not here", false);
        Plugin.Run nf = check("--health");
        assertEquals(3, nf.exit());
        assertTrue(nf.text().startsWith("HTTP 404 Not Found from " + agent.url() + ": no Jolokia there"), nf.toString());
    }

    @Test
    void jolokiaErrorResponseGivesTheAgentsMessage() throws Exception {
        agent.reply(200, "{\"request\":{\"type\":\"exec\"},\"error_type\":\"java.lang.IllegalArgumentException\","
                + "\"error\":\"java.lang.IllegalArgumentException : regex: invalid pattern '(': Unclosed group\","
                + "\"status\":500}", true);
        Plugin.Run r = check("--command", "(");
        assertEquals(3, r.exit(), r.toString());
        assertEquals("the agent could not run summary: regex: invalid pattern '(': Unclosed group"
                + " [java.lang.IllegalArgumentException] (Jolokia status 500)", r.text());

        // the same error carried with the HTTP status as well (Jolokia's includeRequest/HTTP-status mode)
        agent.reply(404, "{\"error_type\":\"javax.management.InstanceNotFoundException\","
                + "\"error\":\"javax.management.InstanceNotFoundException : org.taskwatch:type=Monitor\",\"status\":404}", false);
        Plugin.Run nf = check("--health");
        assertEquals(3, nf.exit());
        assertEquals("HTTP 404 Not Found from " + agent.url() + ": org.taskwatch:type=Monitor"
                + " [javax.management.InstanceNotFoundException]", nf.text());
    }

    @Test
    void anAgentWithoutTheOperationIsNamedOlder() throws Exception {
        // what Jolokia 2.6 answers for an operation the MBean does not have
        agent.reply(200, "{\"error_type\":\"java.lang.NoSuchMethodException\",\".error\":true,\"error\":\"health\","
                + "\"status\":500}", true);
        Plugin.Run r = check("--health");
        assertEquals(3, r.exit());
        assertTrue(r.text().startsWith("the agent at " + agent.url() + " has no operation health: it is older than"), r.text());
    }

    @Test
    void notJsonOrNotJolokia() throws Exception {
        agent.reply(200, "<html><body>hello</body></html>", false);
        Plugin.Run html = check("--health");
        assertEquals(3, html.exit());
        assertTrue(html.text().startsWith("the reply from " + agent.url() + " is not JSON (unexpected '<'"), html.text());

        agent.reply(200, "{\"value\":{}, \"status\":200", true);
        Plugin.Run cut = check("--health");
        assertEquals(3, cut.exit());
        assertTrue(cut.text().contains("is not JSON (expected ',' or '}' at offset"), cut.text());

        agent.reply(200, "[1,2]", false);
        Plugin.Run array = check("--health");
        assertEquals(3, array.exit());
        assertTrue(array.text().endsWith("is not a Jolokia response (no JSON object)"), array.text());

        agent.value("{\"state\":\"ok\"}");
        Plugin.Run partial = check("--health");
        assertEquals(3, partial.exit());
        assertEquals("the agent's reply to health has no \"reason\" (an older agent?)", partial.text());
    }

    @Test
    void aServerThatNeverAnswersTimesOutOnTheWatchdog() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> held = new ArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        Socket s = silent.accept(); // accept, read nothing, answer nothing
                        synchronized (held) {
                            held.add(s);
                        }
                    }
                } catch (IOException closed) {
                    // test over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            String url = "http://127.0.0.1:" + silent.getLocalPort() + "/jolokia/";
            Plugin.Run r = wellFormed(run("--health", "-t", "1", "-U", url));
            assertEquals(3, r.exit(), r.toString());
            assertEquals("timed out after 1 s waiting for the taskwatch agent at " + url + " (-t 1)", r.text());
            assertTrue(r.millis() < 2500, "took " + r.millis() + " ms for -t 1");
            assertTrue(r.millis() >= 1000, "ended before the timeout: " + r.millis() + " ms");
            synchronized (held) {
                for (Socket s : held) {
                    s.close();
                }
            }
        }
    }

    @Test
    void aServerThatStallsMidReplyTimesOutToo() throws Exception {
        try (ServerSocket stalling = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket s = stalling.accept()) {
                    OutputStream out = s.getOutputStream();
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"status\":".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    Thread.sleep(5000);
                } catch (IOException | InterruptedException e) {
                    // test over
                }
            });
            t.setDaemon(true);
            t.start();
            Plugin.Run r = wellFormed(run("--health", "-t", "1", "-U", "http://127.0.0.1:" + stalling.getLocalPort() + "/"));
            assertEquals(3, r.exit());
            assertTrue(r.text().startsWith("timed out after 1 s"), r.toString());
            assertTrue(r.millis() < 2500, "took " + r.millis() + " ms");
        }
    }

    @Test
    void badOptionsFromTheCommandLine() throws Exception {
        Plugin.Run r = run("--alive", "12x");
        assertEquals(3, r.exit());
        assertTrue(r.stdout().startsWith("TASKWATCH UNKNOWN - --alive needs a whole number, got '12x'\nUsage: check_taskwatch"),
                r.toString());
    }

    // ---- the request the plugin sends ----

    @Test
    void oneExecPostPerCheckWithTheContractsArguments() throws Exception {
        agent.value("{\"running\":2,\"forks\":0,\"execs\":0,\"exits\":0,\"nonZeroExits\":0,\"lastExitCode\":-1,"
                + "\"coveredSeconds\":120}");
        int before = agent.requests().size();
        check("--command", "^nginx: worker \"x\"", "--window", "120");
        assertEquals(before + 1, agent.requests().size(), "exactly one request");
        FakeJolokia.Request q = agent.lastRequest();
        assertEquals("POST", q.method());
        assertEquals("/jolokia/", q.path());
        Map<String, Object> json = q.json();
        assertEquals("exec", json.get("type"));
        assertEquals("org.taskwatch:type=Monitor", json.get("mbean"));
        assertEquals("summary", json.get("operation"));
        assertEquals(List.of("^nginx: worker \"x\"", 120L), json.get("arguments"));
        assertEquals(List.of("application/json"), q.headers().get("Content-type"));
    }

    @Test
    void basicAuthentication() throws Exception {
        agent.reply(401, "", false);
        Plugin.Run denied = check("--health");
        assertEquals(3, denied.exit());
        assertTrue(denied.text().contains("HTTP 401 Unauthorized from " + agent.url() + ": the agent wants a user and password"),
                denied.text());

        agent.value(health("ok", "", 0, 0));
        check("--health", "--user", "nagios", "--password", "s3cr\u00e9t:x");
        String auth = agent.lastRequest().headers().get("Authorization").get(0);
        assertTrue(auth.startsWith("Basic "), auth);
        assertEquals("nagios:s3cr\u00e9t:x", new String(Base64.getDecoder().decode(auth.substring(6)), StandardCharsets.UTF_8));
    }

    // ---- each mode's decision ----

    private static String status(boolean alive, boolean exitKnown, int exitCode, int signal, boolean core, String comm) {
        return "{\"pid\":4242,\"alive\":" + alive + ",\"exitKnown\":" + exitKnown + ",\"exitCode\":" + exitCode
                + ",\"signal\":" + signal + ",\"coreDumped\":" + core + ",\"timestampNanos\":123456789012,\"comm\":\""
                + comm + "\"}";
    }

    @Test
    void aliveRunning() throws Exception {
        agent.value(status(true, false, 0, 0, false, "nginx"));
        Plugin.Run r = check("--alive", "4242");
        assertEquals(0, r.exit());
        assertEquals("process 4242 (nginx) is running", r.text());
        assertEquals("'alive'=1;;;0;1", r.perfdata());
        assertEquals(List.of(4242L), agent.lastRequest().json().get("arguments"));
        assertEquals("processStatus", agent.lastRequest().json().get("operation"));
    }

    @Test
    void aliveGoneNamesHowItEnded() throws Exception {
        agent.value(status(false, true, 0, 9, false, "nginx"));
        Plugin.Run killed = check("--alive", "4242");
        assertEquals(2, killed.exit());
        assertEquals("process 4242 (nginx) exited: killed by SIGKILL", killed.text());
        assertEquals("'alive'=0;;;0;1", killed.perfdata());

        agent.value(status(false, true, 0, 11, true, "worker"));
        assertEquals("process 4242 (worker) exited: killed by SIGSEGV (core dumped)", check("--alive", "4242").text());

        agent.value(status(false, true, 3, 0, false, ""));
        Plugin.Run three = check("--alive", "4242");
        assertEquals(2, three.exit());
        assertEquals("process 4242 exited: exit status 3", three.text());

        agent.value(status(false, true, 0, 0, false, "cron"));
        Plugin.Run clean = check("--alive", "4242");
        assertEquals(2, clean.exit(), "gone is gone, even with status 0");
        assertEquals("process 4242 (cron) exited: exit status 0", clean.text());

        agent.value(status(false, false, 0, 0, false, ""));
        Plugin.Run unknown = check("--alive", "4242");
        assertEquals(2, unknown.exit());
        assertEquals("process 4242 is not running (how it ended is unknown to the agent)", unknown.text());
    }

    @Test
    void aHostileProcessNameCannotForgeOutput() throws Exception {
        agent.value(status(true, false, 0, 0, false, "x | 'evil'=1\\nTASKWATCH OK"));
        Plugin.Run r = check("--alive", "4242");
        assertEquals(0, r.exit());
        assertEquals("process 4242 (x \u00a6 'evil'=1?TASKWATCH OK) is running", r.text());
        assertEquals("'alive'=1;;;0;1", r.perfdata());
    }

    @Test
    void pidfile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("nginx.pid");
        Files.writeString(f, "4242\n");
        agent.value(status(true, false, 0, 0, false, "nginx"));
        Plugin.Run r = check("--pidfile", f.toString());
        assertEquals(0, r.exit());
        assertEquals("process 4242 (nginx) from " + f + " is running", r.text());
        assertEquals(List.of(4242L), agent.lastRequest().json().get("arguments"));

        Plugin.Run missing = check("--pidfile", dir.resolve("gone.pid").toString());
        assertEquals(2, missing.exit());
        assertEquals("pidfile " + dir.resolve("gone.pid") + " does not exist: the service is not running", missing.text());

        Files.writeString(f, "not a pid\n");
        Plugin.Run garbage = check("--pidfile", f.toString());
        assertEquals(3, garbage.exit());
        assertEquals("pidfile " + f + " does not hold a process id: 'not a pid'", garbage.text());
    }

    private static String summary(int running, int exits, int nonZero, int lastExit, int covered) {
        return "{\"running\":" + running + ",\"forks\":5,\"execs\":4,\"exits\":" + exits + ",\"nonZeroExits\":" + nonZero
                + ",\"lastExitCode\":" + lastExit + ",\"coveredSeconds\":" + covered + "}";
    }

    @Test
    void commandDefaultIsCriticalWhenNoneRuns() throws Exception {
        agent.value(summary(0, 0, 0, -1, 300));
        Plugin.Run none = check("--command", "^nginx");
        assertEquals(2, none.exit());
        assertEquals("no process matches '^nginx'", none.text());
        assertEquals("'running'=0;;1:;0", none.perfdata());

        agent.value(summary(1, 0, 0, -1, 300));
        Plugin.Run one = check("--command", "^nginx");
        assertEquals(0, one.exit());
        assertEquals("1 process matches '^nginx'", one.text());
    }

    @Test
    void commandThresholdsAtTheirEdges() throws Exception {
        // -w 2:4 -c 1:5 : OK inside 2..4, WARNING at 1 and 5, CRITICAL at 0 and 6
        int[][] expect = {{0, 2}, {1, 1}, {2, 0}, {3, 0}, {4, 0}, {5, 1}, {6, 2}};
        for (int[] e : expect) {
            agent.value(summary(e[0], 0, 0, -1, 300));
            Plugin.Run r = check("--command", "^nginx", "-w", "2:4", "-c", "1:5");
            assertEquals(e[1], r.exit(), e[0] + " running: " + r);
            assertEquals("'running'=" + e[0] + ";2:4;1:5;0", r.perfdata());
        }
        agent.value(summary(3, 0, 0, -1, 300));
        assertEquals(2, check("--command", "^nginx", "-c", "@3:3").exit(), "@ alerts inside, end included");
        assertEquals(0, check("--command", "^nginx", "-c", "@4:9").exit());
        assertEquals(1, check("--command", "^nginx", "-w", "~:2").exit(), "3 is above ~:2");
        agent.value(summary(3, 0, 0, -1, 300));
        assertEquals("3 processes match 'a\u00a6b'", check("--command", "^a|^b").text().replace("^", ""));
    }

    @Test
    void commandLeavesThePluginItselfOut() throws Exception {
        // unanchored, "nginx" is found in this plugin's own command line: the agent counts it
        agent.value(summary(3, 0, 0, -1, 300));
        Plugin.Run r = check("--command", "nginx", "-v");
        assertEquals(0, r.exit());
        assertTrue(r.text().startsWith("2 processes match 'nginx'; in the last 300 s: 5 forks, 4 execs, 0 exits (0 non-zero)"),
                r.text());
        assertTrue(r.text().endsWith("not counting check_taskwatch itself, whose command line matches"), r.text());
        agent.value(summary(1, 0, 0, -1, 300));
        assertEquals(2, check("--command", "nginx").exit(), "only the plugin matched: nothing runs");
    }

    @Test
    void exitsAndNonZeroExits() throws Exception {
        agent.value(summary(1, 4, 0, 0, 300));
        Plugin.Run all = check("--exits", "^backup", "-w", "3", "-c", "10");
        assertEquals(1, all.exit(), all.toString());
        assertEquals("4 exits of processes matching '^backup' in the last 300 s, last exit status 0", all.text());
        assertEquals("'exits'=4;3;10;0 'nonzero_exits'=0;;;0", all.perfdata());
        assertEquals(0, check("--exits", "^backup").exit(), "no thresholds, no alert");

        agent.value(summary(0, 4, 0, 0, 300));
        assertEquals(0, check("--exits", "^backup", "--nonzero").exit(), "0 is within the default -w 0");
        agent.value(summary(0, 4, 2, 1, 300));
        Plugin.Run two = check("--exits", "^backup", "--nonzero");
        assertEquals(1, two.exit(), "default -w 0: any non-zero exit warns");
        assertEquals("2 non-zero exits of processes matching '^backup' in the last 300 s, last exit status 1", two.text());
        assertEquals("'exits'=4;;;0 'nonzero_exits'=2;0;;0", two.perfdata());
        assertEquals(1, check("--exits", "^backup", "--nonzero", "-c", "2").exit(), "2 is within 0..2: not critical");
        assertEquals(2, check("--exits", "^backup", "--nonzero", "-c", "1").exit());
    }

    @Test
    void exitsSaysHowMuchOfTheWindowIsCovered() throws Exception {
        agent.value(summary(0, 0, 0, -1, 0));
        assertEquals("0 exits of processes matching '^job' in the last 600 s (history starts now: counts cover the time"
                + " since this first check)", check("--exits", "^job", "--window", "600").text());
        agent.value(summary(0, 1, 1, 137, 42));
        assertEquals("1 non-zero exit of processes matching '^job' in the last 600 s, last exit status 137 (history covers"
                + " only 42 s of the 600 s window)", check("--exits", "^job", "--nonzero", "--window", "600").text());
    }

    @Test
    void exitsRefusesAPatternThatMatchesThePluginItself() throws Exception {
        agent.value(summary(0, 9, 9, 2, 300));
        Plugin.Run r = check("--exits", "backup", "--nonzero");
        assertEquals(3, r.exit());
        assertTrue(r.text().startsWith("the pattern 'backup' matches check_taskwatch's own command line"), r.text());
    }

    private static String counts(long forks, long execs, long exits, long lost, long covered) {
        return "{\"forks\":" + forks + ",\"execs\":" + execs + ",\"exits\":" + exits + ",\"nonZeroExits\":0,\"lost\":" + lost
                + ",\"coveredSeconds\":" + covered + "}";
    }

    @Test
    void rateIsCountOverCoveredSecondsWithTwoDecimals() throws Exception {
        agent.value(counts(600, 3001, 10, 0, 300));
        Plugin.Run forks = check("--rate", "fork", "-w", "1", "-c", "5");
        assertEquals(1, forks.exit(), forks.toString());
        assertEquals("2.00 forks per second over the last 300 s", forks.text());
        assertEquals("'fork_rate'=2.00;1;5;0", forks.perfdata());
        assertEquals(List.of(300L), agent.lastRequest().json().get("arguments"));
        assertEquals("eventCounts", agent.lastRequest().json().get("operation"));

        Plugin.Run execs = check("--rate", "exec", "-w", "1", "-c", "10");
        assertEquals("10.00 execs per second over the last 300 s", execs.text(), "3001/300 = 10.0033 rounds to 10.00");
        assertEquals(1, execs.exit(), "the shown 10.00 is within -c 10");
        Plugin.Run raw = wellFormedRaw(check0("--rate", "exec", "--raw"));
        assertEquals("10.00\n", raw.stdout());

        agent.value(counts(0, 0, 5, 0, 2));
        assertEquals("2.50 exits per second over the last 2 s (history covers only 2 s of the 60 s window)",
                check("--rate", "exit", "--window", "60").text());
    }

    @Test
    void rateWithLossesOrNoHistory() throws Exception {
        agent.value(counts(100, 0, 0, 17, 100));
        assertEquals("1.00 forks per second over the last 100 s; 17 events lost in the window, so the rate is a lower bound",
                check("--rate", "fork", "--window", "100").text());
        agent.value(counts(0, 0, 0, 0, 0));
        Plugin.Run r = check("--rate", "fork");
        assertEquals(3, r.exit());
        assertEquals("no fork rate yet: the agent's history covers no full second (it just started)", r.text());
    }

    private static String health(String state, String reason, long lost, long lostTotal) {
        return "{\"state\":\"" + state + "\",\"reason\":\"" + reason + "\",\"eventSource\":\"netlink\",\"lostInWindow\":"
                + lost + ",\"lostTotal\":" + lostTotal + ",\"coveredSeconds\":300}";
    }

    @Test
    void healthStatesTheLossOnce() throws Exception {
        agent.value(health("degraded", "169948 events lost in the last 300 s (last cause: socket buffer)", 169948, 169948));
        Plugin.Run r = check("--health");
        assertEquals(1, r.exit());
        assertEquals("agent degraded: 169948 events lost in the last 300 s (last cause: socket buffer); event source"
                + " netlink", r.text());
        assertEquals("'lost'=169948;0;;0 'lost_total'=169948c", r.perfdata());

        // degraded for another reason, with a loss: both are said, each once
        agent.value(health("degraded", "reopening the proc connector after: recvmmsg(fd=5): EBADF", 1, 3));
        assertEquals("agent degraded: reopening the proc connector after: recvmmsg(fd=5): EBADF; event source netlink,"
                + " 1 event lost in the last 300 s", check("--health").text());
    }

    @Test
    void aLongHealthReasonIsCutOnTheStatusLineAndWholeInTheLongOutput() throws Exception {
        String reason = "event source procfs (the proc connector did not acknowledge LISTEN within 1000 ms): misses "
                + "processes that start and end between two scans (every 100 ms) unless tracked, a second exec between"
                + " two scans, thread, comm, uid, gid, sid, ptrace and coredump events, and exit statuses of untracked"
                + " processes".repeat(4);
        agent.value(health("degraded", reason, 0, 0));
        Plugin.Run r = check("--health");
        assertEquals(1, r.exit());
        assertEquals(1, r.stdout().split("\n").length, "one line without -v: " + r.stdout());
        assertTrue(r.text().length() <= 180, r.text().length() + " characters of status text: " + r.line());
        assertEquals("agent degraded: event source procfs (the proc connector did not acknowledge LISTEN within 1000"
                + " ms) ... (-v for all); event source netlink, no events lost in the last 300 s", r.text());

        Plugin.Run v = check0("--health", "-v");
        String[] lines = v.stdout().split("\n");
        assertEquals(r.line().replace("300 s |", "300 s; 0 lost since the agent started |"), lines[0],
                "-v adds only the short 'more' to the status line");
        assertEquals("agent degraded: " + reason, lines[1], "the whole reason, in the long output");
    }

    @Test
    void healthStatesAndLosses() throws Exception {
        agent.value(health("ok", "", 0, 12));
        Plugin.Run ok = check("--health");
        assertEquals(0, ok.exit());
        assertEquals("agent ok; event source netlink, no events lost in the last 300 s", ok.text());
        assertEquals("'lost'=0;0;;0 'lost_total'=12c", ok.perfdata());

        agent.value(health("ok", "", 5, 17));
        Plugin.Run lost = check("--health");
        assertEquals(1, lost.exit(), "default -w 0");
        assertEquals("agent ok; event source netlink, 5 events lost in the last 300 s", lost.text());
        assertEquals(2, check("--health", "-c", "4").exit());
        assertEquals(1, check("--health", "-c", "5").exit(), "5 is within 0..5");
        assertEquals(0, check("--health", "-w", "10").exit());

        agent.value(health("degraded", "receive buffer capped by net.core.rmem_max", 0, 0));
        Plugin.Run degraded = check("--health");
        assertEquals(1, degraded.exit());
        assertEquals("agent degraded: receive buffer capped by net.core.rmem_max; event source netlink, no events lost"
                + " in the last 300 s", degraded.text());

        // the agent calls itself degraded after a loss too: then the thresholds on the loss decide
        agent.value(health("degraded", "5 events lost in the last 300 s (last cause: socket buffer)", 5, 5));
        assertEquals(1, check("--health").exit(), "default -w 0");
        assertEquals(0, check("--health", "-w", "10").exit(), "5 lost is within -w 10");
        assertEquals(2, check("--health", "-c", "4").exit());

        agent.value(health("failed", "netlink socket closed: ENOBUFS", 0, 0));
        Plugin.Run failed = check("--health");
        assertEquals(2, failed.exit());
        assertTrue(failed.text().startsWith("agent failed: netlink socket closed: ENOBUFS"), failed.text());
        assertEquals("2\n", check0("--health", "--raw").stdout());

        agent.value(health("confused", "", 0, 0));
        Plugin.Run odd = check("--health");
        assertEquals(3, odd.exit());
        assertEquals("the agent reports an unknown health state 'confused'", odd.text());
    }

    @Test
    void rawPrintsOnlyTheNumber() throws Exception {
        agent.value(summary(7, 3, 2, 1, 300));
        assertEquals("7\n", check0("--command", "^nginx", "--raw").stdout());
        assertEquals("3\n", check0("--exits", "^nginx", "--raw").stdout());
        assertEquals("2\n", check0("--exits", "^nginx", "--nonzero", "--raw").stdout());
        agent.value(status(false, true, 1, 0, false, "x"));
        Plugin.Run gone = check0("--alive", "4242", "--raw");
        assertEquals("0\n", gone.stdout());
        assertEquals(2, gone.exit(), "the exit code still carries the state");
        agent.reply(500, "", false);
        Plugin.Run failed = check0("--health", "--raw");
        assertEquals(3, failed.exit());
        assertTrue(failed.stdout().startsWith("TASKWATCH UNKNOWN - HTTP 500"), "no number to print: the reason instead");
    }

    @Test
    void verbosityLevels() throws Exception {
        agent.value(summary(2, 1, 1, 1, 300));
        Plugin.Run v1 = run("--command", "^nginx", "-v", "-U", agent.url());
        assertEquals(1, v1.stdout().split("\n").length, "-v: still one line");
        assertTrue(Plugin.STATUS_LINE.matcher(v1.line()).matches(), v1.stdout());
        assertTrue(v1.line().contains("; in the last 300 s: 5 forks, 4 execs, 1 exit (1 non-zero)"), v1.stdout());
        Plugin.Run v2 = run("--command", "^nginx", "-vv", "-U", agent.url());
        String[] lines = v2.stdout().split("\n");
        assertTrue(Plugin.STATUS_LINE.matcher(lines[0]).matches(), v2.stdout());
        assertTrue(lines[1].startsWith("POST " + agent.url() + " {\"type\":\"exec\""), v2.stdout());
        assertTrue(v2.stdout().contains("summary: running=2 forks=5 execs=4 exits=1"), v2.stdout());
        Plugin.Run v3 = run("--command", "^nginx", "-vvv", "-U", agent.url());
        assertTrue(v3.stdout().contains("HTTP 200 OK in "), v3.stdout());
        assertEquals(v1.exit(), v3.exit());
    }

    @Test
    void contentLengthAndChunkedRepliesReadAlike() throws Exception {
        String body = "{\"value\":" + health("ok", "", 0, 0) + ",\"status\":200}";
        agent.reply(200, body, false);
        Plugin.Run fixed = check("--health");
        agent.reply(200, body, true);
        Plugin.Run chunked = check("--health");
        assertEquals(0, fixed.exit());
        assertEquals(fixed.stdout(), chunked.stdout());
    }

    // --raw output is a bare number, not a status line
    private static Plugin.Run check0(String... args) throws Exception {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "-U";
        all[args.length + 1] = agent.url();
        return run(all);
    }

    // ---- --push ----

    private static void pushValues(long sent, long dropped, long refused, int queued, String status) {
        pushValues(sent, dropped, refused, queued, queued == 0 ? 0 : 3, status);
    }

    private static void pushValues(long sent, long dropped, long refused, int queued, long oldestWait, String status) {
        agent.value("{\"PushSent\":" + sent + ",\"PushDropped\":" + dropped + ",\"PushRefused\":" + refused
                + ",\"PushQueued\":" + queued + ",\"PushOldestWaitSeconds\":" + oldestWait
                + ",\"PushStatus\":" + Json.quote(status) + "}");
    }

    @Test
    void pushIsOkWhileNothingIsLostAndWarnsOnceSomethingWas() throws Exception {
        String zabbix = "zabbix 127.0.0.1:10051: sent 40, queued 0, dropped 0, refused 0, failed attempts 0";
        String icinga = "icinga https://127.0.0.1:5665: sent 2, queued 1, dropped 0, refused 0, failed attempts 3,"
                + " last error at 2026-12-02T12:00:00Z: connection refused";
        pushValues(42, 0, 0, 1, zabbix + "\n" + icinga);
        Plugin.Run ok = check("--push");
        assertEquals(0, ok.exit(), ok.toString());
        assertEquals("push to 2 destinations: 42 sent, 0 dropped, 0 refused, 1 queued, the oldest waiting 3 s", ok.text());
        assertEquals("'lost'=0;0;;0 'sent'=42c 'dropped'=0c 'refused'=0c 'queued'=1;;;0 'oldest_wait'=3s;120;;0",
                ok.perfdata());
        String[] v = check0("--push", "-v").stdout().split("\n");
        assertEquals(List.of(zabbix, icinga), List.of(v).subList(1, 3), "each destination with its last error: " + List.of(v));
        Map<String, Object> asked = agent.lastRequest().json();
        assertEquals("read", asked.get("type"));
        assertEquals(PushCheck.ATTRIBUTES, asked.get("attribute"), "one request for all six");

        pushValues(42, 11, 2, 0, zabbix);
        Plugin.Run lost = check("--push");
        assertEquals(1, lost.exit(), lost.toString());
        assertTrue(lost.text().startsWith("push to 1 destination: 42 sent, 11 dropped, 2 refused, 0 queued"), lost.toString());
        Plugin.Run tolerated = check("--push", "-w", "20", "-c", "100");
        assertEquals(0, tolerated.exit(), tolerated.toString());
        Plugin.Run raw = wellFormedRaw(run("--push", "--raw", "-U", agent.url()));
        assertEquals("13\n", raw.stdout(), "dropped plus refused");
    }

    @Test
    void pushWarnsWhenAMessageWaitedLongerThanMaxWaitThoughNothingIsLostYet() throws Exception {
        String icinga = "icinga https://127.0.0.1:5665: sent 2, queued 4 (the oldest waiting 121 s), dropped 0, refused 0,"
                + " failed attempts 30, last error at 2026-12-02T12:00:00Z: icinga https://127.0.0.1:5665 unreachable:"
                + " connection refused";
        pushValues(2, 0, 0, 4, 121, icinga);
        Plugin.Run stuck = check("--push");
        assertEquals(1, stuck.exit(), stuck.toString());
        assertEquals("push to 1 destination: 2 sent, 0 dropped, 0 refused, 4 queued, the oldest waiting 121 s (more than"
                + " 120 s)", stuck.text());
        assertTrue(stuck.perfdata().endsWith(" 'oldest_wait'=121s;120;;0"), stuck.perfdata());
        Plugin.Run patient = check("--push", "--max-wait", "300");
        assertEquals(0, patient.exit(), patient.toString());
        assertTrue(patient.perfdata().endsWith(" 'oldest_wait'=121s;300;;0"), patient.perfdata());
        pushValues(2, 0, 0, 4, 120, icinga);
        assertEquals(0, check("--push").exit(), "120 s is not more than 120");
        Plugin.Run raw = wellFormedRaw(run("--push", "--raw", "-U", agent.url()));
        assertEquals("0\n", raw.stdout(), "--raw stays dropped plus refused");
    }

    @Test
    void pushToNowhereIsUnknownAndSaysWhatToSet() throws Exception {
        pushValues(0, 0, 0, 0, "");
        Plugin.Run r = check("--push");
        assertEquals(3, r.exit(), r.toString());
        assertEquals("the agent pushes nowhere: zabbix.servers, icinga.url and nagios.commandFile are empty in its"
                + " configuration", r.text());
    }

    private static Plugin.Run wellFormedRaw(Plugin.Run r) {
        assertTrue(r.stdout().matches("-?[0-9]+(\\.[0-9]+)?\n"), r.toString());
        return r;
    }
}
