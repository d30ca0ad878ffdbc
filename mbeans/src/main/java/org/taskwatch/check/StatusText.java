package org.taskwatch.check;

import java.util.List;

/**
 * The status line of the monitoring-plugins guidelines, {@code TASKWATCH <STATE> - text}, and its
 * perfdata part. Text that came from elsewhere (process names, patterns, error messages) is made
 * safe first: a '|' would start the perfdata early and a line break would end the status line, so
 * '|' becomes '¦' and control characters become '?'.
 *
 * <p>No string concatenation with '+' in this package: javac makes it an invokedynamic call, whose
 * first use costs the plugin ~25 ms of start-up (the plugin's own classes are compiled with
 * {@code -XDstringConcat=inline}; these are compiled with the agent). {@code CheckPackageTest} checks.
 */
public final class StatusText {
    public static final String PREFIX = "TASKWATCH";

    private StatusText() {}

    /** {@code TASKWATCH CRITICAL - text}, the text made safe. */
    public static String line(State state, String text) {
        return new StringBuilder(PREFIX).append(' ').append(state.name()).append(" - ").append(safe(text)).toString();
    }

    /** The perfdata items, space-separated, as they follow the status line's '|'. */
    public static String perfdata(List<Perfdata> perfdata) {
        StringBuilder b = new StringBuilder();
        for (Perfdata p : perfdata) {
            b.append(b.length() == 0 ? "" : " ").append(p.format());
        }
        return b.toString();
    }

    /** The text with '|' and control characters replaced, so it stays in its place on one line. */
    public static String safe(String s) {
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
}
