package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.taskwatch.testing.KernelTests;
import org.taskwatch.testing.ThreadNice;

/** The boost changes the calling thread only, as the kernel reports it in /proc. */
class ThreadPriorityTest {
    @Test
    void boostsTheCallingThreadAndNoOther() throws Exception {
        KernelTests.require(KernelTests.hasCapability(KernelTests.CAP_SYS_NICE), "raising a priority needs CAP_SYS_NICE");
        int before = ThreadNice.ofThisThread();
        AtomicReference<Object[]> seen = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                String r = ThreadPriority.boostCurrentThread(3);
                seen.set(new Object[] {r, ThreadNice.ofThisThread(), ThreadPriority.currentNice()});
            } catch (Exception e) {
                seen.set(new Object[] {e});
            }
        }, "boost-test");
        t.start();
        t.join();
        Object[] s = seen.get();
        assertEquals("", s[0], "boosted without a complaint");
        assertEquals(-3, s[1], "the kernel says nice -3 for that thread");
        assertEquals(-3, s[2]);
        assertEquals(before, ThreadNice.ofThisThread(), "this thread kept its priority");
    }

    @Test
    void zeroLeavesThePriorityAndOutOfRangeIsRefused() throws Exception {
        int before = ThreadNice.ofThisThread();
        assertEquals("", ThreadPriority.boostCurrentThread(0));
        assertEquals(before, ThreadNice.ofThisThread());
        for (int bad : new int[] {-1, 21}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ThreadPriority.boostCurrentThread(bad));
            assertTrue(e.getMessage().contains("priorityBoost") && e.getMessage().contains("got " + bad), e.getMessage());
        }
        assertEquals(before, ThreadNice.ofThisThread(), "a refused boost changed nothing");
    }
}
