package org.taskwatch.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import org.taskwatch.kernel.CgroupPath;
import org.taskwatch.kernel.ExitStatus;
import org.taskwatch.kernel.ProcEvent;
import org.taskwatch.monitor.MonitorEvent;
import org.taskwatch.monitor.MonitorListener;

/**
 * Prints delivered events one line each: a forkstat-like table, or JSON objects (one per line)
 * with {@code type}, {@code pid}, {@code tgid}, {@code ppid}, {@code timestampNanos}, the
 * event's own fields, and the process's {@code cgroup}, {@code unit} and {@code container}.
 */
final class EventPrinter implements MonitorListener {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS")
            .withZone(ZoneId.systemDefault());
    static final String HEADER = String.format("%-15s %-8s %7s %7s  %-28s %-24s %s", "TIME", "EVENT", "PID", "PPID",
            "INFO", "UNIT", "COMMAND");

    private final PrintStream out;
    private final boolean json;

    EventPrinter(PrintStream out, boolean json) {
        this.out = out;
        this.json = json;
    }

    /**
     * The line's bytes straight to the stream: println would copy it into a character buffer and
     * encode it back to bytes, char by char (a few percent of taskwatch events' CPU, perf). UTF-8
     * whatever the locale, as JSON wants.
     */
    @Override
    public void onEvent(MonitorEvent me) {
        byte[] text = (json ? json(me) : line(me)).getBytes(StandardCharsets.UTF_8);
        out.write(text, 0, text.length);
        out.write('\n');
    }

    /** Flushed when a run of events has been printed (at an ordinary rate: after each), not per line. */
    @Override
    public void onIdle() {
        out.flush();
    }

    /** Writing to its own output is all it waits on: the reader may print while events come slowly. */
    @Override
    public boolean direct() {
        return true;
    }

    @Override
    public void onLost(long count, String cause) {
        if (json) {
            out.println("{\"type\":\"lost\",\"lost\":" + count + ",\"cause\":\"" + cause + "\"}");
        } else {
            out.println("*** " + count + " events lost (" + cause + ")");
        }
        out.flush();
    }

    /** "fork", "exec", "exit", "thread.create", ...: the notification type's last word(s). */
    static String typeName(ProcEvent e) {
        switch (e.type()) {
            case THREAD_CREATE: return "create";
            case THREAD_EXIT: return "texit";
            default: return e.type().listName();
        }
    }

    static String line(MonitorEvent me) {
        ProcEvent e = me.event();
        long wallNanos = System.currentTimeMillis() * 1_000_000L - (System.nanoTime() - e.timestampNanos());
        String time = TIME.format(Instant.ofEpochSecond(0, wallNanos));
        String cmd = me.cmdline() != null && !me.cmdline().isEmpty() ? me.cmdline() : me.comm() == null ? "" : "[" + me.comm() + "]";
        return String.format("%-15s %-8s %7d %7d  %-28s %-24s %s", time, typeName(e), e.pid(), me.ppid(), info(e),
                unit(me), cmd);
    }

    /**
     * The UNIT column: the systemd unit, else the container (its id's first 12 digits, as docker
     * ps shows it), else the cgroup path, else "-".
     */
    static String unit(MonitorEvent me) {
        CgroupPath c = me.cgroup();
        if (!c.unit().isEmpty() && c.container().isEmpty()) {
            return c.unit();
        }
        if (!c.container().isEmpty()) {
            return "container " + c.container().substring(0, 12);
        }
        return c.path().isEmpty() ? "-" : c.path();
    }

    private static String info(ProcEvent e) {
        if (e instanceof ProcEvent.Fork f) {
            return "child " + f.childPid();
        }
        if (e instanceof ProcEvent.Exit x) {
            return x.status().describe();
        }
        if (e instanceof ProcEvent.ThreadExit x) {
            return "thread of " + e.tgid() + ", " + x.status().describe();
        }
        if (e instanceof ProcEvent.ThreadCreate) {
            return "thread of " + e.tgid();
        }
        if (e instanceof ProcEvent.Comm c) {
            return "comm " + c.comm();
        }
        if (e instanceof ProcEvent.Uid u) {
            return "uid " + u.ruid() + " euid " + u.euid();
        }
        if (e instanceof ProcEvent.Gid g) {
            return "gid " + g.rgid() + " egid " + g.egid();
        }
        if (e instanceof ProcEvent.Ptrace p) {
            return p.tracerPid() == 0 ? "ptrace detach" : "traced by " + p.tracerPid();
        }
        return "";
    }

    static String json(MonitorEvent me) {
        ProcEvent e = me.event();
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"type\":\"").append(jsonType(e)).append('"');
        field(sb, "pid", e.pid());
        field(sb, "tgid", e.tgid());
        field(sb, "ppid", me.ppid());
        sb.append(",\"timestampNanos\":").append(e.timestampNanos());
        field(sb, "cpu", e.cpu());
        if (e instanceof ProcEvent.Fork f) {
            field(sb, "childPid", f.childPid());
            field(sb, "childTgid", f.childTgid());
        } else if (e instanceof ProcEvent.Exit x) {
            status(sb, x.status());
            if (me.recovered()) {
                sb.append(",\"recovered\":true"); // found after a loss: its own event never came
            }
        } else if (e instanceof ProcEvent.ThreadExit x) {
            status(sb, x.status());
        } else if (e instanceof ProcEvent.Uid u) {
            field(sb, "ruid", u.ruid());
            field(sb, "euid", u.euid());
        } else if (e instanceof ProcEvent.Gid g) {
            field(sb, "rgid", g.rgid());
            field(sb, "egid", g.egid());
        } else if (e instanceof ProcEvent.Ptrace p) {
            field(sb, "tracerPid", p.tracerPid());
            field(sb, "tracerTgid", p.tracerTgid());
        }
        String comm = e instanceof ProcEvent.Comm c ? c.comm() : me.comm();
        string(sb, "comm", comm);
        string(sb, "cmdline", me.cmdline());
        string(sb, "exe", me.exe());
        string(sb, "cgroup", me.cgroup().path());
        string(sb, "unit", me.cgroup().unit());
        string(sb, "container", me.cgroup().container());
        if (me.cgroupFromParent()) {
            sb.append(",\"cgroupFromParent\":true"); // gone before its exec could be read: its parent's
        }
        return sb.append('}').toString();
    }

    /** The notification type's last word: fork, exec, exit, create (thread), ... */
    private static String jsonType(ProcEvent e) {
        switch (e.type()) {
            case THREAD_CREATE: return "thread.create";
            case THREAD_EXIT: return "thread.exit";
            default: return e.type().listName();
        }
    }

    private static void status(StringBuilder sb, ExitStatus s) {
        field(sb, "exitCode", s.exitCode());
        field(sb, "signal", s.signal());
        sb.append(",\"coreDumped\":").append(s.coreDumped());
        if (!s.known()) {
            sb.append(",\"exitStatusKnown\":false"); // exitCode and signal are -1: the /proc poller could not learn them
        }
    }

    private static void field(StringBuilder sb, String name, long value) {
        sb.append(",\"").append(name).append("\":").append(value);
    }

    private static void string(StringBuilder sb, String name, String value) {
        if (value == null) {
            return;
        }
        sb.append(",\"").append(name).append("\":\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        sb.append('"');
    }
}
