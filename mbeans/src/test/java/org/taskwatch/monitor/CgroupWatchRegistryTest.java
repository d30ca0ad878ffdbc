package org.taskwatch.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskwatch.kernel.CgroupLayout;
import org.taskwatch.kernel.CgroupPattern;
import org.taskwatch.kernel.EventType;

/**
 * Cgroup watches in the watch table alone: hand-built events and a hand-made /proc whose
 * {@code PID/cgroup} files the test writes (the hybrid layout's lines), so that every way a
 * process joins or leaves is driven by what the test wrote: the scan, a member's fork, an exec
 * read, a rescan after a move. The real-cgroup test is {@link CgroupWatchKernelTest}.
 */
class CgroupWatchRegistryTest {
    private static final int ALL = EventType.FORK.bit() | EventType.EXEC.bit() | EventType.EXIT.bit();
    private static final String NGINX = "/system.slice/nginx.service";

    @TempDir
    Path mount;
    private final FakeProc proc;
    private final List<ProcessNames> opened = new ArrayList<>();
    private final MatchBuffer out = new MatchBuffer();

    CgroupWatchRegistryTest() throws Exception {
        proc = new FakeProc();
    }

    @AfterEach
    void cleanUp() {
        opened.forEach(ProcessNames::close);
        proc.close();
    }

    private WatchRegistry registry(CgroupLayout layout) {
        ProcessNames names = new ProcessNames(proc.files(), proc.procFs(), null, layout);
        opened.add(names);
        return new WatchRegistry(proc.procFs(), names, 100, 256);
    }

    private CgroupLayout v2(boolean systemd) {
        return new CgroupLayout(CgroupLayout.Hierarchy.UNIFIED, mount.toString(), systemd);
    }

    private List<Watch> matched() {
        List<Watch> ws = new ArrayList<>();
        for (int i = 0; i < out.size(); i++) {
            ws.add(out.get(i));
        }
        return ws;
    }

    private static Watch unitWatch(WatchRegistry r, String unit) {
        Watch w = r.watchCgroup(CgroupPattern.unit(unit), ALL, false);
        r.adoptCgroup(w);
        return w;
    }

    @Test
    void membersComeByScanForkAndExecAndGoByExecAndExit() {
        WatchRegistry r = registry(v2(true));
        proc.process(100, 1, "nginx", "/usr/sbin/nginx", "nginx").cgroup(100, NGINX);
        proc.process(200, 1, "sshd", "/usr/sbin/sshd", "sshd").cgroup(200, "/system.slice/ssh.service");
        Watch w = unitWatch(r, "nginx.service");
        assertEquals(1, r.members(w), "the scan found nginx, not sshd");
        assertEquals("unit:nginx.service", w.target());

        r.onEvent(Frames.fork(100, 101, System.nanoTime()), out);
        assertEquals(List.of(w), matched(), "the member's fork");
        assertEquals(2, r.members(w), "its child joined without a read");

        // sshd's child is moved into nginx's cgroup and execs: read then, it joins
        r.onEvent(Frames.fork(200, 201, System.nanoTime()), out);
        assertEquals(List.of(), matched());
        proc.process(201, 200, "reload", "/usr/sbin/nginx", "nginx -s reload").cgroup(201, NGINX + "/reload");
        r.onEvent(Frames.exec(201, System.nanoTime()), out);
        assertEquals(List.of(w), matched(), "below the unit's cgroup, whatever its parent");

        // the worker moves out and execs: it leaves
        proc.process(101, 100, "helper", "/bin/helper", "helper").cgroup(101, "/system.slice/other.service");
        r.onEvent(Frames.exec(101, System.nanoTime()), out);
        assertEquals(List.of(), matched(), "its exec is no longer the unit's");
        assertEquals(2, r.members(w));

        r.onEvent(Frames.exit(201, 200, 4 << 8, System.nanoTime()), out);
        assertEquals(List.of(w), matched());
        assertEquals(1, r.members(w));
        r.onEvent(Frames.exit(100, 1, 0, System.nanoTime()), out);
        assertEquals(List.of(w), matched());
        assertEquals(0, r.members(w));
        assertFalse(w.ended(), "a unit watch waits for the unit's next processes");
        assertEquals(WatchRegistry.KernelNeeds.EVERYTHING, r.kernelNeeds(-1, 0), "forks and execs of any process");
    }

    @Test
    void aProcessGoneBeforeItsExecIsReadKeepsItsForkMembership() {
        WatchRegistry r = registry(v2(true));
        proc.process(100, 1, "nginx", "/usr/sbin/nginx", "nginx").cgroup(100, NGINX);
        Watch w = unitWatch(r, "nginx.service");
        r.onEvent(Frames.fork(100, 101, System.nanoTime()), out);
        r.onEvent(Frames.exec(101, System.nanoTime()), out); // no /proc/101: gone already
        assertEquals(List.of(w), matched(), "still the member its fork made it");
        r.onEvent(Frames.exit(101, 100, 1 << 8, System.nanoTime()), out);
        assertEquals(List.of(w), matched());
    }

    @Test
    void aRescanFollowsProcessesThatMovedWithoutExec() {
        WatchRegistry r = registry(v2(true));
        proc.process(100, 1, "nginx", "/usr/sbin/nginx", "nginx").cgroup(100, NGINX);
        proc.process(300, 1, "job", "/bin/job", "job").cgroup(300, "/user.slice/user-1000.slice/session-3.scope");
        Watch nginx = unitWatch(r, "nginx.service");
        Watch session = r.watchCgroup(CgroupPattern.cgroup("/user.slice"), ALL, false);
        r.adoptCgroup(session);
        assertEquals(1, r.members(nginx));
        assertEquals(1, r.members(session), "a cgroup watch holds what is below it");
        proc.cgroup(100, "/user.slice/user-1000.slice/session-3.scope");
        proc.cgroup(300, NGINX);
        r.rescanCgroups();
        r.onEvent(Frames.exit(100, 1, 0, System.nanoTime()), out);
        assertEquals(List.of(session), matched(), "moved to the session");
        r.onEvent(Frames.exit(300, 1, 0, System.nanoTime()), out);
        assertEquals(List.of(nginx), matched(), "moved into nginx");
    }

    @Test
    void refusedWhereNoProcessCanBeInIt() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> registry(CgroupLayout.NONE).watchCgroup(CgroupPattern.unit("nginx.service"), ALL, false));
        assertTrue(e.getMessage().startsWith("unit:nginx.service: this machine has no cgroup v2 mount and no cgroup v1"
                + " name=systemd hierarchy"), e.getMessage());
        WatchRegistry noSystemd = registry(v2(false));
        e = assertThrows(IllegalArgumentException.class,
                () -> noSystemd.watchCgroup(CgroupPattern.unit("nginx.service"), ALL, false));
        assertTrue(e.getMessage().contains("not run by systemd") && e.getMessage().contains(mount.toString()), e.getMessage());
        assertEquals(0, noSystemd.size(), "nothing changed");
        Files.createDirectories(mount.resolve("system.slice/nginx.service"));
        Watch w = noSystemd.watchCgroup(CgroupPattern.unit("nginx.service"), ALL, false);
        assertEquals(WatchKind.CGROUP, w.kind(), "a cgroup of that name exists: someone runs it as a unit");
        assertEquals(1, noSystemd.size());
    }
}
