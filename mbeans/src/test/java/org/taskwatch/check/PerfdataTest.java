package org.taskwatch.check;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** 'label'=value[UOM];[warn];[crit];[min];[max], trailing empty fields dropped. */
class PerfdataTest {
    @Test
    void everyField() {
        Thresholds t = new Thresholds(Range.parse("2:"), Range.parse("@0:1"));
        assertEquals("'running'=3;2:;@1;0;10", Perfdata.of("running", 3, t, 0L, 10L).format()); // @1 is @0:1
    }

    @Test
    void trailingEmptyFieldsAreDroppedInnerOnesKept() {
        assertEquals("'running'=3", Perfdata.of("running", 3, Thresholds.NONE, null, null).format());
        assertEquals("'running'=3;;;0", Perfdata.of("running", 3, Thresholds.NONE, 0L, null).format());
        assertEquals("'running'=3;;1:;0", Perfdata.of("running", 3, new Thresholds(null, Range.parse("1:")), 0L, null)
                .format());
        assertEquals("'lost'=5;0", Perfdata.of("lost", 5, new Thresholds(Range.parse("0"), null), null, null).format());
    }

    @Test
    void counterUnitAndDecimalValue() {
        assertEquals("'lost_total'=123c", Perfdata.counter("lost_total", 123).format());
        assertEquals("'exec_rate'=12.35;~:10;20;0",
                new Perfdata("exec_rate", "12.35", "", Range.parse("~:10"), Range.parse("20"), "0", null).format());
    }

    @Test
    void quoteInLabelIsDoubled() {
        assertEquals("'it''s'=1", Perfdata.of("it's", 1, Thresholds.NONE, null, null).format());
    }
}
