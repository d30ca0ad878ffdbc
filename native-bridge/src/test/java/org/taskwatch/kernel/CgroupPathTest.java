package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The cgroup, unit and container of recorded {@code /proc/PID/cgroup} contents, one per systemd
 * unit shape and container runtime, on pure v2, hybrid and v1-only machines; and the mount
 * layouts of recorded {@code /proc/self/mountinfo}.
 */
class CgroupPathTest {
    private static final String ID = "3f4e5b6a7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081";
    private static final CgroupLayout V2 = new CgroupLayout(CgroupLayout.Hierarchy.UNIFIED, "/sys/fs/cgroup", true);
    private static final CgroupLayout V1 = new CgroupLayout(CgroupLayout.Hierarchy.NAME_SYSTEMD, "/sys/fs/cgroup/systemd", true);

    /** The path {@code layout} reads from the recorded file, with its unit and container. */
    private static CgroupPath read(CgroupLayout layout, String file) {
        return CgroupPath.of(layout.pathIn(file));
    }

    private static void expect(String path, String unit, String container, CgroupPath got) {
        assertEquals(new CgroupPath(path, unit, container), got);
    }

    @Test
    void systemdUnitsOnPureV2() {
        expect("/system.slice/nginx.service", "nginx.service", "", read(V2, "0::/system.slice/nginx.service\n"));
        expect("/init.scope", "init.scope", "", read(V2, "0::/init.scope\n"));
        expect("/user.slice/user-1000.slice/session-3.scope", "session-3.scope", "",
                read(V2, "0::/user.slice/user-1000.slice/session-3.scope\n"));
        // the user manager and everything it runs: the system unit is user@1000.service
        expect("/user.slice/user-1000.slice/user@1000.service/init.scope", "user@1000.service", "",
                read(V2, "0::/user.slice/user-1000.slice/user@1000.service/init.scope\n"));
        expect("/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox-2345.scope",
                "user@1000.service", "",
                read(V2, "0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox-2345.scope\n"));
        // a template's instance inside its own slice
        expect("/system.slice/system-getty.slice/getty@tty1.service", "getty@tty1.service", "",
                read(V2, "0::/system.slice/system-getty.slice/getty@tty1.service\n"));
        // escaped characters stay as systemd names the unit
        expect("/system.slice/system-systemd\\x2dfsck.slice/systemd-fsck@dev-disk-by\\x2dlabel-root.service",
                "systemd-fsck@dev-disk-by\\x2dlabel-root.service", "",
                read(V2, "0::/system.slice/system-systemd\\x2dfsck.slice/systemd-fsck@dev-disk-by\\x2dlabel-root.service\n"));
        expect("/system.slice/postgresql@15-main.service", "postgresql@15-main.service", "",
                read(V2, "0::/system.slice/postgresql@15-main.service\n"));
        // a process in a slice itself, the root, a service's own sub-cgroup
        expect("/system.slice", "", "", read(V2, "0::/system.slice\n"));
        expect("/", "", "", read(V2, "0::/\n"));
        expect("/system.slice/nginx.service/workers", "nginx.service", "",
                read(V2, "0::/system.slice/nginx.service/workers\n"));
        // a cgroup made by hand, no unit
        expect("/taskwatch-test/a", "", "", read(V2, "0::/taskwatch-test/a\n"));
    }

