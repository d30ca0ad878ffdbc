package org.taskwatch.jmx;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ImmutableDescriptor;
import javax.management.MBeanNotificationInfo;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.OpenDataException;
import javax.management.openmbean.TabularData;
import javax.management.openmbean.TabularDataSupport;
import org.taskwatch.kernel.EventType;
import org.taskwatch.kernel.ExitStatus;
import org.taskwatch.monitor.MonitorEvent;
import org.taskwatch.monitor.MonitorListener;
import org.taskwatch.monitor.Statistics;
import org.taskwatch.monitor.TaskMonitor;
import org.taskwatch.monitor.Watch;
import org.taskwatch.monitor.WatchOwners;

/**
 * The {@link MonitorMXBean} over a {@link TaskMonitor}, and the source of its notifications:
 * one per delivered event, numbered with unique increasing sequence numbers. Called by JMX
 * threads (operations, attributes) and by the monitor's delivery thread (notifications).
 */
final class Monitor implements MonitorMXBean, MonitorListener {
    static final String NAME = "org.taskwatch:type=Monitor";
    /** The type of the notification that says events were lost. */
    static final String LOST = "taskwatch.monitor.lost";

    private final TaskMonitor monitor;
    /** How far one listener may fall behind before its notifications are dropped for it. */
    static final int LISTENER_BACKLOG = 10_000;

    private final IsolatingBroadcaster emitter;
    private final ObjectName name;
    private final AtomicLong sequence = new AtomicLong();
    /** The push destinations' counters (set once the agent has made them; none before). */
    private volatile java.util.function.Supplier<java.util.List<org.taskwatch.push.PushStats>> pushes = java.util.List::of;

    Monitor(TaskMonitor monitor) {
        this.monitor = monitor;
        this.emitter = new IsolatingBroadcaster(LISTENER_BACKLOG, notificationInfo());
        this.name = JmxNames.of(NAME);
    }

    IsolatingBroadcaster emitter() {
        return emitter;
    }

    /**
     * One entry for the one notification class, naming every type (the JDK's MBeans do the same):
     * MBeanNotificationInfo's name is the notification's class, and clients key their lists on
     * it (Jolokia's {@code list} keeps one entry per name), so one entry per type would show as one.
     * What each type means is in the description (what Jolokia shows) and, one row per type, in
     * the descriptor (what JConsole shows as a table).
     */
    static MBeanNotificationInfo[] notificationInfo() {
        EventType[] kinds = EventType.values();
        String[] types = new String[kinds.length + 1];
        String[] meanings = new String[kinds.length + 1];
        for (int i = 0; i < kinds.length; i++) {
            types[i] = OpenTypes.notificationType(kinds[i]);
            meanings[i] = describe(kinds[i]);
        }
        types[kinds.length] = LOST;
        meanings[kinds.length] = "events were lost before delivery (kernel buffer overrun or full handoff),"
                + " userData.lost says how many";
        StringBuilder description = new StringBuilder("Events of watched processes, and loss; one type each:");
        for (int i = 0; i < types.length; i++) {
            description.append(i == 0 ? " " : "; ").append(types[i]).append(": ").append(meanings[i]);
        }
        return new MBeanNotificationInfo[] {new MBeanNotificationInfo(types, Notification.class.getName(),
                description.toString(), new ImmutableDescriptor(types, meanings))};
    }

    private static String describe(EventType t) {
        switch (t) {
            case FORK: return "a watched process forked a new process (userData.childPid)";
            case EXEC: return "a watched process executed a new program";
            case EXIT: return "a watched process exited (userData.exitCode, signal, coreDumped)";
            case THREAD_CREATE: return "a watched process created a thread";
            case THREAD_EXIT: return "a thread of a watched process ended";
            case COMM: return "a watched process changed its name (userData.comm)";
            case UID: return "a watched process changed its user id";
            case GID: return "a watched process changed its group id";
            case SID: return "a watched process started a new session";
            case PTRACE: return "a watched process was attached to or detached from a tracer";
            default: return "a watched process dumped core";
        }
    }

    // ---- notifications (delivery thread) ----

    @Override
    public void onEvent(MonitorEvent event) {
        Notification n = new Notification(OpenTypes.notificationType(event.event().type()), name,
                sequence.incrementAndGet(), System.currentTimeMillis(), message(event));
        n.setUserData(OpenTypes.event(event));
        emitter.sendNotification(n);
    }

    /** Sending puts the notification in each listener's mailbox (IsolatingBroadcaster): it never waits. */
    @Override
    public boolean direct() {
        return true;
    }

