package org.taskwatch.jmx;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import org.taskwatch.kernel.EventType;
import org.taskwatch.monitor.ServiceWatch;
import org.taskwatch.monitor.ServiceWatches;
import org.taskwatch.monitor.TaskMonitor;
import org.taskwatch.monitor.Watch;

/**
 * Puts a {@link TaskMonitor} into an MBeanServer: {@code org.taskwatch:type=Monitor}, and one
 * {@code org.taskwatch:type=Watch,id=N} per public watch, registered and unregistered with it.
 */
public final class JmxExporter implements TaskMonitor.WatchLifecycleListener, ServiceWatches.Listener, AutoCloseable {
    private static final String EVENTS = "Comma-separated event types: " + EventType.NAMES;
    private static final String OWNED = " Made over a remote JMX connection, it ends when the connection closes or"
            + " fails, unless kept (keep)";
    private static final Map<String, String> DESCRIPTIONS = Map.ofEntries(
            Map.entry("watch", "Watch one process; returns the watch id. Ends by itself after the process's exit."
                    + OWNED),
            Map.entry("watchTree", "Watch a process and all its descendants, alive now and to come; pid 1 watches"
                    + " every process. Returns the watch id." + OWNED),
            Map.entry("watchCommand", "Watch every process whose command (comm, exe path or command line) matches the"
                    + " regex at exec, from now on. Returns the watch id." + OWNED),
            Map.entry("watchUnit", "Watch every process of a systemd unit (nginx.service, session-3.scope,"
                    + " user@1000.service, a slice): its cgroup, wherever it sits, and below it; those in it now and those"
                    + " to come. A process that moves in or out is followed at its next fork or exec, or within "
                    + TaskMonitor.CGROUP_RESCAN_SECONDS + " s. Refused where no process can be in a unit (no cgroups;"
                    + " no systemd and no cgroup of that name). Returns the watch id." + OWNED),
            Map.entry("watchCgroup", "Watch every process in a cgroup (as /proc/PID/cgroup writes it) and below it;"
                    + " those in it now and those to come, followed as for watchUnit. Refused on a machine without"
                    + " cgroups. Returns the watch id." + OWNED),
            Map.entry("unwatch", "End a watch; false when there is no such watch. A declared watch is refused"
                    + " (it ends when removed from the configuration file)"),
            Map.entry("keep", "Keep a watch after its client ends (its remote JMX connection closes or fails, its"
                    + " Jolokia client goes): it stays until unwatched. False when there is no such watch"),
            Map.entry("endWith", "End a watch when the Jolokia notification client ends (unregisters, or expires after"
                    + " jolokia.clientTimeoutSeconds); the client needs a subscription to this MBean. False when there is"
                    + " no such watch"),
            Map.entry("watchState", "A declared watch's processes, counters and state (ok, warning, critical, with"
                    + " the reason), by its name in the configuration file"),
            Map.entry("ConfigStatus", "What the last load or reload (SIGHUP) of the configuration file did, or why"
                    + " it failed (the agent then runs on with the configuration it had)"),
            Map.entry("DeclaredWatches", "The names of the watches declared in the configuration file; each is"
                    + " org.taskwatch:type=Watch,name=NAME"),
            Map.entry("waitForExit", "Block until the process exits or the timeout passes; answers from the cache of"
                    + " recent exits for a process that is already gone"),
            Map.entry("summary", "Counts over the last window for processes whose command matches: running, forks,"
                    + " execs, exits, nonZeroExits, lastExitCode"),
            Map.entry("processStatus", "Whether a process is alive now, and how it ended if its exit is among the"
                    + " recent exits; its cgroup, systemd unit and container"),
            Map.entry("eventCounts", "Forks, execs, exits, non-zero exits and lost events of every process over the"
                    + " last window (1 to 3600 seconds)"),
            Map.entry("health", "ok, degraded or failed, why, the event source, and events lost over the last"
                    + " window (1 to 3600 seconds)"),
            Map.entry("Health", "ok, degraded or failed, with the reason"),
            Map.entry("EventSource", "Where events come from: netlink (the kernel's proc connector)"),
            Map.entry("KernelFilter", "What the kernel filters for this agent before events reach it, and whether it counts every event (kernelFilter)"),
            Map.entry("EventThreads",
                    "How the reader and delivery threads are scheduled: nice -N (priorityBoost), or why they are not boosted"),
            Map.entry("ExitNames", "How command watches name processes gone before their exec could be read:"
                    + " taskstats (while command watches exist), or none and why"),
            Map.entry("WatchCount", "Watches registered now"),
            Map.entry("EventsReceived", "Events the reader received from the kernel since start (what the kernel filter let through)"),
            Map.entry("EventsDelivered", "Events delivered to listeners since start"),
            Map.entry("EventsLost", "Events lost since start (kernel buffer overrun or full handoff)"),
            Map.entry("NotificationsDropped", "Notifications not sent to a listener that fell " + Monitor.LISTENER_BACKLOG
                    + " behind (each listener has its own queue: a slow one never holds up the others)"),
            Map.entry("PushSent", "Messages the push destinations (Zabbix trapper, Icinga...) accepted since start"),
            Map.entry("PushDropped", "Push messages never sent: a queue overflowed while its destination was down,"
                    + " they waited longer than their maximum age, or the agent stopped with them queued"),
            Map.entry("PushRefused", "Push messages a destination answered no to (unknown host or item), not retried;"
                    + " PushStatus has the answer"),
            Map.entry("PushQueued", "Push messages waiting now for their destination"),
            Map.entry("PushOldestWaitSeconds", "How long the oldest push message still waiting has waited, in seconds"
                    + " (the longest of all destinations; 0 while none waits): grows while a destination is down"),
            Map.entry("PushStatus", "One line per push destination: sent, queued, dropped, refused, failed attempts,"
                    + " and the last error with its time and the server's answer"),
            Map.entry("ForkCount", "Process forks seen since start"),
            Map.entry("ExecCount", "Execs seen since start"),
            Map.entry("ExitCount", "Process exits seen since start"),
            Map.entry("NonZeroExitCount", "Process exits with non-zero status or by signal since start"),
            Map.entry("ThreadCreateCount", "Threads created since start"),
            Map.entry("ThreadExitCount", "Threads ended since start"),
            Map.entry("LatencyP50Micros",
                    "Median microseconds from the kernel's timestamp to notification sent, over the last minute (0: none)"),
            Map.entry("LatencyP99Micros",
                    "99th percentile microseconds from the kernel's timestamp to notification sent, over the last minute"),
            Map.entry("Watches", "Every watch: id, kind, target, events, matched, created (epoch milliseconds)"
                    + " and createdIso (the same instant, ISO-8601 UTC)"));
    private static final Map<String, String[]> PARAMETERS = Map.ofEntries(
            Map.entry("watch", new String[] {"pid", "The process id", "events", EVENTS}),
            Map.entry("watchTree", new String[] {"pid", "The root process id (1: every process)", "events", EVENTS}),
            Map.entry("watchCommand", new String[] {"regex", "A Java regex, searched in comm, exe path and command line",
                    "events", EVENTS}),
            Map.entry("watchUnit", new String[] {"unit", "A systemd unit's name with its type: nginx.service,"
                    + " getty@tty1.service, session-3.scope, system.slice", "events", EVENTS}),
            Map.entry("watchCgroup", new String[] {"path", "A cgroup path as /proc/PID/cgroup writes it:"
                    + " /system.slice/nginx.service", "events", EVENTS}),
            Map.entry("unwatch", new String[] {"id", "The watch id"}),
            Map.entry("keep", new String[] {"id", "The watch id"}),
            Map.entry("endWith", new String[] {"id", "The watch id", "jolokiaClient",
                    "The id Jolokia's notification register command returned"}),
            Map.entry("waitForExit", new String[] {"pid", "The process id", "timeoutMillis",
                    "How long to wait, in milliseconds"}),
            Map.entry("summary", new String[] {"commandRegex", "A Java regex, searched in comm, exe path and command line",
                    "windowSeconds", "The window, in seconds"}),
            Map.entry("processStatus", new String[] {"pid", "The process id"}),
            Map.entry("watchState", new String[] {"name", "The declared watch's name"}),
            Map.entry("eventCounts", new String[] {"windowSeconds", "The window, in seconds (1 to 3600)"}),
            Map.entry("health", new String[] {"windowSeconds", "The window for lost events, in seconds (1 to 3600)"}));

