package org.taskwatch.nagios;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code --watch NAME}: a watch declared in the agent's configuration file. CRITICAL when its
 * running processes are outside its expectation (or outside -w/-c, which replace it) or it
 * crash-loops; WARNING when one of its processes exited non-zero within the window; else OK.
 * One call: {@code watchState(name)}; a name the agent does not declare is UNKNOWN.
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
        long running = r.number("running");
        long exits = r.number("exits");
        long nonZero = r.number("nonZeroExits");
        long restarts = r.number("restarts");
        String expect = r.string("expect");
        Thresholds t = given.warning() != null || given.critical() != null ? given : expectation(expect);
        State state = t.state(running);
        StringBuilder text = new StringBuilder(name).append(": ").append(running).append(" running");
        if (t == given) {
            text.append(state == State.OK ? "" : " (outside the thresholds)");
        } else {
            text.append(state == State.OK ? "" : ", expected " + expect);
        }
        if (state != State.OK && running == 0 && exits == 0) {
            text.append(", not running since before the agent started");
        }
        List<String> more = new ArrayList<>();
        if (r.bool("crashLoop")) {
            state = State.CRITICAL;
            String reason = r.string("reason");
            int at = reason.indexOf("crash loop");
            more.add(at < 0 ? "crash loop" : reason.substring(at));
        }
        long failedAt = r.number("lastNonZeroExitMillis");
        long ago = (System.currentTimeMillis() - failedAt) / 1000;
        if (failedAt > 0 && ago <= window) {
            state = state.worst(State.WARNING);
            more.add("non-zero exit " + Math.max(0, ago) + " s ago: " + r.string("lastNonZeroExit"));
        }
        if (restarts > 0 && !r.bool("crashLoop")) {
            more.add(Check.count(restarts, "restart", "restarts"));
        }
        for (String m : more) {
            text.append("; ").append(m);
        }
        List<Perfdata> perf = List.of(
                Perfdata.of("running", running, t, 0L, null),
                Perfdata.counter("exits", exits),
                Perfdata.counter("nonzero_exits", nonZero),
                Perfdata.counter("restarts", restarts));
        String detail = "agent: " + r.string("state") + " since " + r.string("stateSince") + " (" + r.string("reason") + ")";
        return new Result(state, text.toString(), detail, perf, List.of(r.describe()), Long.toString(running));
    }

    /** The agent's expectation as this check's critical range (the same syntax). */
    private static Thresholds expectation(String expect) throws CheckException {
        try {
            return new Thresholds(null, Range.parse(expect));
        } catch (IllegalArgumentException e) {
            throw new CheckException("the agent's expectation '" + expect + "' is not a range: " + e.getMessage());
        }
    }
}