    @Override
    public void onLost(long count, String cause) {
        Notification n = new Notification(LOST, name, sequence.incrementAndGet(),
                System.currentTimeMillis(), count + " events lost (" + cause + ")");
        n.setUserData(OpenTypes.lost(count, cause));
        emitter.sendNotification(n);
    }

    private static String message(MonitorEvent me) {
        String cmd = me.comm() == null ? "" : " (" + me.comm() + ")";
        String unit = me.cgroup().unit().isEmpty() ? "" : " in " + me.cgroup().unit();
        return me.event().describe() + cmd + unit;
    }

    // ---- operations ----

    @Override
    public long watch(int pid, String events) {
        return owned(monitor.watch(pid, events));
    }

    @Override
    public long watchTree(int pid, String events) {
        return owned(monitor.watchTree(pid, events));
    }

    @Override
    public long watchCommand(String regex, String events) {
        return owned(monitor.watchCommand(regex, events));
    }

    @Override
    public long watchUnit(String unit, String events) {
        return owned(monitor.watchUnit(unit, events));
    }

    @Override
    public long watchCgroup(String path, String events) {
        return owned(monitor.watchCgroup(path, events));
    }

    /** A watch made over a remote JMX connection ends with it; one made in-process or over Jolokia stays. */
    private long owned(Watch w) {
        String connection = ConnectionPrincipal.current();
        if (connection != null) {
            monitor.owners().claim(w, new WatchOwners.Owner(WatchOwners.JMX, connection));
        }
        return w.id();
    }

    @Override
    public boolean keep(long id) {
        return monitor.owners().keep(id);
    }

    @Override
    public boolean endWith(long id, String jolokiaClient) {
        if (jolokiaClient == null || jolokiaClient.isBlank()) {
            throw new IllegalArgumentException("jolokiaClient: the id Jolokia's notification register gave, got '"
                    + jolokiaClient + "'");
        }
        return monitor.owners().handOver(id, new WatchOwners.Owner(WatchOwners.JOLOKIA, jolokiaClient));
    }

    @Override
    public boolean unwatch(long id) {
        return monitor.unwatch(id);
    }

    @Override
    public CompositeData waitForExit(int pid, long timeoutMillis) throws InterruptedException {
        TaskMonitor.WaitResult r = monitor.waitForExit(pid, timeoutMillis);
        Map<String, Object> v = new LinkedHashMap<>();
        ExitStatus s = r.status();
        v.put("pid", pid);
        v.put("exited", r.exited());
        v.put("exitCode", s == null ? 0 : s.exitCode());
        v.put("signal", s == null ? 0 : s.signal());
        v.put("coreDumped", s != null && s.coreDumped());
        v.put("timestampNanos", r.timestampNanos());
        v.put("exitStatusKnown", s != null && s.known());
        return composite(OpenTypes.WAIT_RESULT, v);
    }

    @Override
    public CompositeData summary(String commandRegex, int windowSeconds) {
        TaskMonitor.Summary s = monitor.summary(commandRegex, windowSeconds);
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("running", s.running());
        v.put("forks", s.forks());
        v.put("execs", s.execs());
        v.put("exits", s.exits());
        v.put("nonZeroExits", s.nonZeroExits());
        v.put("lastExitCode", s.lastExitCode());
        v.put("coveredSeconds", s.coveredSeconds());
        return composite(OpenTypes.SUMMARY, v);
    }

    @Override
    public CompositeData processStatus(int pid) {
        TaskMonitor.ProcessStatus p = monitor.processStatus(pid);
        Map<String, Object> v = new LinkedHashMap<>();
        ExitStatus s = p.status();
        v.put("pid", pid);
        v.put("alive", p.alive());
        v.put("exitKnown", p.exitKnown() && s != null && s.known());
        v.put("exitCode", s == null ? 0 : s.exitCode());
        v.put("signal", s == null ? 0 : s.signal());
        v.put("coreDumped", s != null && s.coreDumped());
        v.put("timestampNanos", p.timestampNanos());
        v.put("comm", p.comm());
        v.put("cgroup", p.cgroup().path());
        v.put("unit", p.cgroup().unit());
        v.put("container", p.cgroup().container());
        return composite(OpenTypes.PROCESS_STATUS, v);
    }

    @Override
    public CompositeData eventCounts(int windowSeconds) {
        Statistics.WindowCounts c = monitor.eventCounts(windowSeconds);
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("forks", c.forks());
        v.put("execs", c.execs());
        v.put("exits", c.exits());
        v.put("nonZeroExits", c.nonZeroExits());
        v.put("lost", c.lost());
        v.put("coveredSeconds", c.coveredSeconds());
        return composite(OpenTypes.EVENT_COUNTS, v);
    }

