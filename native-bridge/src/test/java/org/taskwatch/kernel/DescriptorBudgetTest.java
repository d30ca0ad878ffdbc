package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.taskwatch.testing.Spawn;

/** Process watches are bounded by the descriptors this process may open, checked against what /proc says. */
class DescriptorBudgetTest {
    /** The soft "Max open files" of /proc/self/limits: the independent reading of RLIMIT_NOFILE. */
    private static long procLimit() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max open files")) {
                String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
            }
        }
        throw new AssertionError("no Max open files in /proc/self/limits");
    }

    private static long openNow() throws Exception {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count() - 1;
        }
    }

    @Test
    void theLimitIsTheProcessesOpenFileLimit() throws Exception {
        assertEquals(procLimit(), DescriptorBudget.openFileLimit());
        assertEquals(procLimit() - DescriptorBudget.RESERVE, DescriptorBudget.maxWatches());
    }

    @Test
    void maxWatchesBeyondTheLimitIsRefusedWithWhatToDo() throws Exception {
        long most = procLimit() - DescriptorBudget.RESERVE;
        assertNull(DescriptorBudget.problemWithMaxWatches(most));
        String problem = DescriptorBudget.problemWithMaxWatches(1_000_000);
        assertTrue(problem.contains("may open " + procLimit() + " (RLIMIT_NOFILE)"), problem);
        assertTrue(problem.contains("at most " + most + " watches"), problem);
        assertTrue(problem.contains("ulimit -n"), problem);
        assertTrue(DescriptorBudget.problemWithMaxWatches(most + 1) != null);
    }

    /**
     * With the limit lowered to what is open now plus the reserve plus 20, pidfds are handed out
     * until only the reserve is left, then refused with a clear message, while descriptors remain
     * for everything else.
     */
    @Test
    void registrationIsRefusedBeforeDescriptorsRunOut() throws Exception {
        long[] saved = new long[2];
        assertEquals(0, LibC.prlimit(0, Syscalls.RLIMIT_NOFILE, null, saved));
        Process target = Spawn.start("/bin/sleep", "30");
        List<Pidfd> held = new ArrayList<>();
        try {
            long lowered = openNow() + DescriptorBudget.RESERVE + 20;
            assertEquals(0, LibC.prlimit(0, Syscalls.RLIMIT_NOFILE, new long[] {lowered, saved[1]}, null));
            assertEquals(lowered, procLimit());
            IllegalArgumentException refused = null;
            for (int i = 0; i < 100 && refused == null; i++) {
                try {
                    held.add(DescriptorBudget.openPidfd((int) target.pid()));
                } catch (IllegalArgumentException e) {
                    refused = e;
                }
            }
            assertTrue(refused != null, "refused within 100 pidfds");
            long free = procLimit() - openNow();
            assertTrue(held.size() >= 15 && held.size() <= 21, held.size() + " pidfds before the refusal");
            assertTrue(free >= DescriptorBudget.RESERVE - 2, free + " descriptors still free at the refusal");
            String m = refused.getMessage();
            assertTrue(m.startsWith("cannot watch process " + target.pid() + ": "), m);
            assertTrue(m.contains("of the " + lowered + " this process may open (RLIMIT_NOFILE)"), m);
            assertTrue(m.contains("unwatch") && m.contains("ulimit -n"), m);
            assertThrows(IllegalArgumentException.class, () -> DescriptorBudget.openPidfd((int) target.pid()),
                    "still refused: nothing was freed");
        } finally {
            for (Pidfd p : held) {
                p.close();
            }
            assertEquals(0, LibC.prlimit(0, Syscalls.RLIMIT_NOFILE, saved, null));
            target.destroyForcibly();
        }
    }
}
