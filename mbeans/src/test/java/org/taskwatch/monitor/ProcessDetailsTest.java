package org.taskwatch.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
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
}
