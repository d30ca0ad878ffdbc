package org.taskwatch.nagios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The command line as getopt_long reads it, and every way it can be wrong (UNKNOWN, exit 3, usage). */
class OptionsTest {
    private static Options ok(String... args) throws Options.UsageException {
        return Options.parse(args);
    }

    private static String bad(String... args) {
        return assertThrows(Options.UsageException.class, () -> Options.parse(args), String.join(" ", args)).getMessage();
    }

    @Test
    void maxWaitIsForPushOnlyAndInSeconds() throws Exception {
        assertEquals(Options.DEFAULT_MAX_WAIT, ok("--push").maxWait());
        assertEquals(300, ok("--push", "--max-wait", "300").maxWait());
        assertEquals(60, ok("--push", "--max-wait=60").maxWait());
        assertEquals("--max-wait only applies to --push", bad("--health", "--max-wait", "60"));
        assertTrue(bad("--push", "--max-wait", "0").contains("--max-wait"), bad("--push", "--max-wait", "0"));
        assertTrue(bad("--push", "--max-wait", "2m").contains("--max-wait"), bad("--push", "--max-wait", "2m"));
    }

    @Test
    void everyModeWithDefaults() throws Exception {
        Options a = ok("--alive", "1234");
        assertEquals(Options.Mode.ALIVE, a.mode);
        assertEquals(1234, a.pid);
        assertEquals("http://127.0.0.1:8778/jolokia/", a.url.toString());
        assertEquals(10, a.timeoutSeconds);
        assertEquals(0, a.verbosity);
        assertFalse(a.raw);
        assertEquals("/run/x.pid", ok("--pidfile", "/run/x.pid").pidfile);
        Options c = ok("--command", "nginx|php-fpm");
        assertEquals(Options.Mode.COMMAND, c.mode);
        assertEquals("nginx|php-fpm", c.regex);
        assertEquals(300, c.window());
        Options e = ok("--exits", "^backup", "--nonzero", "--window", "3600");
        assertEquals(Options.Mode.EXITS, e.mode);
        assertTrue(e.nonzero);
        assertEquals(3600, e.window());
        assertEquals("exec", ok("--rate", "exec").rateType);
        assertEquals(Options.Mode.HEALTH, ok("--health").mode);
    }

    @Test
    void shortAndLongFormsOfValues() throws Exception {
        Options o = ok("--health", "-w", "5", "-c10:", "--url=https://h:1/j/", "-t", "3", "-vvv", "--raw");
        assertEquals("5", o.warning.toString());
        assertEquals("10:", o.critical.toString());
        assertEquals("https://h:1/j/", o.url.toString());
        assertEquals(3, o.timeoutSeconds);
        assertEquals(3, o.verbosity);
        assertTrue(o.raw);
        Options p = ok("--health", "--warning=~:3", "--critical", "@1:2", "-U", "http://[::1]:8778/jolokia/", "--timeout=7",
                "-v", "-v", "--user", "u", "--password=p");
        assertEquals("~:3", p.warning.toString());
        assertEquals("@1:2", p.critical.toString());
        assertEquals("[::1]", p.url.getHost());
        assertEquals(7, p.timeoutSeconds);
        assertEquals(2, p.verbosity);
        assertEquals("u", p.user);
        assertEquals("p", p.password);
    }

    @Test
    void aValueMayLookLikeAnOption() throws Exception {
        assertEquals("-5:", ok("--health", "-w", "-5:").warning.toString());
        assertEquals("-x", ok("--command", "-x").regex);
        assertEquals("~:-1", ok("--health", "-c~:-1").critical.toString());
    }

    @Test
    void moreThanThreeVsIsThree() throws Exception {
        assertEquals(3, ok("--health", "-vvvvv").verbosity);
    }

    @Test
    void helpAndVersionWinOverEverythingAfter() throws Exception {
        assertTrue(ok("-h").help);
        assertTrue(ok("--help", "--bogus").help);
        assertTrue(ok("--alive", "1", "-V").version);
        assertTrue(ok("-V").version);
        assertNull(ok("-h").mode);
    }

    @Test
    void unknownOrMalformedOptions() {
        assertEquals("unknown option '--bogus'", bad("--health", "--bogus"));
        assertEquals("unknown option '-x'", bad("--health", "-x"));
        assertEquals("unknown option '-x'", bad("--health", "-vx"));
        assertEquals("unexpected argument 'extra'", bad("--health", "extra"));
        assertEquals("unexpected argument 'extra'", bad("--health", "--", "extra"));
        assertEquals("option '--window' needs a value", bad("--health", "--window"));
        assertEquals("option '-w' needs a value", bad("--health", "-w"));
        assertEquals("option '--health' takes no value", bad("--health=1"));
        assertEquals("option '--warning' given twice", bad("--health", "-w", "1", "--warning", "2"));
    }

