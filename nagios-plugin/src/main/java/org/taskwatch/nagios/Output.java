package org.taskwatch.nagios;

import java.util.List;
import org.taskwatch.check.StatusText;
import org.taskwatch.check.Perfdata;

/**
 * The plugin's output, per the monitoring-plugins guidelines: one status line
 * {@code TASKWATCH <STATE> - text | perfdata} (written by {@link StatusText}, as the agent's passive
 * results are), then (with -v) the long output, then (with -vv and more) further lines.
 */
final class Output {
    private Output() {}

    static String render(Result r, int verbosity, List<String> trace) {
        StringBuilder b = new StringBuilder(160);
        b.append(StatusText.line(r.state(), r.text()));
        if (verbosity >= 1 && r.more() != null && !r.more().isEmpty()) {
            b.append("; ").append(safe(r.more()));
        }
        if (!r.perfdata().isEmpty()) {
            b.append(" |");
            for (Perfdata p : r.perfdata()) {
                b.append(' ').append(p.format());
            }
        }
        b.append('\n');
        if (verbosity >= 1) {
            for (String l : r.longOutput()) {
                b.append(safe(l)).append('\n');
            }
        }
        if (verbosity >= 2) {
            for (String t : trace) {
                b.append(safe(t)).append('\n');
            }
            for (String d : r.details()) {
                b.append(safe(d)).append('\n');
            }
        }
        return b.toString();
    }

    /** The text with '|' and control characters replaced, so it stays in its place on one line. */
    static String safe(String s) {
        return StatusText.safe(s);
    }

    /** At most {@code max} characters, with "..." when cut. */
    static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }
}
