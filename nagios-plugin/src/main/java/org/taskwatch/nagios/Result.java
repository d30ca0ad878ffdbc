package org.taskwatch.nagios;

import java.util.List;
import org.taskwatch.check.Perfdata;
import org.taskwatch.check.State;

/**
 * What a check found.
 *
 * @param text the status text for the pager, one line
 * @param more added to the first line from {@code -v} on
 * @param details lines after the first from {@code -vv} on
 * @param raw the number {@code --raw} prints, null when there is none
 * @param longOutput lines after the first from {@code -v} on (Nagios' long output): what is too
 *     long for the status line
 */
record Result(State state, String text, String more, List<Perfdata> perfdata, List<String> details, String raw,
        List<String> longOutput) {
    Result(State state, String text, String more, List<Perfdata> perfdata, List<String> details, String raw) {
        this(state, text, more, perfdata, details, raw, List.of());
    }

    static Result unknown(String reason) {
        return new Result(State.UNKNOWN, reason, null, List.of(), List.of(), null);
    }
}
