package org.taskwatch.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.List;
import org.taskwatch.monitor.ServiceWatch;
import org.taskwatch.monitor.ServiceWatches;

/**
 * The declared watches as Prometheus metrics, read at scrape time: one {@link
 * ServiceWatch.Snapshot} per watch per scrape, so the numbers of one watch in one scrape agree
 * with each other. The counters are the watch's own counts, which every exit and start moves as
 * it happens: a process that exits and is restarted between two scrapes still shows in {@code
 * exits} and {@code restarts}, however long the scrape interval.
 *
 * <p>Labels are bounded: {@code watch} (the names in the configuration file) and {@code status}
 * (four classes); never a pid or a command line. A watch removed by a reload disappears from the
 * output; one whose declaration changed starts its counters again at 0 (a counter reset, which
 * {@code rate} and {@code increase} handle).
 *
 * <p>Threading: {@link #collect} runs on the HTTP server's threads; the snapshots are taken under
 * each watch's own lock.
 */
final class WatchMetrics implements MultiCollector {
    static final String RUNNING = "taskwatch_watch_running";
    static final String STARTS = "taskwatch_watch_starts";
    static final String EXITS = "taskwatch_watch_exits";
    static final String RESTARTS = "taskwatch_watch_restarts";
    static final String STATE = "taskwatch_watch_state";
    static final String CRASH_LOOP = "taskwatch_watch_crash_loop";

    /** The status classes of {@code taskwatch_watch_exits}: each exit counts in exactly one. */
    static final List<String> STATUS_CLASSES = List.of("ok", "nonzero", "signal", "unknown");

    private final ServiceWatches services;

    WatchMetrics(ServiceWatches services) {
        this.services = services;
    }

    @Override
    public MetricSnapshots collect() {
        CounterSnapshot.Builder starts = CounterSnapshot.builder().name(STARTS)
                .help("Processes that joined the declared watch (a start), since the agent started or the watch was declared");
        CounterSnapshot.Builder exits = CounterSnapshot.builder().name(EXITS)
                .help("Exits of the declared watch's processes by status: ok (exit 0), nonzero (exit 1-255),"
                        + " signal (killed by a signal), unknown (status lost with the events)");
        CounterSnapshot.Builder restarts = CounterSnapshot.builder().name(RESTARTS)
                .help("Starts within the watch's restartWithinSeconds of an exit");
        GaugeSnapshot.Builder running = GaugeSnapshot.builder().name(RUNNING)
                .help("Processes of the declared watch running now");
        GaugeSnapshot.Builder state = GaugeSnapshot.builder().name(STATE)
                .help("The declared watch's state as monitoring plugins grade it: 0 ok, 1 warning, 2 critical");
        GaugeSnapshot.Builder crashLoop = GaugeSnapshot.builder().name(CRASH_LOOP)
                .help("1 while the declared watch crash-loops (crashLoopRestarts restarts within crashLoopWindowSeconds), else 0");
        for (ServiceWatch w : services.all()) {
            ServiceWatch.Snapshot s = services.snapshot(w);
            Labels watch = Labels.of("watch", s.name());
            starts.dataPoint(counter(watch, s.starts()));
            restarts.dataPoint(counter(watch, s.restarts()));
            // the classes partition the exits: non-zero counts signal deaths too, and unknown ones in neither
            long[] byClass = {s.exits() - s.nonZeroExits() - s.unknownExits(), s.nonZeroExits() - s.signalExits(),
                    s.signalExits(), s.unknownExits()};
            for (int i = 0; i < byClass.length; i++) {
                exits.dataPoint(counter(watch.add("status", STATUS_CLASSES.get(i)), byClass[i]));
            }
            running.dataPoint(gauge(watch, s.running()));
            state.dataPoint(gauge(watch, s.state().ordinal()));
            crashLoop.dataPoint(gauge(watch, s.crashLoop() ? 1 : 0));
        }
        return MetricSnapshots.of(running.build(), starts.build(), exits.build(), restarts.build(), state.build(),
                crashLoop.build());
    }

    private static CounterDataPointSnapshot counter(Labels labels, long value) {
        return CounterDataPointSnapshot.builder().labels(labels).value(value).build();
    }

    private static GaugeDataPointSnapshot gauge(Labels labels, double value) {
        return GaugeDataPointSnapshot.builder().labels(labels).value(value).build();
    }
}
