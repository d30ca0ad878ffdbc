package org.taskwatch.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.taskwatch.kernel.KernelVersion;
import org.taskwatch.testing.KernelTests;

/**
 * A monitor with nothing to do does not wake its threads (issue 15: each wake-up of an idle
 * agent costs CPU, about 60 us on a virtual machine). The kernel's own count of each thread's
 * context switches ({@code /proc/self/task/TID/status}) says whether a thread ran.
 */
class IdleWakeupsTest {
    /** The delivery thread and the declared watches' timer: nothing wakes them while no event is watched. */
    private static final List<String> QUIET = List.of("taskwatch-deliv", "taskwatch-servi");

    @Test
    void theDeliveryAndTimerThreadsSleepWhileNothingIsWatched() throws Exception {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6),
                "the proc connector needs root before Linux 6.6");
        try (TaskMonitor monitor = TaskMonitor.start(MonitorSettings.defaults())) {
            assertEquals(0, monitor.watchCount(), "nothing watched");
            Thread.sleep(500); // started, and blocked where they wait
            Map<String, Long> before = switches();
            // the timer's thread is made with the first declared watch: absent is quietest
            assertTrue(before.containsKey("taskwatch-deliv"), "threads found: " + before);
            Thread.sleep(2500); // the delivery thread used to poll every 100 ms, the timer to tick every second
            Map<String, Long> after = switches();
            assertEquals(before, after, "context switches of the idle threads (name=voluntary+involuntary)");
        }
        assertFalse(switches().keySet().stream().anyMatch(QUIET::contains), "the threads ended with the monitor");
    }

    /** Context switches so far of this JVM's threads named in {@link #QUIET} (comm keeps 15 characters). */
    private static Map<String, Long> switches() throws IOException {
        Map<String, Long> out = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                String name;
                List<String> status;
                try {
                    name = Files.readString(t.resolve("comm")).strip();
                    status = Files.readAllLines(t.resolve("status"));
                } catch (IOException gone) {
                    continue; // a thread that ended meanwhile
                }
                if (!QUIET.contains(name)) {
                    continue;
                }
                long n = 0;
                for (String line : status) {
                    if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
                        n += Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
                    }
                }
                out.merge(name, n, Long::sum);
            }
        }
        return out;
    }
}
