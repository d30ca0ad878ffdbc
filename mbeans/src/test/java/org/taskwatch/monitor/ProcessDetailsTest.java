package org.taskwatch.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.taskwatch.kernel.CgroupLayout;
import org.taskwatch.kernel.CgroupPath;
import org.taskwatch.kernel.ProcEvent;

/** What delivered events say of their process, from a hand-made /proc. */
class ProcessDetailsTest {
    @Test
    void anExecGoneBeforeItWasReadKeepsTheParentItsForkNamed() throws Exception {
        try (FakeProc proc = new FakeProc(); ProcessDetails details = new ProcessDetails(proc.procFs(), proc.files())) {
            proc.process(4170, 1, "bash", "/bin/bash", "bash");
            ProcessDetails.Info parent = details.of(new ProcEvent.Fork(0, 1, 4170, 4170, 1, 4248, 4248), null);
            assertEquals("bash", parent.comm());
            // 4248 execs and is gone before /proc is read: no /proc/4248 at all
            ProcessDetails.Info exec = details.of(new ProcEvent.Exec(0, 2, 4248, 4248, 0), null);
            assertEquals(4170, exec.ppid(), "the fork named the parent");
            assertNull(exec.comm(), "its new program is not known: not its parent's name either");
            ProcessDetails.Info gone = details.of(new ProcEvent.Exec(0, 3, 4249, 4249, 0), null);
            assertEquals(-1, gone.ppid(), "a process never seen has no known parent");
        }
    }

    @Test
    void anExecReadsTheNewProgramAndItsParentNow() throws Exception {
        try (FakeProc proc = new FakeProc(); ProcessDetails details = new ProcessDetails(proc.procFs(), proc.files())) {
            proc.process(4170, 1, "bash", "/bin/bash", "bash");
            details.of(new ProcEvent.Fork(0, 1, 4170, 4170, 1, 4248, 4248), null);
            proc.process(4248, 1, "nginx", "/usr/sbin/nginx", "nginx -g daemon off;"); // reparented to 1 meanwhile
            ProcessDetails.Info exec = details.of(new ProcEvent.Exec(0, 2, 4248, 4248, 0), null);
            assertEquals("nginx", exec.comm());
            assertEquals("nginx -g daemon off;", exec.cmdline());
            assertEquals("/usr/sbin/nginx", exec.exe());
            assertEquals(1, exec.ppid());
        }
    }

    private static final CgroupLayout V2 = new CgroupLayout(CgroupLayout.Hierarchy.UNIFIED, "/sys/fs/cgroup", true);

    @Test
    void theCgroupIsReadAtExecInheritedAtForkAndTheParentsWhenGoneFirst() throws Exception {
        try (FakeProc proc = new FakeProc();
                ProcessDetails details = new ProcessDetails(proc.procFs(), proc.files(), V2, Redaction.NONE)) {
            proc.process(4170, 1, "nginx", "/usr/sbin/nginx", "nginx").cgroup(4170, "/system.slice/nginx.service");
            ProcessDetails.Info parent = details.of(new ProcEvent.Fork(0, 1, 4170, 4170, 1, 4248, 4248), null);
            assertEquals(new CgroupPath("/system.slice/nginx.service", "nginx.service", ""), parent.cgroup());
            // the child, never read: its parent's, as the kernel copied it
            ProcessDetails.Info child = details.of(new ProcEvent.Comm(0, 2, 4248, 4248, 0, "worker"), null);
            assertEquals("nginx.service", child.cgroup().unit());
            assertFalse(child.cgroupFromParent(), "inherited at the fork: the kernel's copy, not a guess");
            // it execs and is gone before /proc is read: its parent's, and it says so
            ProcessDetails.Info gone = details.of(new ProcEvent.Exec(0, 3, 4248, 4248, 0), null);
            assertEquals("nginx.service", gone.cgroup().unit());
            assertTrue(gone.cgroupFromParent());
            // another child moved to a container's cgroup before its exec: read there
            details.of(new ProcEvent.Fork(0, 4, 4170, 4170, 1, 4300, 4300), null);
            String id = "0123456789abcdef".repeat(4);
            proc.process(4300, 4170, "app", "/app", "app").cgroup(4300, "/system.slice/docker-" + id + ".scope");
            ProcessDetails.Info exec = details.of(new ProcEvent.Exec(0, 5, 4300, 4300, 0), null);
            assertEquals(new CgroupPath("/system.slice/docker-" + id + ".scope", "docker-" + id + ".scope", id),
                    exec.cgroup());
            assertFalse(exec.cgroupFromParent());
            // its exit keeps what was read, and processStatus finds it afterwards
            proc.remove(4300);
            details.of(new ProcEvent.Exit(0, 6, 4300, 4300, 0, org.taskwatch.kernel.ExitStatus.fromWaitStatus(0)), null);
            assertEquals(id, details.exitedCgroup(4300).container());
        }
    }