    @Test
    void containerRuntimes() {
        // Docker, systemd cgroup driver
        expect("/system.slice/docker-" + ID + ".scope", "docker-" + ID + ".scope", ID,
                read(V2, "0::/system.slice/docker-" + ID + ".scope\n"));
        // Docker, cgroupfs driver (v1 and v2 alike), and nested below the container
        expect("/docker/" + ID, "", ID, read(V2, "0::/docker/" + ID + "\n"));
        expect("/docker/" + ID + "/sub", "", ID, read(V2, "0::/docker/" + ID + "/sub\n"));
        // Kubernetes with containerd (systemd driver)
        String pod = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod8e3c5f1a_2b4d_4c6e_9f0a_1b2c3d4e5f60.slice";
        expect(pod + "/cri-containerd-" + ID + ".scope", "cri-containerd-" + ID + ".scope", ID,
                read(V2, "0::" + pod + "/cri-containerd-" + ID + ".scope\n"));
        // Kubernetes, cgroupfs driver
        expect("/kubepods/besteffort/pod8e3c5f1a-2b4d-4c6e-9f0a-1b2c3d4e5f60/" + ID, "", ID,
                read(V2, "0::/kubepods/besteffort/pod8e3c5f1a-2b4d-4c6e-9f0a-1b2c3d4e5f60/" + ID + "\n"));
        // Podman, root and rootless (the container's own sub-cgroup below its scope)
        expect("/machine.slice/libpod-" + ID + ".scope/container", "libpod-" + ID + ".scope", ID,
                read(V2, "0::/machine.slice/libpod-" + ID + ".scope/container\n"));
        expect("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + ID + ".scope",
                "user@1000.service", ID,
                read(V2, "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + ID + ".scope\n"));
        // its monitor is not the container
        expect("/machine.slice/libpod-conmon-" + ID + ".scope", "libpod-conmon-" + ID + ".scope", "",
                read(V2, "0::/machine.slice/libpod-conmon-" + ID + ".scope\n"));
        // CRI-O
        expect("/kubepods.slice/kubepods-pod1.slice/crio-" + ID + ".scope", "crio-" + ID + ".scope", ID,
                read(V2, "0::/kubepods.slice/kubepods-pod1.slice/crio-" + ID + ".scope\n"));
        expect("/kubepods.slice/kubepods-pod1.slice/crio-conmon-" + ID + ".scope", "crio-conmon-" + ID + ".scope", "",
                read(V2, "0::/kubepods.slice/kubepods-pod1.slice/crio-conmon-" + ID + ".scope\n"));
        // not an id: too short, upper case
        assertEquals("", CgroupPath.of("/docker/3f4e5b6a7c8d").container());
        assertEquals("", CgroupPath.of("/docker/" + ID.toUpperCase()).container());
    }

    @Test
    void hybridAndV1Files() {
        // this machine's kind: v1 controllers, name=systemd, and the unified line
        String hybrid = "12:pids:/system.slice/nginx.service\n"
                + "9:name=systemd:/system.slice/nginx.service\n"
                + "4:memory:/system.slice/nginx.service\n"
                + "0::/system.slice/nginx.service\n";
        expect("/system.slice/nginx.service", "nginx.service", "", read(V2, hybrid));
        expect("/system.slice/nginx.service", "nginx.service", "", read(V1, hybrid));
        // v1 only: no 0:: line, or one the kernel shows at the root when cgroup2 is not mounted
        String v1 = "11:cpu,cpuacct:/docker/" + ID + "\n1:name=systemd:/docker/" + ID + "\n";
        expect("/docker/" + ID, "", ID, read(V1, v1));
        assertNull(V2.pathIn(v1), "no 0:: line");
        assertNull(CgroupLayout.NONE.pathIn(hybrid), "no cgroups here: nothing read");
        // a zombie whose cgroup was removed
        expect("/taskwatch-test/a", "", "", read(V2, "0::/taskwatch-test/a (deleted)\n"));
        // a path with ':' in it
        expect("/odd:name.slice/x:y.service", "x:y.service", "", read(V2, "0::/odd:name.slice/x:y.service\n"));
    }

    @Test
    void layoutsFromMountinfo() {
        String hybrid = "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
                + "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
                + "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
                + "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
        assertEquals(new CgroupLayout(CgroupLayout.Hierarchy.UNIFIED, "/sys/fs/cgroup/unified", false),
                CgroupLayout.fromMountinfo(hybrid, false));
        String pure = "25 21 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2"
                + " rw,nsdelegate,memory_recursiveprot\n";
        assertEquals(new CgroupLayout(CgroupLayout.Hierarchy.UNIFIED, "/sys/fs/cgroup", true),
                CgroupLayout.fromMountinfo(pure, true));
        String v1 = "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
                + "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime shared:5 - cgroup cgroup rw,xattr,name=systemd\n";
        assertEquals(CgroupLayout.Hierarchy.NAME_SYSTEMD, CgroupLayout.fromMountinfo(v1, true).hierarchy());
        assertEquals("/sys/fs/cgroup/systemd", CgroupLayout.fromMountinfo(v1, true).mountPoint());
        CgroupLayout none = CgroupLayout.fromMountinfo("31 30 0:28 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n", false);
        assertFalse(none.available());
        assertTrue(none.unavailableReason().contains("no cgroup v2 mount"), none.unavailableReason());
        assertEquals("/mnt/with space",
                CgroupLayout.fromMountinfo("40 30 0:37 / /mnt/with\\040space rw - cgroup2 cgroup2 rw\n", false).mountPoint());
    }

    @Test
    void unitAndCgroupPatterns() {
        CgroupPattern nginx = CgroupPattern.unit("nginx.service");
        assertTrue(nginx.matches("/system.slice/nginx.service"));
        assertTrue(nginx.matches("/system.slice/nginx.service/workers"), "below the unit");
        assertFalse(nginx.matches("/system.slice/nginx.service2"));
        assertFalse(nginx.matches("/system.slice/xnginx.service"));
        assertTrue(CgroupPattern.unit("user@1000.service")
                .matches("/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service"));
        assertTrue(CgroupPattern.unit("foo.service")
                .matches("/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service"), "a user's unit");
        assertTrue(CgroupPattern.unit("system.slice").matches("/system.slice/nginx.service"), "a slice and below");
        assertTrue(CgroupPattern.unit("getty@tty1.service").matches("/system.slice/system-getty.slice/getty@tty1.service"));

        CgroupPattern sys = CgroupPattern.cgroup("/system.slice/");
        assertEquals("cgroup:/system.slice", sys.toString());
        assertTrue(sys.matches("/system.slice"));
        assertTrue(sys.matches("/system.slice/nginx.service"));
        assertFalse(sys.matches("/system.slicex/a"));
        assertFalse(sys.matches("/user.slice"));
        assertTrue(CgroupPattern.cgroup("/").matches("/anything"));

        // on bytes, as the reader thread tests them
        byte[] line = "xx/system.slice/nginx.service\n".getBytes(StandardCharsets.UTF_8);
        assertTrue(nginx.matches(ByteBuffer.wrap(line), 2, line.length - 1));
        assertTrue(sys.matches(ByteBuffer.wrap(line), 2, line.length - 1));

        assertThrows(IllegalArgumentException.class, () -> CgroupPattern.unit("nginx"));
        assertThrows(IllegalArgumentException.class, () -> CgroupPattern.unit("a b.service"));
        assertThrows(IllegalArgumentException.class, () -> CgroupPattern.cgroup("system.slice"));
        assertThrows(IllegalArgumentException.class, () -> CgroupPattern.cgroup("/a/../b"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CgroupPattern.unit(""));
        assertTrue(e.getMessage().contains("nginx.service"), e.getMessage());
    }
}
