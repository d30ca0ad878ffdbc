package org.taskwatch.nagios;

import java.util.List;
import org.taskwatch.check.Perfdata;
import org.taskwatch.check.Thresholds;

/**
 * {@code --exits REGEX [--nonzero]}: thresholds on how many matching processes exited (with a
 * non-zero status or by a signal, with --nonzero) in the window. With --nonzero and no -w, any
 * such exit is a WARNING ({@code -w 0}). One call: {@code summary(regex, window)}; the agent keeps
 * a pattern's history from the first call for it, which the text says while it covers less than
 * the window.
 */
final class ExitsCheck implements Check {
    static final String DEFAULT_NONZERO_WARNING = "0";

    private final String regex;
    private final boolean nonzero;
    private final int window;
    private final Thresholds thresholds;

    ExitsCheck(String regex, boolean nonzero, int window, Thresholds given) {
        this.regex = regex;
        this.nonzero = nonzero;
        this.window = window;
        this.thresholds = nonzero ? given.orDefaults(DEFAULT_NONZERO_WARNING, null) : given;
    }

    @Override
    public Result run(Jolokia agent) throws CheckException {
        if (SelfMatch.count(agent.url(), regex) > 0) {
            // the agent would count every run of this check among the exits (and the WARNING or
            // CRITICAL ones among the non-zero exits): a feedback loop, not a measurement
            throw new CheckException("the pattern '" + regex + "' matches check_taskwatch's own command line, so the"
                    + " agent would count this check's own exits: make it match only the program,"
                    + " e.g. '^name' or '[n]ame'");
        }
        Jolokia.Reply r = agent.exec("summary", regex, window);
        long exits = r.number("exits");
        long failed = r.number("nonZeroExits");
        long last = r.number("lastExitCode");
        long covered = r.number("coveredSeconds");
        long value = nonzero ? failed : exits;
        String what = nonzero ? Check.count(failed, "non-zero exit", "non-zero exits")
                : Check.count(exits, "exit", "exits");
        String text = what + " of processes matching '" + regex + "' in the last " + window + " s"
                + (last >= 0 ? ", last exit status " + last : "") + Check.coverage(covered, window);
        String more = nonzero ? Check.count(exits, "exit", "exits") + " in all" : failed + " of them non-zero";
        List<Perfdata> perf = List.of(
                Perfdata.of("exits", exits, nonzero ? Thresholds.NONE : thresholds, 0L, null),
                Perfdata.of("nonzero_exits", failed, nonzero ? thresholds : Thresholds.NONE, 0L, null));
        return new Result(thresholds.state(value), text, more, perf, List.of(r.describe()), Long.toString(value));
    }
}
