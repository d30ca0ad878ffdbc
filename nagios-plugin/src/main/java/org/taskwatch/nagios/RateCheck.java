package org.taskwatch.nagios;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import org.taskwatch.check.Perfdata;
import org.taskwatch.check.Thresholds;

/**
 * {@code --rate fork|exec|exit}: events per second over the window, machine-wide: the count
 * divided by the seconds the agent's history covers, with 2 decimals. Thresholds compare the
 * rounded value, the one the text and perfdata show. One call: {@code eventCounts(window)}.
 */
final class RateCheck implements Check {
    private final String type;
    private final int window;
    private final Thresholds thresholds;

    RateCheck(String type, int window, Thresholds thresholds) {
        this.type = type;
        this.window = window;
        this.thresholds = thresholds;
    }

    @Override
    public Result run(Jolokia agent) throws CheckException {
        Jolokia.Reply r = agent.exec("eventCounts", window);
        long count = r.number(type + "s");
        long covered = r.number("coveredSeconds");
        long lost = r.number("lost");
        if (covered <= 0) {
            throw new CheckException("no " + type + " rate yet: the agent's history covers no full second (it just started)");
        }
        BigDecimal rate = BigDecimal.valueOf(count).divide(BigDecimal.valueOf(covered), 2, RoundingMode.HALF_UP);
        String text = rate.toPlainString() + " " + type + "s per second over the last " + covered + " s"
                + (covered < window ? " (history covers only " + covered + " s of the " + window + " s window)" : "")
                + (lost > 0 ? "; " + lost + " events lost in the window, so the rate is a lower bound" : "");
        String more = count + " " + type + "s in " + covered + " s";
        Perfdata p = new Perfdata(type + "_rate", rate.toPlainString(), "", thresholds.warning(), thresholds.critical(),
                "0", null);
        return new Result(thresholds.state(rate), text, more, List.of(p), List.of(r.describe()), rate.toPlainString());
    }
}
