package org.taskwatch.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.taskwatch.kernel.EventType;

/** The naming of processes for command watches, on a hand-made /proc, without a kernel. */
class ProcessNamesTest {
    @Test
    void withoutExitNamesNoListenerIsOpenedAndNoExitIsNamed() throws Exception {
        List<String> opened = new ArrayList<>();
        try (FakeProc proc = new FakeProc();
                ProcessNames names = new ProcessNames(proc.files(), proc.procFs(), () -> {
                    opened.add("open");
                    throw new AssertionError("must not be opened");
                })) {
            names.useExitNames("the /proc poller has no kernel exit events to pair names with");
            names.commandWatchAdded();
            names.onBatch();
            assertEquals(List.of(), opened);
            assertNull(names.readAtExec(4321).comm(), "gone");
            assertNull(names.takeNameAtExit(4321), "nothing to name it by");
            assertEquals("the /proc poller has no kernel exit events to pair names with", names.exitNamesProblem());
        }
    }

    @Test
    void aListenerThatCannotBeOpenedSaysWhyAndIsNotTriedAgain() throws Exception {
        int[] tries = {0};
        try (FakeProc proc = new FakeProc();
                ProcessNames names = new ProcessNames(proc.files(), proc.procFs(), () -> {
                    tries[0]++;
                    throw new java.io.IOException("socket(NETLINK_GENERIC) failed: EPERM (Operation not permitted)");
                })) {
            names.useExitNames(null);
            names.commandWatchAdded();
            names.commandWatchAdded();
            assertEquals(1, tries[0]);
            assertTrue(names.exitNamesProblem().contains("EPERM"), names.exitNamesProblem());
        }
    }

    @Test
    void theRuleIsAppliedToWhatProcShowsNowAndAbandonedSearchesAreCounted() throws Exception {
        try (FakeProc proc = new FakeProc(); ProcessNames names = new ProcessNames(proc.files(), proc.procFs(), null)) {
            proc.process(7000, 1, "nginx", "/usr/sbin/nginx", "nginx: worker process");
            assertTrue(names.matchesNow(Pattern.compile("^/usr/sbin/nginx$"), 7000), "by its executable");
            assertTrue(names.matchesNow(Pattern.compile("worker"), 7000), "by its command line");
            assertTrue(!names.matchesNow(Pattern.compile("nginx"), 7001), "gone: no match");

            WatchRegistry registry = new WatchRegistry(proc.procFs(), names, 10, 256);
            names.useExitNames("off");
            Watch evil = registry.watchCommand("(.*a){20}b", EventType.EXEC.bit(), false);
            assertTrue(!names.test(evil, "sh", "/bin/sh", "sh -c " + "a".repeat(28)));
            assertEquals(1, evil.abandonedMatches(), "counted on the watch");
        }
    }
}