    @Override
    public CompositeData health(int windowSeconds) {
        TaskMonitor.Health h = monitor.health(windowSeconds);
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("state", h.state().name().toLowerCase(java.util.Locale.ROOT));
        v.put("reason", h.reason());
        v.put("eventSource", h.eventSource());
        v.put("lostInWindow", h.lostInWindow());
        v.put("lostTotal", h.lostTotal());
        v.put("coveredSeconds", h.coveredSeconds());
        return composite(OpenTypes.HEALTH, v);
    }

    @Override
    public CompositeData watchState(String name) {
        org.taskwatch.monitor.ServiceWatch w = monitor.services().get(name == null ? "" : name);
        if (w == null) {
            throw new IllegalArgumentException("no watch named '" + name + "' is declared" + declaredList());
        }
        return ServiceWatchView.composite(monitor.services(), w);
    }

    private String declaredList() {
        String[] names = getDeclaredWatches();
        return names.length == 0 ? " (the agent's configuration declares none)"
                : " (declared: " + String.join(", ", names) + ")";
    }

    private static CompositeData composite(javax.management.openmbean.CompositeType type, Map<String, Object> v) {
        try {
            return new CompositeDataSupport(type, v);
        } catch (OpenDataException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- attributes ----

    private Statistics stats() {
        return monitor.statistics();
    }

    @Override public String getEventSource() { return monitor.eventSource(); }
    @Override public String getKernelFilter() { return monitor.kernelFilter(); }
    @Override public String getEventThreads() { return monitor.priority(); }
    @Override public String getExitNames() { return monitor.exitNames(); }

    @Override
    public String getHealth() {
        TaskMonitor.Health h = monitor.health(60);
        String state = h.state().name().toLowerCase(java.util.Locale.ROOT);
        return h.reason().isEmpty() ? state : state + ": " + h.reason();
    }

    @Override public String getConfigStatus() { return monitor.services().configStatus(); }

    @Override
    public String[] getDeclaredWatches() {
        return monitor.services().all().stream().map(org.taskwatch.monitor.ServiceWatch::name).toArray(String[]::new);
    }

    @Override public int getWatchCount() { return monitor.watchCount(); }
    @Override public long getEventsReceived() { return stats().received(); }
    @Override public long getEventsDelivered() { return stats().delivered(); }
    @Override public long getEventsLost() { return stats().lost(); }
    @Override public long getNotificationsDropped() { return emitter.dropped(); }
    @Override public long getPushSent() { return pushes.get().stream().mapToLong(org.taskwatch.push.PushStats::sent).sum(); }
    @Override public long getPushDropped() { return pushes.get().stream().mapToLong(org.taskwatch.push.PushStats::dropped).sum(); }
    @Override public long getPushRefused() { return pushes.get().stream().mapToLong(org.taskwatch.push.PushStats::refused).sum(); }
    @Override public int getPushQueued() { return pushes.get().stream().mapToInt(org.taskwatch.push.PushStats::queued).sum(); }
    @Override public int getPushOldestWaitSeconds() {
        return pushes.get().stream().mapToInt(org.taskwatch.push.PushStats::oldestWaitSeconds).max().orElse(0);
    }
    @Override public String getPushStatus() { return String.join("\n", org.taskwatch.push.Pushes.describe(pushes.get())); }

    void pushes(java.util.function.Supplier<java.util.List<org.taskwatch.push.PushStats>> stats) {
        pushes = stats;
    }
    @Override public long getForkCount() { return stats().count(EventType.FORK); }
    @Override public long getExecCount() { return stats().count(EventType.EXEC); }
    @Override public long getExitCount() { return stats().count(EventType.EXIT); }
    @Override public long getNonZeroExitCount() { return stats().nonZeroExits(); }
    @Override public long getThreadCreateCount() { return stats().count(EventType.THREAD_CREATE); }
    @Override public long getThreadExitCount() { return stats().count(EventType.THREAD_EXIT); }
    @Override public long getLatencyP50Micros() { return stats().latencyP50Micros(); }
    @Override public long getLatencyP99Micros() { return stats().latencyP99Micros(); }

    @Override
    public TabularData getWatches() {
        TabularDataSupport t = new TabularDataSupport(OpenTypes.WATCHES);
        for (Watch w : monitor.watches()) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("id", w.id());
            v.put("kind", w.kind().name().toLowerCase(java.util.Locale.ROOT));
            v.put("target", w.target());
            v.put("events", w.events());
            v.put("matched", w.matched());
            v.put("created", w.createdMillis());
            v.put("createdIso", Instant.ofEpochMilli(w.createdMillis()).toString());
            t.put(composite(OpenTypes.WATCH_ROW, v));
        }
        return t;
    }
}
