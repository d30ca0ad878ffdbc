package org.taskwatch.nagios;

import java.util.List;
import org.taskwatch.check.Perfdata;
import org.taskwatch.check.Thresholds;

/**
 * {@code --command REGEX}: thresholds on how many processes whose command matches run now.
 * Without -c, CRITICAL when none runs ({@code -c 1:}). One call: {@code summary(regex, window)}.
 * On the agent's host the plugin's own process may match the pattern (it is in its command
 * line): it is left out of the count ({@link SelfMatch}).
 */
final class CommandCheck implements Check {
    static final String DEFAULT_CRITICAL = "1:";

    private final String regex;
    private final int window;
    private final Thresholds thresholds;

    CommandCheck(String regex, int window, Thresholds given) {
        this.regex = regex;
        this.window = window;
        this.thresholds = given.orDefaults(null, DEFAULT_CRITICAL);
    }

    @Override
    public Result run(Jolokia agent) throws CheckException {
        Jolokia.Reply r = agent.exec("summary", regex, window);
        int self = SelfMatch.count(agent.url(), regex);
        long running = Math.max(0, r.number("running") - self);
        String text = running == 0 ? "no process matches '" + regex + "'"
                : Check.count(running, "process matches", "processes match") + " '" + regex + "'";
        String more = "in the last " + window + " s: " + Check.count(r.number("forks"), "fork", "forks") + ", "
                + Check.count(r.number("execs"), "exec", "execs") + ", " + Check.count(r.number("exits"), "exit", "exits")
                + " (" + r.number("nonZeroExits") + " non-zero)" + Check.coverage(r.number("coveredSeconds"), window)
                + (self > 0 ? "; not counting check_taskwatch itself, whose command line matches" : "");
        return new Result(thresholds.state(running), text, more,
                List.of(Perfdata.of("running", running, thresholds, 0L, null)), List.of(r.describe()),
                Long.toString(running));
    }
}
