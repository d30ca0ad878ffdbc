package org.taskwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskwatch.kernel.EventType;
import org.taskwatch.monitor.ServiceSpec;

class WatchDeclarationsTest {
    @TempDir
    Path dir;

    @Test
    void theReadmeTableListsEveryPropertyWithItsDefaultAndMeaning() throws IOException {
        List<String> lines = Files.readAllLines(Path.of(System.getenv().getOrDefault("TASKWATCH_ROOT", ".."), "README.md"));
        for (WatchDeclarations.Property p : WatchDeclarations.Property.values()) {
            String expected = "| `watch.NAME." + p.key + "` | " + (p.defaultValue.isEmpty() ? "" : "`" + p.defaultValue + "`")
                    + " | " + p.meaning + " |";
            assertTrue(lines.contains(expected), "README.md lacks or differs for watch.NAME." + p.key + ": expected\n" + expected);
        }
    }

    @Test
    void aFileDeclaresWatchesWithDefaults() throws IOException {
        Path f = dir.resolve("tw.properties");
        Files.writeString(f, "watch.nginx.match = command:^/usr/sbin/nginx\nwatch.nginx.expect = 1:8\n"
                + "watch.pg.match = pidfile:/run/pg.pid\nwatch.pg.descendants = true\n"
                + "watch.backup.match = command:backup\\\\.sh\nwatch.backup.expect = 0:\nwatch.init.match = pid:1\n");
        List<ServiceSpec> s = AgentConfig.defaults().withFile(f).declaredWatches();
        assertEquals(List.of("backup", "init", "nginx", "pg"), s.stream().map(ServiceSpec::name).toList());
        ServiceSpec nginx = s.get(2);
        assertEquals(ServiceSpec.Kind.COMMAND, nginx.kind());
        assertEquals("^/usr/sbin/nginx", nginx.target());
        assertEquals("exec,exit", EventType.toList(nginx.mask()));
        assertTrue(nginx.expect().alerts(0) && !nginx.expect().alerts(1) && !nginx.expect().alerts(8) && nginx.expect().alerts(9));
        assertEquals(60, nginx.restartWithinSeconds());
        assertEquals("backup\\.sh", s.get(0).target(), "a properties file's backslash is written twice");
        assertTrue(s.get(3).descendants());
        assertEquals("exit", EventType.toList(s.get(3).mask()));
        assertEquals(s, AgentConfig.defaults().withFile(f).declaredWatches(), "the same file: equal specs (a reload keeps them)");
    }

    @Test
    void unitAndCgroupWatchesAreDeclared() throws IOException {
        Path f = dir.resolve("tw.properties");
        Files.writeString(f, "watch.web.match = unit:nginx.service\nwatch.tty.match = unit: getty@tty1.service \n"
                + "watch.jobs.match = cgroup:/system.slice/cron.service/\nwatch.jobs.events = exec,exit,fork\n");
        List<ServiceSpec> s = AgentConfig.defaults().withFile(f).declaredWatches();
        assertEquals(List.of("jobs", "tty", "web"), s.stream().map(ServiceSpec::name).toList());
        assertEquals(ServiceSpec.Kind.CGROUP, s.get(0).kind());
        assertEquals("cgroup:/system.slice/cron.service", s.get(0).match(), "as a watch's target writes it");
        assertEquals("fork,exec,exit", EventType.toList(s.get(0).mask()));
        assertEquals("unit:getty@tty1.service", s.get(1).match());
        assertEquals(ServiceSpec.Kind.UNIT, s.get(2).kind());
        assertEquals("exec,exit", EventType.toList(s.get(2).mask()), "starts and exits are counted");
        Files.writeString(f, "watch.web.match = unit:nginx.service\nwatch.web.events = exit\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AgentConfig.defaults().withFile(f).declaredWatches());
        assertTrue(e.getMessage().contains("watch.web.events: must include exec,exit"), e.getMessage());
    }

    @Test
    void badDeclarationsNameTheFileTheKeyAndTheFix() throws IOException {
        assertBad("watch.ng.inx.match = command:x", "watch.ng.inx.match: the watch name 'ng.inx' may only have letters");
        assertBad("watch.nginx.matches = command:x", "watch.nginx.matches: unknown property 'matches'; a declared watch has match,");
        assertBad("watch.nginx.expect = 1:", "watch.nginx.match: missing; every declared watch needs one");
        assertBad("watch.nginx.match = process:1", "watch.nginx.match: must be command:REGEX, pidfile:PATH, pid:N,"
                + " tree:PID, unit:NAME or cgroup:PATH, got 'process:1'");
        assertBad("watch.nginx.match = unit:nginx", "watch.nginx.match: unit: 'nginx' is not a systemd unit name");
        assertBad("watch.nginx.match = cgroup:system.slice", "watch.nginx.match: cgroup: 'system.slice' is not a cgroup path");
        assertBad("watch.nginx.match = command:(", "watch.nginx.match: invalid regex '(': Unclosed group");
        assertBad("watch.nginx.match = pidfile:run/nginx.pid", "watch.nginx.match: the pid file must be an absolute path");
        assertBad("watch.nginx.match = pid:0", "watch.nginx.match: must be a whole number from 1 to");
        assertBad("watch.nginx.match = tree:1", "watch.nginx.match: must be a whole number from 2 to");
        assertBad("watch.x.match = command:x\nwatch.x.expect = 8:1", "watch.x.expect: range '8:1': start 8 is greater than end 1");
        assertBad("watch.x.match = command:x\nwatch.x.expect = lots", "watch.x.expect: range 'lots': 'lots' is not a whole number");
        assertBad("watch.x.match = command:x\nwatch.x.events = exit", "watch.x.events: must include exec,exit");
        assertBad("watch.x.match = command:x\nwatch.x.events = exut", "watch.x.events: ");
        assertBad("watch.x.match = command:x\nwatch.x.descendants = true", "watch.x.descendants: only for pidfile watches");
        assertBad("watch.x.match = command:x\nwatch.x.crashLoopRestarts = 0", "watch.x.crashLoopRestarts: must be a whole number"
                + " from 1 to 1000, got '0'");
        assertBad("watch.x = command:x", "watch.x: a declared watch's key is watch.NAME.PROPERTY");
    }

    private void assertBad(String text, String message) throws IOException {
        Path f = dir.resolve("bad.properties");
        Files.writeString(f, text + "\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentConfig.defaults().withFile(f));
        assertTrue(e.getMessage().startsWith("config file " + f + ": ") && e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void flagsMayDeclareAndOverride() {
        AgentConfig c = AgentConfig.defaults().with(Map.of("watch.a.match", "pid:1"));
        assertEquals("1", c.declaredWatches().get(0).target());
        assertEquals(1, c.with(Map.of("watch.a.expect", "0:")).declaredWatches().size());
        assertEquals(0, c.with(Map.of("watch.a.expect", "0:")).declaredWatches().get(0).expect().start());
    }
}
