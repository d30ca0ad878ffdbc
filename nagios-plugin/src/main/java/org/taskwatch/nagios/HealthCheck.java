package org.taskwatch.nagios;

import java.util.List;
import org.taskwatch.check.Perfdata;
import org.taskwatch.check.State;
import org.taskwatch.check.Thresholds;

/**
 * {@code --health}: the agent's own judgement (CRITICAL when "failed", WARNING when "degraded"
 * for a reason other than loss, such as the /proc fallback) combined with thresholds on the
 * events lost in the window (without -w: WARNING when any was
 * lost, {@code -w 0}). One call: {@code health(window)}. {@code --raw} prints 0 (ok), 1
 * (degraded) or 2 (failed), and 2 also when the agent does not answer (nothing listens, no answer
 * within -t), so that a Zabbix item keeps a value and its trigger fires. The status line stays short: a long reason is cut there and given
 * whole in the long output ({@code -v}).
 */
final class HealthCheck implements Check {
    static final String DEFAULT_WARNING = "0";
    /** Characters of the agent's reason on the status line, which pagers and web views cut short. */
    static final int MAX_REASON = 100;

    private final int window;
    private final Thresholds thresholds;

    HealthCheck(int window, Thresholds given) {
        this.window = window;
        this.thresholds = given.orDefaults(DEFAULT_WARNING, null);
    }

    /** A dead agent is a failed agent for Zabbix: the item stores 2 instead of going unsupported. */
    @Override
    public String rawWhenUnreachable() {
        return "2";
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
        // after a loss the agent's reason is the loss, with its cause: say the figure once
        boolean reasonIsTheLoss = state.equals("degraded") && lost > 0 && reason.startsWith(lost + " events lost");
        String losses = lost == 0 ? "no events lost" : Check.count(lost, "event", "events") + " lost";
        String shortReason = shorten(reason);
        String text = "agent " + state + (reason.isEmpty() ? "" : ": " + shortReason) + "; event source " + source
                + (reasonIsTheLoss ? "" : ", " + losses + " in the last " + window + " s" + Check.coverage(covered, window));
        String more = lostTotal + " lost since the agent started";
        List<Perfdata> perf = List.of(Perfdata.of("lost", lost, thresholds, 0L, null), Perfdata.counter("lost_total", lostTotal));
        List<String> longOutput = shortReason.equals(reason) ? List.of() : List.of("agent " + state + ": " + reason);
        return new Result(agentState.worst(thresholds.state(lost)), text, more, perf, List.of(r.describe()), raw,
                longOutput);
    }

    /**
     * The agent's reason for the status line: whole when short, else cut before {@link
     * #MAX_REASON} characters, at the end of a clause where there is one (the /proc fallback's list of what it misses runs to 900);
     * the whole reason then goes to the long output.
     */
    static String shorten(String reason) {
        if (reason.length() <= MAX_REASON) {
            return reason;
        }
        int clause = Math.max(reason.lastIndexOf(": ", MAX_REASON), reason.lastIndexOf("; ", MAX_REASON));
        int cut = clause > MAX_REASON / 3 ? clause : reason.lastIndexOf(' ', MAX_REASON);
        return reason.substring(0, cut > 0 ? cut : MAX_REASON).replaceAll("[,;:(]+$", "") + " ... (-v for all)";
    }
}
