package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskwatch.testing.KernelTests;

/** {@link ProcFiles#cgroup} and {@link ProcFiles#cgroupMatches}: on a tree written by hand, and on this JVM's real entry. */
class ProcFilesCgroupTest {
    private static final CgroupLayout V2 = new CgroupLayout(CgroupLayout.Hierarchy.UNIFIED, "/sys/fs/cgroup", true);
    private static final CgroupLayout V1 = new CgroupLayout(CgroupLayout.Hierarchy.NAME_SYSTEMD, "/sys/fs/cgroup/systemd", true);

    @TempDir
    Path root;

    private void write(int pid, String text) throws Exception {
        Files.createDirectories(root.resolve(Integer.toString(pid)));
        Files.writeString(root.resolve(pid + "/cgroup"), text);
    }

    @Test
    void readsTheLayoutsLineAsTheStringParserDoes() throws Exception {
        String hybrid = "12:pids:/system.slice/nginx.service\n9:name=systemd:/system.slice/v1.service\n"
                + "0::/system.slice/nginx.service\n";
        write(100, hybrid);
        write(101, "0::/taskwatch-test/a (deleted)\n");
        write(102, "11:cpu,cpuacct:/docker/x\n1:name=systemd:/docker/x\n");
        try (ProcFiles f = ProcFiles.open(root.toString())) {
            assertEquals("/system.slice/nginx.service", f.cgroup(100, V2));
            assertEquals(V2.pathIn(hybrid), f.cgroup(100, V2));
            assertEquals("/system.slice/v1.service", f.cgroup(100, V1));
            assertEquals("/taskwatch-test/a", f.cgroup(101, V2), "a zombie's removed cgroup");
            assertNull(f.cgroup(102, V2), "no 0:: line");
            assertEquals("/docker/x", f.cgroup(102, V1));
            assertNull(f.cgroup(103, V2), "gone");
            assertNull(f.cgroup(100, CgroupLayout.NONE), "no cgroups here");

            CgroupPattern[] ps = {CgroupPattern.unit("nginx.service"), CgroupPattern.cgroup("/system.slice"),
                CgroupPattern.cgroup("/taskwatch-test/a"), CgroupPattern.unit("v1.service")};
            boolean[] m = new boolean[ps.length];
            assertTrue(f.cgroupMatches(100, V2, ps, ps.length, m));
            assertArrayEquals(new boolean[] {true, true, false, false}, m);
            assertTrue(f.cgroupMatches(101, V2, ps, ps.length, m));
            assertArrayEquals(new boolean[] {false, false, true, false}, m);
            assertTrue(f.cgroupMatches(100, V1, ps, ps.length, m));
            assertArrayEquals(new boolean[] {false, true, false, true}, m);
            m[0] = true;
            assertFalse(f.cgroupMatches(103, V2, ps, ps.length, m), "gone: false");
            assertTrue(m[0], "and the answers untouched");
        }
    }

    @Test
    void thisJvmsCgroupIsWhatProcSays() throws Exception {
        CgroupLayout layout = CgroupLayout.system();
        KernelTests.require(layout.available(), "no cgroup v2 mount and no name=systemd hierarchy");
        String text = Files.readString(Path.of("/proc/self/cgroup"));
        int self = (int) ProcessHandle.current().pid();
        try (ProcFiles f = ProcFiles.open("/proc")) {
            assertEquals(layout.pathIn(text), f.cgroup(self, layout));
            boolean[] m = new boolean[1];
            assertTrue(f.cgroupMatches(self, layout, new CgroupPattern[] {CgroupPattern.cgroup("/")}, 1, m));
            assertTrue(m[0], "every process is below the root");
        }
    }
}
