package org.taskwatch.metrics;

import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Locale;
import java.util.function.ToLongFunction;
import org.taskwatch.kernel.EventType;
import org.taskwatch.monitor.Statistics;
import org.taskwatch.monitor.TaskMonitor;

/**
 * The monitor's own numbers (the Monitor MBean's counters), each a callback read at scrape time
 * from {@link Statistics}: events per type, received, delivered and lost, exits with a non-zero
 * status, exits recovered after a loss, and the watches and event source now. The per-type and
 * non-zero counts are every process's, also where the kernel filters (it counts them first,
 * {@code kernelFilter=counted}; with {@code auto}, only those it lets through); received counts
 * what reached the reader.
 */
final class MonitorMetrics {
    private MonitorMetrics() {
    }

    static void register(PrometheusRegistry registry, PrometheusProperties props, TaskMonitor monitor) {
        Statistics st = monitor.statistics();
        counter(registry, props, "taskwatch_events_received", "Events the reader received from the event source (what the kernel filter let through)", st,
                Statistics::received);
        counter(registry, props, "taskwatch_events_delivered", "Events some watch matched, delivered to its clients", st,
                Statistics::delivered);
        counter(registry, props, "taskwatch_events_lost",
                "Events lost (the kernel's socket buffer overran, or the delivery queue was full): exits among them"
                        + " may be missing from every other count", st, Statistics::lost);
        counter(registry, props, "taskwatch_nonzero_exits", "Exits of any process with a non-zero status or a signal",
                st, Statistics::nonZeroExits);
        counter(registry, props, "taskwatch_recovered_exits",
                "Exits of watched processes found gone after a loss, whose events never came", st, Statistics::recoveredExits);
        CounterWithCallback.builder(props).name("taskwatch_events").labelNames("type")
                .help("Events of every process by type (with kernelFilter=auto only those the kernel lets through;"
                        + " thread_create and thread_exit are threads')")
                .callback(cb -> {
                    for (EventType t : EventType.values()) {
                        cb.call(st.count(t), t.name().toLowerCase(Locale.ROOT));
                    }
                }).register(registry);
        GaugeWithCallback.builder(props).name("taskwatch_watches").help("Watches now, clients' and declared")
                .callback(cb -> cb.call(monitor.watchCount())).register(registry);
        GaugeWithCallback.builder(props).name("taskwatch_event_source_degraded")
                .help("1 while the event source is the /proc poller or has stopped (events are missed), else 0")
                .callback(cb -> cb.call(monitor.source().isRunning() && !monitor.source().failed()
                        && !monitor.source().degraded() ? 0 : 1)).register(registry);
    }

    private static void counter(PrometheusRegistry registry, PrometheusProperties props, String name, String help,
            Statistics st, ToLongFunction<Statistics> value) {
        CounterWithCallback.builder(props).name(name).help(help).callback(cb -> cb.call(value.applyAsLong(st)))
                .register(registry);
    }
}
