package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The two measures of loss, fed by hand: each lost event is counted once. */
class LossCountTest {
    @Test
    void dropsThatAreAlsoGapsCountOnce() {
        LossCount c = new LossCount(7); // drops before the reader started are not its loss
        assertEquals(100, c.drops(107, true), "drops are told first");
        assertEquals(0, c.gaps(60), "the gaps of the same events, as their CPUs' next messages come");
        assertEquals(0, c.gaps(100));
        assertEquals(5, c.gaps(105), "gaps beyond the drops: lost before the socket");
        assertEquals(0, c.drops(107, true));
        assertEquals(105, c.total());
    }

    @Test
    void gapsBeforeDropsAreNotCountedAgainByTheDrops() {
        LossCount c = new LossCount(0);
        assertEquals(40, c.gaps(40));
        assertEquals(10, c.drops(50, true), "only what the gaps did not tell yet");
        assertEquals(0, c.gaps(50));
        assertEquals(50, c.total());
    }

    @Test
    void dropsWhileAKernelFilterHidesGapsAdd() {
        LossCount c = new LossCount(0);
        assertEquals(30, c.drops(30, true));
        assertEquals(0, c.gaps(30));
        assertEquals(20, c.drops(50, false), "a filter was on: no gap will tell these");
        assertEquals(4, c.gaps(34), "later gaps beyond the earlier drops");
        assertEquals(54, c.total());
    }

    @Test
    void anUnreadableCounterChangesNothing() {
        LossCount c = new LossCount(-1);
        assertEquals(0, c.drops(-1, true));
        assertEquals(3, c.drops(3, false));
        assertEquals(0, c.drops(-1, false));
        assertEquals(3, c.total());
    }
}
