package org.taskwatch.check;

import java.util.ArrayList;
import java.util.List;

/**
 * The verdict on a declared watch, as {@code check_taskwatch --watch NAME} prints it and the
 * agent pushes it to Icinga 2 and Nagios: CRITICAL when its running processes are outside its
 * expectation (or outside -w/-c, which replace it) or it crash-loops; WARNING when one of its
 * processes exited non-zero within the window; else OK. Perfdata running, exits,
 * nonzero_exits, restarts.
 *
 * @param state the plugin state
 * @param text the status text (without the {@code TASKWATCH STATE - } prefix)
 * @param detail what {@code -v} adds: the agent's own state, since when, and why
 * @param perfdata running, exits, nonzero_exits, restarts
 */
public record WatchVerdict(State state, String text, String detail, List<Perfdata> perfdata) {
    /** The window {@code check_taskwatch} uses when {@code --window} is not given, in seconds. */
    public static final int DEFAULT_WINDOW_SECONDS = 300;

    /**
     * What the agent says of a declared watch (the items of its {@code watchState} of the same
     * names): what a verdict is made of.
     *
     * @param lastNonZeroExitMillis 0: none
     * @param lastNonZeroExit how and which process last exited non-zero ("pid 12 exit 3 at ..."),
     *     empty for none
     */
    public record Figures(String name, long running, long exits, long nonZeroExits, long restarts, String expect,
            boolean crashLoop, String reason, long lastNonZeroExitMillis, String lastNonZeroExit, String state,
            String stateSince) {}

    /** The verdict with the watch's own expectation, on the default window: the agent's passive result. */
    public static WatchVerdict of(Figures f, long nowMillis) {
        return of(f, DEFAULT_WINDOW_SECONDS, Thresholds.NONE, nowMillis);
    }

    /**
     * @param given -w/-c; when either is there they replace the watch's expectation
     * @throws IllegalArgumentException when the expectation is not a range (an agent that does not fit)
     */
    public static WatchVerdict of(Figures f, int windowSeconds, Thresholds given, long nowMillis) {
        boolean own = given.warning() == null && given.critical() == null;
        Thresholds t = own ? expectation(f.expect()) : given;
        State state = t.state(f.running());
        StringBuilder text = new StringBuilder(f.name()).append(": ").append(f.running()).append(" running");
        if (!own) {
            text.append(state == State.OK ? "" : " (outside the thresholds)");
        } else {
            if (state != State.OK) {
                text.append(", expected ").append(f.expect());
            }
        }
        if (state != State.OK && f.running() == 0 && f.exits() == 0) {
            text.append(", not running since before the agent started");
        }
        List<String> more = new ArrayList<>();
        if (f.crashLoop()) {
            state = State.CRITICAL;
            int at = f.reason().indexOf("crash loop");
            more.add(at < 0 ? "crash loop" : f.reason().substring(at));
        }
        long failedAt = f.lastNonZeroExitMillis();
        long ago = (nowMillis - failedAt) / 1000;
        if (failedAt > 0 && ago <= windowSeconds) {
            state = state.worst(State.WARNING);
            more.add(new StringBuilder("non-zero exit ").append(Math.max(0, ago)).append(" s ago: ")
                    .append(f.lastNonZeroExit()).toString());
        }
        if (f.restarts() > 0 && !f.crashLoop()) {
            more.add(new StringBuilder().append(f.restarts()).append(f.restarts() == 1 ? " restart" : " restarts").toString());
        }
        for (String m : more) {
            text.append("; ").append(m);
        }
        List<Perfdata> perf = List.of(
                Perfdata.of("running", f.running(), t, 0L, null),
                Perfdata.counter("exits", f.exits()),
                Perfdata.counter("nonzero_exits", f.nonZeroExits()),
                Perfdata.counter("restarts", f.restarts()));
        String detail = new StringBuilder("agent: ").append(f.state()).append(" since ").append(f.stateSince()).append(" (")
                .append(f.reason()).append(')').toString();
        return new WatchVerdict(state, text.toString(), detail, perf);
    }

    /** {@code TASKWATCH CRITICAL - nginx: 0 running, expected 1:8}, safe for one line. */
    public String statusLine() {
        return StatusText.line(state, text);
    }

    /** The perfdata as after the status line's '|'. */
    public String perfdataText() {
        return StatusText.perfdata(perfdata);
    }

    /** The agent's expectation as a critical range (the same syntax). */
    private static Thresholds expectation(String expect) {
        try {
            return new Thresholds(null, Range.parse(expect));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(new StringBuilder("the agent's expectation '").append(expect)
                    .append("' is not a range: ").append(e.getMessage()).toString(), e);
        }
    }
}
