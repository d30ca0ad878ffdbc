package org.taskwatch.nagios;

import java.util.List;

/**
 * The plugin's output, per the monitoring-plugins guidelines: one status line
 * {@code TASKWATCH <STATE> - text | perfdata}, then (with -v) the long output, then (with -vv and
 * more) further lines. Text that
 * came from elsewhere (process names, patterns, error messages) is made safe first: a '|' would
 * start the perfdata early and a line break would end the status line, so '|' becomes '¦' and
 * control characters become '?'.
 */
final class Output {
    static final String PREFIX = "TASKWATCH";

    private Output() {}

    static String render(Result r, int verbosity, List<String> trace) {
        StringBuilder b = new StringBuilder(160);
        b.append(PREFIX).append(' ').append(r.state().name()).append(" - ").append(safe(r.text()));
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
        StringBuilder b = null;
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            char r = c == '|' ? '\u00a6' : (c < 0x20 || c == 0x7f) ? '?' : c;
            if (r != c && b == null) {
                b = new StringBuilder(s.length()).append(s, 0, k);
            }
            if (b != null) {
                b.append(r);
            }
        }
        return b == null ? s : b.toString();
    }

    /** At most {@code max} characters, with "..." when cut. */
    static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }
}
