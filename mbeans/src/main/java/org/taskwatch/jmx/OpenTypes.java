package org.taskwatch.jmx;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.management.openmbean.ArrayType;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenDataException;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;
import javax.management.openmbean.TabularType;
import org.taskwatch.kernel.EventType;
import org.taskwatch.kernel.ProcEvent;
import org.taskwatch.monitor.MonitorEvent;

/**
 * The open types of everything taskwatch sends over JMX, so JConsole, VisualVM and Jolokia show
 * them expanded without taskwatch classes: one {@link CompositeType} per notification type, and
 * the results of {@code waitForExit}, {@code summary} and {@code Watches}.
 */
final class OpenTypes {
    static final ArrayType<long[]> LONG_ARRAY = ArrayType.getPrimitiveArrayType(long[].class);
    static final ArrayType<String[]> STRING_ARRAY;
    static final CompositeType WATCH_STATE;
    static final CompositeType WAIT_RESULT;
    static final CompositeType SUMMARY;
    static final CompositeType PROCESS_STATUS;
    static final CompositeType EVENT_COUNTS;
    static final CompositeType HEALTH;
    static final CompositeType WATCH_ROW;
    static final TabularType WATCHES;
    static final CompositeType LOST;
    private static final Map<EventType, CompositeType> EVENTS = new EnumMap<>(EventType.class);
    private static final Map<EventType, String[]> EVENT_NAMES = new EnumMap<>(EventType.class);
    private static final String[] LOST_NAMES;

