package org.taskwatch.nagios;

import java.util.List;

/**
 * {@code --health}: the agent's own judgement (CRITICAL when "failed", WARNING when "degraded"
 * for a reason other than loss, such as the /proc fallback) combined with thresholds on the
 * events lost in the window (without -w: WARNING when any was
 * lost, {@code -w 0}). One call: {@code health(window)}. {@code --raw} prints 0 (ok), 1
 * (degraded) or 2 (failed).
 */
final class HealthCheck implements Check {
    static final String DEFAULT_WARNING = "0";

    private final int window;
    private final Thresholds thresholds;

    HealthCheck(int window, Thresholds given) {
        this.window = window;
        this.thresholds = given.orDefaults(DEFAULT_WARNING, null);
    }

    @Override
    public Result run(Jolokia agent) throws CheckException {
        Jolokia.Reply r = agent.exec("health", window);
        String state = r.string("state");
        String reason = r.string("reason");
        String source = r.string("eventSource");
        long lost = r.number("lostInWindow");
        long lostTotal = r.number("lostTotal");
        long covered = r.number("coveredSeconds");
        State agentState;
        String raw;
        switch (state) {
            case "ok": agentState = State.OK; raw = "0"; break;
            // the agent also calls itself degraded after losing events: then the thresholds on
            // the loss decide, so that -w/-c keep their meaning
            case "degraded": agentState = lost > 0 ? State.OK : State.WARNING; raw = "1"; break;
            case "failed": agentState = State.CRITICAL; raw = "2"; break;
            default: throw new CheckException("the agent reports an unknown health state '" + state + "'");
        }
        String losses = lost == 0 ? "no events lost" : Check.count(lost, "event", "events") + " lost";
        String text = "agent " + state + (reason.isEmpty() ? "" : ": " + reason) + "; event source " + source + ", "
                + losses + " in the last " + window + " s" + Check.coverage(covered, window);
        String more = lostTotal + " lost since the agent started";
        List<Perfdata> perf = List.of(Perfdata.of("lost", lost, thresholds, 0L, null), Perfdata.counter("lost_total", lostTotal));
        return new Result(agentState.worst(thresholds.state(lost)), text, more, perf, List.of(r.describe()), raw);
    }
}