    private static final MBeanTexts MONITOR_TEXTS = new MBeanTexts(
            "taskwatch: watches on Linux processes and their fork, exec and exit events", DESCRIPTIONS, PARAMETERS);
    private static final MBeanTexts WATCH_TEXTS = new MBeanTexts("taskwatch: one watch, what it matched, and how its"
            + " process ended", Map.of(
            "Kind", "process, tree, command or all",
            "Target", "The pid, the tree's root pid, the regex, or all",
            "Events", "The event types it delivers",
            "Matched", "Events delivered for it since it began",
            "AbandonedMatches", "Command searches given up because the pattern backtracked too much (counted as no"
                    + " match)",
            "LastEvent", "The last event delivered for it, empty if none",
            "Owner", "The client it ends with (a JMX connection, a Jolokia notification client), empty when it"
                    + " stays until unwatched",
            "ExitCode", "The status its process passed to exit (0-255), 0 when killed by a signal; -1 when the"
                    + " status could not be learned; null while it runs",
            "Signal", "The signal that killed its process, 0 if none; -1 when the status could not be learned;"
                    + " null while it runs",
            "CoreDumped", "Whether its process dumped core; null while it runs"));

    /** How long the MBean of a watch whose process exited stays, by default (its ExitCode is read then). */
    public static final int DEFAULT_ENDED_WATCH_SECONDS = 600;

