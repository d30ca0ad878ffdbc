package org.taskwatch.nagios;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.taskwatch.check.Perfdata;
import org.taskwatch.check.Range;
import org.taskwatch.check.State;
import org.taskwatch.check.Thresholds;

/**
 * {@code --push}: whether what the agent pushes (to Zabbix, Icinga 2, Nagios) gets there. The
 * thresholds apply to the messages lost since the agent started, dropped (a queue overflowed
 * while a destination was down, or they grew too old) plus refused (a destination answered no):
 * without -w, WARNING when any was ({@code -w 0}). WARNING too when a message has waited longer than
 * {@code --max-wait} for its destination (down or unreachable: nothing is lost yet, but nothing
 * arrives either, and its queue holds up to an hour). UNKNOWN when the agent pushes nowhere. The
 * long output ({@code -v}) has a line per destination with its last error. {@code --raw}
 * prints the lost count, for a Zabbix trigger on its change. One call: a read of the Monitor's
 * Push* attributes.
 */
final class PushCheck implements Check {
    static final String DEFAULT_WARNING = "0";
    static final List<String> ATTRIBUTES = List.of("PushSent", "PushDropped", "PushRefused", "PushQueued",
            "PushOldestWaitSeconds", "PushStatus");

    private final Thresholds thresholds;
    private final int maxWaitSeconds;

    PushCheck(Thresholds given, int maxWaitSeconds) {
        this.thresholds = given.orDefaults(DEFAULT_WARNING, null);
        this.maxWaitSeconds = maxWaitSeconds;
    }

    @Override
    public Result run(Jolokia agent) throws CheckException {
        Map<?, ?> v = agent.readAll(ATTRIBUTES);
        String status = v.get("PushStatus") instanceof String s ? s : null;
        if (status == null) {
            throw new CheckException("the agent has no PushStatus (an agent without push?)");
        }
        if (status.isEmpty()) {
            throw new CheckException("the agent pushes nowhere: zabbix.servers, icinga.url and nagios.commandFile are"
                    + " empty in its configuration");
        }
        long sent = number(v, "PushSent");
        long dropped = number(v, "PushDropped");
        long refused = number(v, "PushRefused");
        long queued = number(v, "PushQueued");
        long waited = number(v, "PushOldestWaitSeconds");
        long lost = dropped + refused;
        List<String> destinations = List.of(status.split("\n"));
        StringBuilder text = new StringBuilder(120);
        text.append("push to ").append(Check.count(destinations.size(), "destination", "destinations")).append(": ")
                .append(sent).append(" sent, ").append(dropped).append(" dropped, ").append(refused).append(" refused, ")
                .append(queued).append(" queued");
        State state = thresholds.state(lost);
        if (queued > 0) {
            text.append(", the oldest waiting ").append(waited).append(" s");
            if (waited > maxWaitSeconds) {
                text.append(" (more than ").append(maxWaitSeconds).append(" s)");
                state = state.worst(State.WARNING);
            }
        }
        List<Perfdata> perf = List.of(Perfdata.of("lost", lost, thresholds, 0L, null), Perfdata.counter("sent", sent),
                Perfdata.counter("dropped", dropped), Perfdata.counter("refused", refused), Perfdata.of("queued", queued,
                        Thresholds.NONE, 0L, null), new Perfdata("oldest_wait", Long.toString(waited), "s",
                        Range.parse(Integer.toString(maxWaitSeconds)), null, "0", null));
        return new Result(state, text.toString(), "since the agent started", perf, List.of(),
                Long.toString(lost), new ArrayList<>(destinations));
    }

    private static long number(Map<?, ?> v, String attribute) throws CheckException {
        if (v.get(attribute) instanceof Number n) {
            return n.longValue();
        }
        throw new CheckException("the agent's " + attribute + " is " + v.get(attribute) + ", not a number");
    }
}
