package org.taskwatch.push;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.taskwatch.kernel.ProcEvent;
import org.taskwatch.monitor.MonitorEvent;
import org.taskwatch.monitor.MonitorListener;
import org.taskwatch.monitor.Redaction;
import org.taskwatch.monitor.ServiceWatch;
import org.taskwatch.monitor.ServiceWatches;
import org.taskwatch.monitor.TaskMonitor;

/**
 * What the declared watches do, as {@link PushMessage}s for every subscribed sink (a
 * {@link PushQueue}'s {@code offer}): each exit of a watched process as it is delivered, each change
 * of a watch's state (seen at an event, or within {@value #TICK_MILLIS} ms by the timer: a count
 * that falls short after a kill, a warning that expires), and per sink a heartbeat with every
 * watch's state repeated.
 *
 * <p>What leaves the host: names, states, statuses. A command line (in the last exit and in the
 * state's reason) only when {@code commandLines} is on, and then through the redaction; else it is
 * cut out.
 *
 * <p>Threading: {@link #onEvent} on the delivery thread (after {@link ServiceWatches} counted the
 * event: it is the monitor's first listener), the rest on {@code taskwatch-push-feed}. Sinks must
 * not wait ({@link PushQueue#offer} does not). {@code lastState} is a concurrent map; the two
 * threads may both see one change, and a state may then be sent twice, never missed.
 */
public final class WatchFeed implements MonitorListener, AutoCloseable {
    static final long TICK_MILLIS = 1000;

    private record Sink(Consumer<PushMessage> sink, long heartbeatNanos, long[] nextBeat) {}

    private final TaskMonitor monitor;
    private final ServiceWatches services;
    private final Redaction redaction;
    private final boolean commandLines;
    private final CopyOnWriteArrayList<Sink> sinks = new CopyOnWriteArrayList<>();
    private final Map<String, ServiceWatch.State> lastState = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;

    /**
     * Listens to {@code monitor} from now on, until {@link #close}.
     *
     * @param commandLines whether messages carry command lines (redacted); off: never
     */
    public WatchFeed(TaskMonitor monitor, Redaction redaction, boolean commandLines) {
        this.monitor = monitor;
        this.services = monitor.services();
        this.redaction = redaction;
        this.commandLines = commandLines;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "taskwatch-push-feed");
            t.setDaemon(true);
            return t;
        });
        monitor.addListener(this);
        timer.scheduleWithFixedDelay(this::tick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Sends every message from now on to {@code sink}, and a heartbeat (with every watch's state)
     * every {@code heartbeatSeconds} (0: none), the first one at once.
     */
    public void subscribe(Consumer<PushMessage> sink, int heartbeatSeconds) {
        sinks.add(new Sink(sink, TimeUnit.SECONDS.toNanos(heartbeatSeconds), new long[] {System.nanoTime()}));
        if (heartbeatSeconds == 0) { // no heartbeat to tell the states: tell them now
            long now = System.currentTimeMillis();
            for (ServiceWatch w : services.all()) {
                sink.accept(new PushMessage(PushMessage.Kind.STATE, w.name(), now, clean(services.snapshot(w)), null));
            }
        }
    }

    // ---- the delivery thread ----

    @Override
    public void onEvent(MonitorEvent e) {
        String[] names = e.watchNames();
        if (names == null || names.length == 0 || sinks.isEmpty()) {
            return;
        }
        for (String name : names) {
            ServiceWatch w = services.get(name);
            if (w == null) {
                continue;
            }
            ServiceWatch.Snapshot s = clean(services.snapshot(w));
            long now = System.currentTimeMillis();
            if (e.event() instanceof ProcEvent.Exit x) {
                String command = e.cmdline() != null && !e.cmdline().isEmpty() ? e.cmdline() : e.comm();
                ServiceWatch.LastExit exit = new ServiceWatch.LastExit(x.tgid(), x.status(), now, command(command));
                publish(new PushMessage(PushMessage.Kind.EXIT, name, now, s, exit));
            }
            stateChange(s, now);
        }
    }

    // ---- the timer ----

    private void tick() {
        try {
            long nanos = System.nanoTime();
            long now = System.currentTimeMillis();
            Set<String> present = new HashSet<>();
            for (ServiceWatch w : services.all()) {
                present.add(w.name());
                stateChange(clean(services.snapshot(w)), now);
            }
            lastState.keySet().retainAll(present); // removed by a reload
            for (Sink k : sinks) {
                if (k.heartbeatNanos() > 0 && nanos - k.nextBeat()[0] >= 0) {
                    k.nextBeat()[0] = nanos + k.heartbeatNanos();
                    k.sink().accept(PushMessage.heartbeat(now));
                    for (ServiceWatch w : services.all()) {
                        k.sink().accept(new PushMessage(PushMessage.Kind.STATE, w.name(), now, clean(services.snapshot(w)), null));
                    }
                }
            }
        } catch (RuntimeException ex) {
            System.err.println("taskwatch: push: " + ex);
        }
    }

    private void stateChange(ServiceWatch.Snapshot s, long now) {
        ServiceWatch.State before = lastState.put(s.name(), s.state());
        if (before != s.state()) {
            publish(new PushMessage(PushMessage.Kind.STATE, s.name(), now, s, null));
        }
    }

    private void publish(PushMessage m) {
        for (Sink k : sinks) {
            k.sink().accept(m);
        }
    }

    // ---- what leaves the host ----

    /** {@code s} with its command lines redacted, or cut out when they are not to be sent. */
    ServiceWatch.Snapshot clean(ServiceWatch.Snapshot s) {
        String reason = s.reason();
        ServiceWatch.LastExit failure = s.lastNonZeroExit();
        if (failure != null && !failure.command().isEmpty()) {
            // ServiceWatch's reason names the last failure's command as " (COMMAND)"
            reason = reason.replace(" (" + failure.command() + ")", commandLines ? " (" + redaction.apply(failure.command()) + ")" : "");
        }
        return new ServiceWatch.Snapshot(s.name(), s.spec(), s.running(), s.pid(), s.starts(), s.exits(), s.nonZeroExits(),
                s.signalExits(), s.restarts(), s.crashLoop(), s.state(), redaction.apply(reason), s.sinceMillis(),
                clean(s.lastExit()), clean(failure), s.startedMillis(), s.unknownExits());
    }

    private ServiceWatch.LastExit clean(ServiceWatch.LastExit x) {
        return x == null ? null : new ServiceWatch.LastExit(x.pid(), x.status(), x.millis(), command(x.command()));
    }

    private String command(String c) {
        return commandLines && c != null ? redaction.apply(c) : "";
    }

    @Override
    public void close() {
        monitor.removeListener(this);
        timer.shutdownNow();
    }
}
