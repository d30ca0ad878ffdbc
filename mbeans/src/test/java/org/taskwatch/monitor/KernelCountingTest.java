package org.taskwatch.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.taskwatch.testing.KernelTests;

/**
 * Nothing lost silently when the kernel counts: the kernel keeps 128 seconds, and an agent that
 * did not read them for longer (stopped, stalled) says that some counts may be missing, and how
 * many seconds' worth. The time passing is played by giving the fold a later "now".
 */
class KernelCountingTest {
    @Test
    void countsNotReadWithinTheKernelsSecondsAreSaidToBeMaybeMissing() throws Exception {
        KernelTests.require(KernelTests.isRoot(), "counting in the kernel needs CAP_BPF (root)");
        Statistics st = new Statistics();
        try (KernelCounting counting = KernelCounting.prepare(MonitorSettings.defaults(), st)) {
            assertTrue(counting.active(), counting.describe());
            long t = System.nanoTime();
            st.fold(t);
            st.fold(t + TimeUnit.SECONDS.toNanos(60)); // the timer's minute
            assertEquals(0, st.unreadSeconds());
            assertEquals("every event counted in the kernel (eBPF)", counting.describe());

            st.fold(t + TimeUnit.SECONDS.toNanos(60 + 200)); // 200 s without a read
            assertEquals(200 - 128, st.unreadSeconds());
            assertTrue(counting.describe().endsWith("; the counts of up to 72 s may be missing: they were not read within"
                    + " 128 s (the agent stopped or stalled)"), counting.describe());
        }
    }
}
