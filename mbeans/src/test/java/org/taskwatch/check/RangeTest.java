package org.taskwatch.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The guidelines' range table, each form at and around its edges (ends are inclusive). */
class RangeTest {
    private static void alerts(String range, double... values) {
        Range r = Range.parse(range);
        for (double v : values) {
            assertTrue(r.alerts(v), range + " should alert for " + v);
        }
    }

    private static void quiet(String range, double... values) {
        Range r = Range.parse(range);
        for (double v : values) {
            assertFalse(r.alerts(v), range + " should not alert for " + v);
        }
    }

    @Test
    void plainEndMeansZeroToEnd() {
        quiet("10", 0, 0.5, 9.99, 10);
        alerts("10", -0.01, -1, 10.01, 11, 1e9);
    }

    @Test
    void startWithoutEndMeansUpToInfinity() {
        quiet("10:", 10, 10.5, 1e12);
        alerts("10:", 9.99, 0, -5);
    }

    @Test
    void tildeMeansNoLowerBound() {
        quiet("~:10", -1e12, -1, 0, 10);
        alerts("~:10", 10.01, 11);
    }

    @Test
    void startAndEndAreBothInclusive() {
        quiet("10:20", 10, 15, 20);
        alerts("10:20", 9.99, 20.01, 0, -10);
    }

    @Test
    void atInvertsToAlertInsideIncludingTheEnds() {
        alerts("@10:20", 10, 15, 20);
        quiet("@10:20", 9.99, 20.01, 0);
        alerts("@5", 0, 5);
        quiet("@5", -0.1, 5.1);
        alerts("@~:3", -100, 3);
        quiet("@~:3", 3.01);
        alerts("@3:", 3, 1e9);
        quiet("@3:", 2.99);
    }

    @Test
    void zeroRangeAlertsOnAnythingButZero() {
        quiet("0", 0);
        alerts("0", 1, -1, 0.01);
        quiet("0:0", 0);
    }

    @Test
    void negativeAndDecimalBounds() {
        quiet("-5:-1", -5, -3, -1);
        alerts("-5:-1", -5.01, -0.99, 0);
        quiet("0.5:1.5", 0.5, 1.5);
        alerts("0.5:1.5", 0.49, 1.51);
        quiet(":10", 0, 10); // an empty start is 0, as in the C plugins
        alerts(":10", -1);
    }

    @Test
    void equalStartAndEndIsAllowed() {
        quiet("7:7", 7);
        alerts("7:7", 6.99, 7.01);
    }

    @Test
    void canonicalFormForPerfdata() {
        assertEquals("10", Range.parse("10").toString());
        assertEquals("10", Range.parse("0:10").toString());
        assertEquals("10:", Range.parse("10:").toString());
        assertEquals("~:10", Range.parse("~:10").toString());
        assertEquals("10:20", Range.parse("10:20").toString());
        assertEquals("@10:20", Range.parse("@10:20").toString());
        assertEquals("0:", Range.parse("0:").toString());
        assertEquals("-5:-1", Range.parse("-5:-1").toString());
        assertEquals("1.5:2.25", Range.parse("1.5:2.25").toString());
    }

    @Test
    void badRangesAreRejectedWithTheReason() {
        for (String bad : new String[] {"", "@", "~", "~:", "abc", "10:abc", "1e3", "20:10", "@20:10", "1:2:3", "10:~",
            "--1", "1.2.3", " 10", "10 ", "inf", "NaN", "0x10", ".", "-", "+:5", "@@1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Range.parse(bad), bad);
            assertFalse(e.getMessage().isEmpty());
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Range.parse("20:10")).getMessage()
                .contains("start 20 is greater than end 10"));
    }

    @Test
    void thresholdsCheckCriticalFirst() {
        Thresholds t = new Thresholds(Range.parse("10"), Range.parse("20"));
        assertEquals(State.OK, t.state(10));
        assertEquals(State.WARNING, t.state(11));
        assertEquals(State.WARNING, t.state(20));
        assertEquals(State.CRITICAL, t.state(21));
        assertEquals(State.CRITICAL, t.state(-1)); // outside both
        assertEquals(State.OK, Thresholds.NONE.state(Long.MAX_VALUE));
    }

    @Test
    void defaultsFillOnlyWhatIsMissing() {
        Thresholds given = new Thresholds(null, Range.parse("5"));
        Thresholds t = given.orDefaults("0", "1:");
        assertEquals("0", t.warning().toString());
        assertEquals("5", t.critical().toString());
        assertEquals(State.OK, t.state(0));
        assertEquals(State.WARNING, t.state(3));
        assertEquals(State.CRITICAL, t.state(6));
    }
}
