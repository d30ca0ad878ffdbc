package org.taskwatch.nagios;

import java.util.List;
import org.taskwatch.check.Thresholds;
import org.taskwatch.check.WatchVerdict;

/**
 * {@code --watch NAME}: a watch declared in the agent's configuration file, judged by
 * {@link WatchVerdict} (the agent's passive results to Icinga 2 and Nagios use the same class, so
 * both read alike). One call: {@code watchState(name)}; a name the agent does not declare is
 * UNKNOWN.
 */
final class WatchCheck implements Check {
    private final String name;
    private final int window;
    private final Thresholds given;

    WatchCheck(String name, int window, Thresholds given) {
        this.name = name;
        this.window = window;
        this.given = given;
    }

    @Override
    public Result run(Jolokia agent) throws CheckException {
        Jolokia.Reply r = agent.exec("watchState", name);
        WatchVerdict.Figures f = new WatchVerdict.Figures(name, r.number("running"), r.number("exits"),
                r.number("nonZeroExits"), r.number("restarts"), r.string("expect"), r.bool("crashLoop"),
                r.string("reason"), r.number("lastNonZeroExitMillis"), r.string("lastNonZeroExit"), r.string("state"),
                r.string("stateSince"));
        WatchVerdict v;
        try {
            v = WatchVerdict.of(f, window, given, System.currentTimeMillis());
        } catch (IllegalArgumentException e) {
            throw new CheckException(e.getMessage());
        }
        return new Result(v.state(), v.text(), v.detail(), v.perfdata(), List.of(r.describe()), Long.toString(f.running()));
    }
}