    @Test
    void modesMustBeExactlyOne() {
        assertTrue(bad().startsWith("choose one mode"));
        assertTrue(bad("-w", "1").startsWith("choose one mode"));
        assertEquals("--alive and --health cannot be combined: choose one mode", bad("--alive", "1", "--health"));
        assertEquals("--command and --exits cannot be combined: choose one mode", bad("--command", "a", "--exits", "b"));
        assertEquals("option '--health' given twice", bad("--health", "--health"));
    }

    @Test
    void valuesAreChecked() {
        assertEquals("--alive needs a whole number, got 'abc'", bad("--alive", "abc"));
        assertEquals("--alive must be 1 to 2147483647, got 0", bad("--alive", "0"));
        assertEquals("--alive must be 1 to 2147483647, got -3", bad("--alive", "-3"));
        assertEquals("--alive must be 1 to 2147483647, got 4294967296", bad("--alive", "4294967296"));
        assertEquals("--timeout must be 1 to 3600, got 0", bad("--health", "-t", "0"));
        assertEquals("--timeout needs a whole number, got '1.5'", bad("--health", "-t", "1.5"));
        assertEquals("--window must be 1 to 86400, got 0", bad("--health", "--window", "0"));
        assertEquals("--window for --rate must be 1 to 3600, got 3601", bad("--rate", "fork", "--window", "3601"));
        assertEquals("--rate takes fork, exec or exit, got 'forks'", bad("--rate", "forks"));
        assertEquals("--command needs a regular expression", bad("--command", ""));
        assertEquals("--pidfile needs a file name", bad("--pidfile", ""));
        assertEquals("--warning: range '20:10': start 20 is greater than end 10", bad("--health", "-w", "20:10"));
        assertTrue(bad("--health", "-c", "abc").startsWith("--critical: range 'abc'"));
    }

    @Test
    void combinationsThatMakeNoSense() throws Exception {
        assertEquals("--alive takes no -w/-c: it is CRITICAL when the process is gone", bad("--alive", "1", "-w", "1"));
        assertEquals("--pidfile takes no -w/-c: it is CRITICAL when the process is gone", bad("--pidfile", "f", "-c", "1"));
        assertEquals("--window does not apply to --alive", bad("--alive", "1", "--window", "60"));
        assertEquals("--nonzero only applies to --exits", bad("--command", "x", "--nonzero"));
        assertEquals("--user and --password go together", bad("--health", "--user", "u"));
        assertEquals("--user and --password go together", bad("--health", "--password", "p"));
        assertEquals("--raw and --raw-state cannot be combined: --raw prints the value, --raw-state the state",
                bad("--watch", "web", "--raw", "--raw-state"));
        assertEquals("--list-watches takes no -w/-c or --window: it lists the declared watches' names",
                bad("--list-watches", "-w", "1"));
        assertEquals("--watch and --list-watches cannot be combined: choose one mode", bad("--watch", "web", "--list-watches"));
        Options o = ok("--list-watches", "--raw");
        assertEquals(Options.Mode.LIST_WATCHES, o.mode);
        assertTrue(ok("--watch", "web", "--raw-state").rawState);
    }

    @Test
    void urlsAreChecked() {
        assertEquals("--url must be an http:// or https:// URL, got 'ftp://h/'", bad("--health", "-U", "ftp://h/"));
        assertEquals("--url must be an http:// or https:// URL, got '127.0.0.1:8778'", bad("--health", "-U", "127.0.0.1:8778"));
        assertEquals("--url has no host: 'http:///jolokia'", bad("--health", "-U", "http:///jolokia"));
        assertEquals("--url must not hold credentials: use --user and --password", bad("--health", "-U", "http://u:p@h/"));
        assertTrue(bad("--health", "-U", "http://h/a b").startsWith("--url: 'http://h/a b' is not a URL"));
    }

    // ---- what the plugin prints for them (in-process, no watchdog) ----

    private static String[] run(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code = new CheckTaskwatch(new PrintStream(bytes, true, StandardCharsets.UTF_8), false).execute(args);
        return new String[] {Integer.toString(code), bytes.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void badOptionsGiveUnknownAStatusLineAndUsage() {
        String[] r = run("--alive", "1", "--bogus");
        assertEquals("3", r[0]);
        String[] lines = r[1].split("\n");
        assertEquals("TASKWATCH UNKNOWN - unknown option '--bogus'", lines[0]);
        assertTrue(lines[1].startsWith("Usage: check_taskwatch "), r[1]);
        assertTrue(r[1].contains("Try 'check_taskwatch --help'"), r[1]);
        assertFalse(lines[0].contains("|"), "no perfdata on a usage error");
    }

    @Test
    void helpAndVersionExitUnknownAsTheMonitoringPluginsDo() {
        String[] h = run("--help");
        assertEquals("3", h[0]);
        assertTrue(h[1].startsWith("check_taskwatch "), h[1]);
        assertTrue(h[1].contains("Usage: check_taskwatch"), h[1]);
        assertTrue(h[1].contains("@10:20 = inside 10..20"), h[1]);
        String[] v = run("-V");
        assertEquals("3", v[0]);
        assertTrue(v[1].matches("check_taskwatch \\S.* \\(taskwatch\\)\n"), v[1]);
    }
}
