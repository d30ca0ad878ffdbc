package org.taskwatch.nagios;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.taskwatch.check.Perfdata;
import org.taskwatch.check.Range;
import org.taskwatch.check.State;
import org.taskwatch.check.Thresholds;

class OutputTest {
    private static final Result R = new Result(State.WARNING, "2 processes match 'nginx|php'", "more info",
            List.of(Perfdata.of("running", 2, new Thresholds(Range.parse("3:"), null), 0L, null)),
            List.of("detail line"), "2");

    @Test
    void oneLineAtVerbosityZero() {
        assertEquals("TASKWATCH WARNING - 2 processes match 'nginx\u00a6php' | 'running'=2;3:;;0\n",
                Output.render(R, 0, List.of("trace")));
    }

    @Test
    void verbosityOneAddsToTheLineTwoAddsLines() {
        assertEquals("TASKWATCH WARNING - 2 processes match 'nginx\u00a6php'; more info | 'running'=2;3:;;0\n",
                Output.render(R, 1, List.of()));
        assertEquals("TASKWATCH WARNING - 2 processes match 'nginx\u00a6php'; more info | 'running'=2;3:;;0\n"
                + "trace\ndetail line\n", Output.render(R, 2, List.of("trace")));
    }

    @Test
    void noPerfdataNoBar() {
        assertEquals("TASKWATCH UNKNOWN - why\n", Output.render(Result.unknown("why"), 0, List.of()));
    }

    @Test
    void foreignTextCannotBreakTheLine() {
        assertEquals("a\u00a6b?c?d?e", Output.safe("a|b\nc\rd\u0000e"));
        assertEquals("plain", Output.safe("plain"));
    }
}