    @Test
    void withoutCgroupsTheFieldsAreEmpty() throws Exception {
        try (FakeProc proc = new FakeProc();
                ProcessDetails details = new ProcessDetails(proc.procFs(), proc.files(), CgroupLayout.NONE, Redaction.NONE)) {
            proc.process(4170, 1, "nginx", "/usr/sbin/nginx", "nginx").cgroup(4170, "/system.slice/nginx.service");
            ProcessDetails.Info exec = details.of(new ProcEvent.Exec(0, 1, 4170, 4170, 0), null);
            assertEquals("nginx", exec.comm(), "the rest works");
            assertSame(CgroupPath.NONE, exec.cgroup());
            assertFalse(exec.cgroupFromParent());
        }
    }

    @Test
    void whatIsKeptIsMaskedAtEveryWayIn() throws Exception {
        Redaction rule = Redaction.of(Redaction.DEFAULT_RULE);
        try (FakeProc proc = new FakeProc();
                ProcessDetails details = new ProcessDetails(proc.procFs(), proc.files(), CgroupLayout.NONE, rule)) {
            // read at its exec
            proc.process(4170, 1, "mysql", "/usr/bin/mysql", "mysql --password=hunter2 db");
            ProcessDetails.Info exec = details.of(new ProcEvent.Exec(0, 1, 4170, 4170, 0), null);
            assertEquals("mysql --password=*** db", exec.cmdline());
            // its fork tells the parent as kept, and the child inherits it without a read
            proc.remove(4170);
            assertEquals("mysql --password=*** db",
                    details.of(new ProcEvent.Fork(0, 2, 4170, 4170, 1, 4248, 4248), null).cmdline());
            ProcessDetails.Info renamed = details.of(new ProcEvent.Comm(0, 3, 4248, 4248, 0, "token=abc"), null);
            assertEquals("token=***", renamed.comm(), "a new name is masked too");
            assertEquals("mysql --password=*** db", renamed.cmdline(), "inherited at the fork");
            // never seen before: read on first sight
            proc.process(4300, 1, "sh", "/bin/sh", "sh -c secret:s3cr3t");
            assertEquals("sh -c secret:***", details.of(new ProcEvent.Uid(0, 4, 4300, 4300, 0, 0, 0), null).cmdline());
            // what the reader read (a command watch's exec) is masked as well
            ProcessDetails.Info read = new ProcessDetails.Info("x", "x --api-key xyz", "/x", 1);
            assertEquals("x --api-key ***", details.of(new ProcEvent.Exec(0, 5, 4400, 4400, 0), read).cmdline());
            assertEquals("x --api-key ***", details.of(new ProcEvent.Exit(0, 6, 4400, 4400, 0,
                    org.taskwatch.kernel.ExitStatus.fromWaitStatus(0)), null).cmdline());
        }
    }
}
