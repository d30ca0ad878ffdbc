package org.taskwatch.kernel;

import java.util.regex.Pattern;

/**
 * The one rule for "this process matches that command pattern", used wherever taskwatch asks it
 * (the reader thread at exec, callers' threads counting running processes, the Nagios plugin
 * leaving its own processes out): the pattern is <em>found</em> ({@link java.util.regex.Matcher#find})
 * in the process's name ({@code comm}), the path of its executable, or its command line with
 * NULs as spaces, cut at {@value #TEXT_LIMIT} characters, tried in that order.
 *
 * <p>Every search is budgeted ({@value #STEP_BUDGET} character reads): a pattern with
 * catastrophic backtracking such as {@code (.*a){20}b} is given up within about a millisecond
 * and answers {@link Outcome#ABANDONED}, counted by the caller, instead of holding the thread
 * for minutes. A linear pattern needs a few steps per character of a 4 KiB command line.
 *
 * <p>Not thread-safe: one instance per thread (it reuses one budgeted text, so a search
 * allocates nothing but the matcher).
 */
public final class CommandRule {
    /** Characters of a command line that are searched (the kernel hands out a page per read). */
    public static final int TEXT_LIMIT = 4096;
    /** Character reads one search may take. */
    public static final long STEP_BUDGET = 200_000;

    /** What a search found. */
    public enum Outcome {
        MATCH,
        NO_MATCH,
        /** One of the searches ran out of steps (and none before it matched): no match, to be counted. */
        ABANDONED
    }

    private final BudgetedText text = new BudgetedText(STEP_BUDGET);

    /** Whether {@code p} is found in any of the three texts (null ones are skipped). */
    public Outcome test(Pattern p, String comm, String exe, String cmdline) {
        Outcome byComm = find(p, comm);
        if (byComm == Outcome.MATCH) {
            return byComm;
        }
        Outcome byExe = find(p, exe);
        if (byExe == Outcome.MATCH) {
            return byExe;
        }
        Outcome byCmdline = find(p, cmdline);
        if (byCmdline == Outcome.MATCH) {
            return byCmdline;
        }
        return byComm == Outcome.ABANDONED || byExe == Outcome.ABANDONED || byCmdline == Outcome.ABANDONED
                ? Outcome.ABANDONED : Outcome.NO_MATCH;
    }

    /** {@link #test} as a yes or no: an abandoned search is no match. */
    public boolean matches(Pattern p, String comm, String exe, String cmdline) {
        return test(p, comm, exe, cmdline) == Outcome.MATCH;
    }

    private Outcome find(Pattern p, String s) {
        if (s == null) {
            return Outcome.NO_MATCH;
        }
        try {
            return p.matcher(text.reset(s.length() > TEXT_LIMIT ? s.substring(0, TEXT_LIMIT) : s)).find()
                    ? Outcome.MATCH : Outcome.NO_MATCH;
        } catch (RuntimeException e) {
            if (e != BudgetedText.EXCEEDED) {
                throw e;
            }
            return Outcome.ABANDONED;
        }
    }
}
