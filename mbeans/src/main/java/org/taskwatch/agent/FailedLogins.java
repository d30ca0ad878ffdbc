package org.taskwatch.agent;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Failed logins to JMX or Jolokia, told to the operator (stderr, the journal under systemd) with
 * the endpoint, the user name given and the client's address, so that password guessing shows.
 * Rate-limited: at most {@link #SHOWN_PER_MINUTE} lines a minute; the failures beyond are
 * counted, and the count is told with the next line shown.
 *
 * <p>Threads: called from RMI's and the HTTP server's threads at once; all state under {@code this}.
 */
final class FailedLogins {
    static final int SHOWN_PER_MINUTE = 10;
    private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);

    private final Consumer<String> log;
    private final LongSupplier nanoClock;
    private long minuteStart; // guarded by this
    private int shown; // guarded by this
    private long unshown; // guarded by this

    FailedLogins(Consumer<String> log) {
        this(log, System::nanoTime);
    }

    /** For tests: with a clock of their own. */
    FailedLogins(Consumer<String> log, LongSupplier nanoClock) {
        this.log = log;
        this.nanoClock = nanoClock;
        this.minuteStart = nanoClock.getAsLong();
    }

    void failed(String via, String user, String from) {
        failed(via, user, from, null);
    }

    /** @param why what was wrong when it was not the password (null: the user or password) */
    synchronized void failed(String via, String user, String from, String why) {
        long now = nanoClock.getAsLong();
        if (now - minuteStart >= MINUTE) {
            minuteStart = now;
            shown = 0;
        }
        if (shown >= SHOWN_PER_MINUTE) {
            unshown++;
            return;
        }
        shown++;
        String line = "failed login to " + via + " as '" + printable(user) + "' from " + from + (why == null ? "" : ": " + why);
        if (unshown > 0) {
            line += " (and " + unshown + " more failed logins not shown before this)";
            unshown = 0;
        }
        if (shown == SHOWN_PER_MINUTE) {
            line += "; further failures this minute are counted, not shown";
        }
        log.accept(line);
    }

    /** The name as given, short and without control characters: it is the client's text, not ours. */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 64; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f || c == '\'' ? '?' : c);
        }
        return s.length() > 64 ? b + "..." : b.toString();
    }
}