    static {
        try {
            STRING_ARRAY = ArrayType.getArrayType(SimpleType.STRING);
            WATCH_STATE = type("DeclaredWatchState", "A declared watch: its processes, counters and state", items(
                    "name", SimpleType.STRING, "the watch's name in the configuration file",
                    "match", SimpleType.STRING, "what it follows: command:REGEX, pidfile:PATH, pid:N or tree:PID",
                    "expect", SimpleType.STRING, "running processes expected (range, e.g. 1:8)",
                    "running", SimpleType.INTEGER, "its processes running now",
                    "runningVsExpected", SimpleType.INTEGER, "-1 fewer than expected, 0 as expected, 1 more",
                    "pid", SimpleType.INTEGER, "the pid followed (pidfile, pid, tree; 0: none yet, and always for command)",
                    "starts", SimpleType.LONG, "starts since the agent started: matching execs, or new pids in the pid file",
                    "exits", SimpleType.LONG, "exits of its processes since the agent started",
                    "nonZeroExits", SimpleType.LONG, "exits with a non-zero status or by a signal",
                    "signalExits", SimpleType.LONG, "exits by a signal",
                    "restarts", SimpleType.LONG, "starts within restartWithinSeconds after an exit",
                    "crashLoop", SimpleType.BOOLEAN, "crashLoopRestarts restarts within crashLoopWindowSeconds",
                    "state", SimpleType.STRING, "ok, warning or critical",
                    "stateCode", SimpleType.INTEGER, "0 ok, 1 warning, 2 critical (as monitoring plugins exit)",
                    "reason", SimpleType.STRING, "why it is in that state",
                    "stateSince", SimpleType.STRING, "when it entered that state (ISO-8601, UTC)",
                    "stateSinceMillis", SimpleType.LONG, "the same, milliseconds since the epoch",
                    "lastExit", SimpleType.STRING, "the last exit in words (pid, status, command), empty before one",
                    "lastExitPid", SimpleType.INTEGER, "its pid, 0 before one",
                    "lastExitCode", SimpleType.INTEGER, "the status passed to exit (0-255), 0 when killed; -1 before"
                            + " an exit or when unknown",
                    "lastExitSignal", SimpleType.INTEGER, "the signal that killed it, 0 if none",
                    "lastExitCoreDumped", SimpleType.BOOLEAN, "whether it dumped core",
                    "lastExitMillis", SimpleType.LONG, "when, milliseconds since the epoch, 0 before one",
                    "lastNonZeroExit", SimpleType.STRING, "the last exit with a non-zero status or by a signal, in words;"
                            + " empty before one",
                    "lastNonZeroExitMillis", SimpleType.LONG, "when, milliseconds since the epoch, 0 before one"));
            WAIT_RESULT = type("WaitForExitResult", "How a waited-for process ended", items(
                    "pid", SimpleType.INTEGER, "the process id",
                    "exited", SimpleType.BOOLEAN, "false when the wait timed out",
                    "exitCode", SimpleType.INTEGER, "the status passed to exit (0-255), 0 when killed",
                    "signal", SimpleType.INTEGER, "the signal that killed it, 0 if none",
                    "coreDumped", SimpleType.BOOLEAN, "whether it dumped core",
                    "timestampNanos", SimpleType.LONG, "kernel CLOCK_MONOTONIC time of the exit",
                    "exitStatusKnown", SimpleType.BOOLEAN, "false when the event source could not learn the status"
                            + " (exitCode and signal are then -1)"));
            SUMMARY = type("CommandSummary", "Counts for processes matching a command pattern", items(
                    "running", SimpleType.INTEGER, "matching processes alive now",
                    "forks", SimpleType.LONG, "forks by matching processes in the window",
                    "execs", SimpleType.LONG, "execs into a matching command in the window",
                    "exits", SimpleType.LONG, "exits of matching processes in the window",
                    "nonZeroExits", SimpleType.LONG, "exits with non-zero status or by signal in the window",
                    "lastExitCode", SimpleType.INTEGER, "status of the last exit in the window (128+N for signal N), -1 if none",
                    "coveredSeconds", SimpleType.LONG, "how much of the window the history covers"));
            PROCESS_STATUS = type("ProcessStatus", "Whether a process is alive, and how it ended", items(
                    "pid", SimpleType.INTEGER, "the process id",
                    "alive", SimpleType.BOOLEAN, "whether it runs now (a zombie has ended)",
                    "exitKnown", SimpleType.BOOLEAN, "whether its exit is among the recent exits",
                    "exitCode", SimpleType.INTEGER, "the status passed to exit (0-255), 0 when killed or unknown",
                    "signal", SimpleType.INTEGER, "the signal that killed it, 0 if none or unknown",
                    "coreDumped", SimpleType.BOOLEAN, "whether it dumped core",
                    "timestampNanos", SimpleType.LONG, "kernel CLOCK_MONOTONIC time of the exit, 0 if unknown",
                    "comm", SimpleType.STRING, "its name while alive, empty otherwise",
                    "cgroup", SimpleType.STRING, "its cgroup (v2 path; v1 name=systemd where that is all there is): now"
                            + " while alive, at its exit for an exit that was delivered; empty when unknown",
                    "unit", SimpleType.STRING, "the systemd unit its cgroup names (nginx.service), empty if none",
                    "container", SimpleType.STRING, "the container id its cgroup shows (Docker, Podman, CRI-O,"
                            + " containerd), empty if none"));
            EVENT_COUNTS = type("EventCounts", "Events of every process over a window", items(
                    "forks", SimpleType.LONG, "process forks in the window",
                    "execs", SimpleType.LONG, "execs in the window",
                    "exits", SimpleType.LONG, "process exits in the window",
                    "nonZeroExits", SimpleType.LONG, "exits with non-zero status or by signal in the window",
                    "lost", SimpleType.LONG, "events lost in the window",
                    "coveredSeconds", SimpleType.LONG, "how much of the window the monitor ran: rate = count / this"));
            HEALTH = type("Health", "The monitor's condition", items(
                    "state", SimpleType.STRING, "ok, degraded (working, but missing things) or failed",
                    "reason", SimpleType.STRING, "why it is not ok, empty when ok",
                    "eventSource", SimpleType.STRING, "netlink or the fallback's name",
                    "lostInWindow", SimpleType.LONG, "events lost in the window",
                    "lostTotal", SimpleType.LONG, "events lost since the start",
                    "coveredSeconds", SimpleType.LONG, "how much of the window the monitor ran"));
            WATCH_ROW = type("Watch", "One watch", items(
                    "id", SimpleType.LONG, "watch id",
                    "kind", SimpleType.STRING, "process, tree, command, all or cgroup",
                    "target", SimpleType.STRING, "the pid, tree root, regex, unit:NAME, cgroup:PATH, or all",
                    "events", SimpleType.STRING, "event types",
                    "matched", SimpleType.LONG, "events delivered",
                    "created", SimpleType.LONG, "creation time, milliseconds since the epoch",
                    "createdIso", SimpleType.STRING, "creation time, ISO-8601 UTC (the same instant as created)"));
            WATCHES = new TabularType("Watches", "Every watch", WATCH_ROW, new String[] {"id"});
            LOST = type(Monitor.LOST, "Events lost", items(
                    "pid", SimpleType.INTEGER, "always 0: loss is not about one process",
                    "tgid", SimpleType.INTEGER, "always 0",
                    "ppid", SimpleType.INTEGER, "always 0",
                    "timestampNanos", SimpleType.LONG, "CLOCK_MONOTONIC time of the notice",
                    "cpu", SimpleType.INTEGER, "always -1",
                    "watchIds", LONG_ARRAY, "empty: every watch may have missed events",
                    "watchNames", STRING_ARRAY, "empty",
                    "lost", SimpleType.LONG, "events lost since the previous notice",
                    "cause", SimpleType.STRING, "socket buffer, sequence gap, overrun or handoff"));
            LOST_NAMES = EventData.namesOf(LOST);
            for (EventType t : EventType.values()) {
                EVENTS.put(t, eventType(t));
                EVENT_NAMES.put(t, EventData.namesOf(EVENTS.get(t)));
            }
        } catch (OpenDataException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private OpenTypes() {}

    static String notificationType(EventType t) {
        switch (t) {
            case THREAD_CREATE: return "taskwatch.thread.create";
            case THREAD_EXIT: return "taskwatch.thread.exit";
            default: return "taskwatch.process." + t.listName();
        }
    }

    static CompositeType eventType(EventType t) throws OpenDataException {
        List<Object> it = new ArrayList<>(items(
                "pid", SimpleType.INTEGER, "the task (thread id); for a fork the process that forked",
                "tgid", SimpleType.INTEGER, "the process id",
                "ppid", SimpleType.INTEGER, "the parent process id, 0 if unknown",
                "timestampNanos", SimpleType.LONG, "kernel CLOCK_MONOTONIC time of the event",
                "cpu", SimpleType.INTEGER, "the CPU that reported it",
                "watchIds", LONG_ARRAY, "the watches that matched",
                "watchNames", STRING_ARRAY, "the declared watches among them, by name (empty: none)",
                "comm", SimpleType.STRING, "the process's comm (empty if it was already gone)",
                "cmdline", SimpleType.STRING, "its command line (empty if unknown)",
                "exe", SimpleType.STRING, "its executable path (empty if unknown)",
                "cgroup", SimpleType.STRING, "its cgroup (v2 path; v1 name=systemd where that is all there is), read at"
                        + " its exec and inherited at fork; empty if unknown",
                "unit", SimpleType.STRING, "the systemd unit its cgroup names (nginx.service, session-3.scope), empty"
                        + " if none",
                "container", SimpleType.STRING, "the container id its cgroup shows (Docker, Podman, CRI-O, containerd),"
                        + " empty if none",
                "cgroupFromParent", SimpleType.BOOLEAN, "true when the process was gone before its cgroup could be"
                        + " read at its exec: cgroup is its parent's, which the kernel gave it at the fork"));
        switch (t) {
            case FORK:
                it.addAll(items("childPid", SimpleType.INTEGER, "the new process's pid",
                        "childTgid", SimpleType.INTEGER, "the new process's tgid"));
                break;
            case EXIT:
            case THREAD_EXIT:
                it.addAll(items("exitCode", SimpleType.INTEGER, "the status passed to exit, 0-255",
                        "signal", SimpleType.INTEGER, "the signal that killed it, 0 if none",
                        "coreDumped", SimpleType.BOOLEAN, "whether it dumped core",
                        "exitStatusKnown", SimpleType.BOOLEAN, "false when the event source could not learn the status"
                                + " (exitCode and signal are then -1)"));
                if (t == EventType.EXIT) {
                    it.addAll(items("recovered", SimpleType.BOOLEAN, "true when the exit was found after events were"
                            + " lost (its own event never came): timestamp is when it was found"));
                }
                break;
            case UID:
            case GID:
                it.addAll(items("realId", SimpleType.INTEGER, "the new real id",
                        "effectiveId", SimpleType.INTEGER, "the new effective id"));
                break;
            case PTRACE:
                it.addAll(items("tracerPid", SimpleType.INTEGER, "the tracer's pid (0: detached)",
                        "tracerTgid", SimpleType.INTEGER, "the tracer's tgid"));
                break;
            default:
                break;
        }
        return type(notificationType(t), "A " + notificationType(t) + " event", it);
    }

    /** A notification's userData: the values in an array ({@link EventData}), not a tree map per event. */
    static CompositeData event(MonitorEvent me) {
        ProcEvent e = me.event();
        EventData.Builder v = new EventData.Builder(EVENTS.get(e.type()), EVENT_NAMES.get(e.type()));
        v.put("pid", e.pid());
        v.put("tgid", e.tgid());
        v.put("ppid", me.ppid());
        v.put("timestampNanos", e.timestampNanos());
        v.put("cpu", e.cpu());
        v.put("watchIds", me.watchIds());
        v.put("watchNames", me.watchNames());
        v.put("comm", orEmpty(me.comm()));
        v.put("cmdline", orEmpty(me.cmdline()));
        v.put("exe", orEmpty(me.exe()));
        v.put("cgroup", me.cgroup().path());
        v.put("unit", me.cgroup().unit());
        v.put("container", me.cgroup().container());
        v.put("cgroupFromParent", me.cgroupFromParent());
        if (e instanceof ProcEvent.Fork f) {
            v.put("childPid", f.childPid());
            v.put("childTgid", f.childTgid());
        } else if (e instanceof ProcEvent.Exit x) {
            putStatus(v, x.status());
            v.put("recovered", me.recovered());
        } else if (e instanceof ProcEvent.ThreadExit x) {
            putStatus(v, x.status());
        } else if (e instanceof ProcEvent.Uid u) {
            v.put("realId", u.ruid());
            v.put("effectiveId", u.euid());
        } else if (e instanceof ProcEvent.Gid g) {
            v.put("realId", g.rgid());
            v.put("effectiveId", g.egid());
        } else if (e instanceof ProcEvent.Ptrace p) {
            v.put("tracerPid", p.tracerPid());
            v.put("tracerTgid", p.tracerTgid());
        } else if (e instanceof ProcEvent.Comm c) {
            v.put("comm", c.comm()); // the new name, from the event itself
        }
        return v.build();
    }

    static CompositeData lost(long count, String cause) {
        return new EventData.Builder(LOST, LOST_NAMES)
                .put("pid", 0)
                .put("tgid", 0)
                .put("ppid", 0)
                .put("timestampNanos", System.nanoTime())
                .put("cpu", -1)
                .put("watchIds", new long[0])
                .put("watchNames", new String[0])
                .put("lost", count)
                .put("cause", cause)
                .build();
    }

    static Map<String, Object> watchState(org.taskwatch.monitor.ServiceWatch.Snapshot s) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("name", s.name());
        v.put("match", s.spec().match());
        v.put("expect", s.spec().expect().toString());
        v.put("running", s.running());
        v.put("runningVsExpected", s.spec().expect().compare(s.running()));
        v.put("pid", s.pid());
        v.put("starts", s.starts());
        v.put("exits", s.exits());
        v.put("nonZeroExits", s.nonZeroExits());
        v.put("signalExits", s.signalExits());
        v.put("restarts", s.restarts());
        v.put("crashLoop", s.crashLoop());
        v.put("state", s.state().name().toLowerCase(java.util.Locale.ROOT));
        v.put("stateCode", s.state().ordinal());
        v.put("reason", s.reason());
        v.put("stateSince", s.sinceIso());
        v.put("stateSinceMillis", s.sinceMillis());
        org.taskwatch.monitor.ServiceWatch.LastExit x = s.lastExit();
        v.put("lastExit", describe(x));
        v.put("lastExitPid", x == null ? 0 : x.pid());
        v.put("lastExitCode", x == null ? -1 : x.status().exitCode());
        v.put("lastExitSignal", x == null ? 0 : Math.max(0, x.status().signal()));
        v.put("lastExitCoreDumped", x != null && x.status().coreDumped());
        v.put("lastExitMillis", x == null ? 0L : x.millis());
        v.put("lastNonZeroExit", describe(s.lastNonZeroExit()));
        v.put("lastNonZeroExitMillis", s.lastNonZeroExit() == null ? 0L : s.lastNonZeroExit().millis());
        return v;
    }

    /** "pid 123 exit 3 at 2026-...Z (/bin/sh crasher.sh)", or "" for none. */
    private static String describe(org.taskwatch.monitor.ServiceWatch.LastExit x) {
        return x == null ? "" : x.describe();
    }

    private static void putStatus(EventData.Builder v, org.taskwatch.kernel.ExitStatus s) {
        v.put("exitCode", s.exitCode());
        v.put("signal", s.signal());
        v.put("coreDumped", s.coreDumped());
        v.put("exitStatusKnown", s.known());
    }

    static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    /** Name, description, type triples. */
    private static List<Object> items(Object... triples) {
        return List.of(triples);
    }

    private static CompositeType type(String name, String description, List<Object> triples) throws OpenDataException {
        int n = triples.size() / 3;
        String[] names = new String[n];
        String[] descriptions = new String[n];
        OpenType<?>[] types = new OpenType<?>[n];
        for (int i = 0; i < n; i++) {
            names[i] = (String) triples.get(3 * i);
            types[i] = (OpenType<?>) triples.get(3 * i + 1);
            descriptions[i] = (String) triples.get(3 * i + 2);
        }
        return new CompositeType(name, description, names, descriptions, types);
    }
}