    private final MBeanServer server;
    private final TaskMonitor monitor;
    private final Monitor adapter;
    private final long endedWatchMillis;
    private final ScheduledExecutorService expiry;

    private JmxExporter(MBeanServer server, TaskMonitor monitor, int endedWatchSeconds) {
        this.server = server;
        this.monitor = monitor;
        this.adapter = new Monitor(monitor);
        this.endedWatchMillis = TimeUnit.SECONDS.toMillis(endedWatchSeconds);
        this.expiry = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "taskwatch-watch-expiry");
            t.setDaemon(true);
            return t;
        });
    }

    /** Registers the Monitor MBean (and the watches to come) in {@code server}. */
    public static JmxExporter export(MBeanServer server, TaskMonitor monitor) throws JMException {
        return export(server, monitor, DEFAULT_ENDED_WATCH_SECONDS);
    }

    /**
     * Registers the Monitor MBean (and the watches to come) in {@code server}; the MBean of a
     * watch whose process exited stays {@code endedWatchSeconds} more, so that pollers (Zabbix,
     * JConsole) can read its {@code ExitCode}.
     */
    public static JmxExporter export(MBeanServer server, TaskMonitor monitor, int endedWatchSeconds)
            throws JMException {
        JmxExporter e = new JmxExporter(server, monitor, endedWatchSeconds);
        server.registerMBean(new DescribedEmitterMBean(e.adapter, MonitorMXBean.class, e.adapter.emitter(),
                MONITOR_TEXTS), JmxNames.monitor());
        monitor.addListener(e.adapter);
        monitor.addWatchLifecycleListener(e);
        for (Watch w : monitor.watches()) {
            e.added(w);
        }
        monitor.services().addListener(e);
        for (ServiceWatch w : monitor.services().all()) {
            e.added(w);
        }
        return e;
    }

    /** Where the Push* attributes read their counters. */
    public void showPushes(java.util.function.Supplier<List<org.taskwatch.push.PushStats>> stats) {
        adapter.pushes(stats);
    }

    @Override
    public void added(Watch watch) {
        if (watch.name() != null) {
            return; // a declared watch's table entry: its MBean is by name
        }
        try {
            server.registerMBean(new DescribedMBean(new WatchView(watch), WatchMXBean.class, WATCH_TEXTS),
                    JmxNames.watch(watch.id()));
        } catch (InstanceAlreadyExistsException ignored) {
            // registered already
        } catch (JMException e) {
            throw new IllegalStateException("cannot register the MBean of " + watch + ": " + e, e);
        }
    }

    @Override
    public void removed(Watch watch) {
        if (watch.name() != null) {
            return; // a declared watch's table entry: it had no id MBean
        }
        if (watch.exitStatus() != null && endedWatchMillis > 0) {
            try {
                expiry.schedule(() -> unregister(watch), endedWatchMillis, TimeUnit.MILLISECONDS);
                return;
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // closing: unregister now
            }
        }
        unregister(watch);
    }

    @Override
    public void added(ServiceWatch w) {
        try {
            server.registerMBean(ServiceWatchView.mbean(monitor.services(), w), JmxNames.watch(w.name()));
        } catch (InstanceAlreadyExistsException ignored) {
            // registered already
        } catch (JMException e) {
            throw new IllegalStateException("cannot register the MBean of " + w + ": " + e, e);
        }
    }

    @Override
    public void removed(ServiceWatch w) {
        try {
            server.unregisterMBean(JmxNames.watch(w.name()));
        } catch (InstanceNotFoundException ignored) {
            // gone already
        } catch (JMException e) {
            throw new IllegalStateException("cannot unregister the MBean of " + w + ": " + e, e);
        }
    }

    private void unregister(Watch watch) {
        try {
            server.unregisterMBean(JmxNames.watch(watch.id()));
        } catch (InstanceNotFoundException ignored) {
            // gone already
        } catch (JMException e) {
            throw new IllegalStateException("cannot unregister the MBean of " + watch + ": " + e, e);
        }
    }

    /** The handbacks of the listeners registered on the Monitor MBean now (one per Jolokia subscription among them). */
    public List<Object> notificationHandbacks() {
        return adapter.emitter().handbacks();
    }

    @Override
    public void close() {
        expiry.shutdownNow();
        monitor.removeListener(adapter);
        try {
            server.unregisterMBean(JmxNames.monitor());
        } catch (JMException ignored) {
            // not registered
        }
        for (Watch w : monitor.watches()) {
            unregister(w);
        }
        try {
            for (javax.management.ObjectName n : server.queryNames(JmxNames.of("org.taskwatch:type=Watch,*"), null)) {
                server.unregisterMBean(n); // ended watches still shown
            }
        } catch (JMException ignored) {
            // gone already
        }
    }
}
