package org.taskwatch.monitor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.taskwatch.kernel.ProcEvent;
import org.taskwatch.kernel.ProcFs;

/**
 * The declared watches: named in the configuration file, started with the agent, changed by a
 * reload ({@link #apply}), never ended by a client. Each is a {@link ServiceWatch} over a table
 * watch named after it ({@link Watch#name()}); this class counts their delivered events and
 * follows their pid files.
 *
 * <p>Pid files: the file is read at start, again at the exit of the process it named (the
 * daemon may have written the new pid already), and once every {@value #TICK_MILLIS} ms; so a
 * watch follows a daemon's new pid at most {@value #TICK_MILLIS} ms after the file names it.
 * A file naming a pid that does not run (stale, or the daemon is down) follows nothing.
 *
 * <p>Threading: {@link #onEvent} runs on the delivery thread, the timer on
 * {@code taskwatch-services}, {@link #apply} on the caller's (start, SIGHUP); the set of watches
 * changes under {@code this}, each watch guards its own state.
 */
public final class ServiceWatches implements MonitorListener, AutoCloseable {
    static final long TICK_MILLIS = 1000;

    /** Told when declared watches come and go, for their MBeans. */
    public interface Listener {
        void added(ServiceWatch w);

        void removed(ServiceWatch w);
    }

    private final TaskMonitor monitor;
    private final ProcFs proc;
    private final Map<String, ServiceWatch> byName = new ConcurrentSkipListMap<>();
    private final Map<Long, ServiceWatch> byWatchId = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer;
    /** The tick, while there are declared watches (an agent without any does not wake for it); under this. */
    private ScheduledFuture<?> ticking;
    /** Some declared watch follows a pid file (see {@link #direct}); set where watches change, read per event. */
    private volatile boolean followsPidFile;
    private volatile String configStatus = "no configuration file";

    ServiceWatches(TaskMonitor monitor, ProcFs proc) {
        this.monitor = monitor;
        this.proc = proc;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "taskwatch-services");
            t.setDaemon(true);
            return t;
        });
    }

    public void addListener(Listener l) {
        listeners.add(l);
    }

    /**
     * Makes the declared watches {@code specs}: new names start, names gone end, a name whose
     * spec changed restarts (new counters), an unchanged one keeps its state and counters. A
     * watch that cannot start (a pid that does not run) starts following nothing: its state
     * says so. All or nothing: the new watches are made first, and only when every one could be
     * are the old ones ended and the new ones published.
     *
     * @return what changed, e.g. "1 added, 0 changed, 1 removed, 2 unchanged"
     * @throws IllegalArgumentException naming the watch, when one cannot work here (too many
     *     watches, a regex over maxPatternLength); nothing changed then
     */
    public synchronized String apply(List<ServiceSpec> specs) {
        Map<String, ServiceSpec> wanted = new LinkedHashMap<>();
        for (ServiceSpec s : specs) {
            wanted.put(s.name(), s);
        }
        List<ServiceWatch> fresh = new ArrayList<>();
        for (ServiceSpec s : wanted.values()) {
            ServiceWatch old = byName.get(s.name());
            if (old == null || !s.equals(old.spec())) {
                try {
                    fresh.add(create(s));
                } catch (IllegalArgumentException e) {
                    fresh.forEach(this::release);
                    throw new IllegalArgumentException("watch." + s.name() + ".match: " + e.getMessage(), e);
                }
            }
        }
        int removed = 0;
        int changed = 0;
        for (ServiceWatch w : new ArrayList<>(byName.values())) {
            ServiceSpec s = wanted.get(w.name());
            if (s == null || !s.equals(w.spec())) {
                byName.remove(w.name());
                release(w);
                for (Listener l : listeners) {
                    l.removed(w);
                }
                if (s == null) {
                    removed++;
                } else {
                    changed++;
                }
            }
        }
        followsPidFile = true; // while they change: events go through the delivery thread, as before
        for (ServiceWatch w : fresh) {
            byName.put(w.name(), w);
            for (Listener l : listeners) {
                l.added(w);
            }
        }
        followsPidFile = byName.values().stream().anyMatch(w -> w.spec().kind() == ServiceSpec.Kind.PIDFILE);
        if (byName.isEmpty() && ticking != null) {
            ticking.cancel(false);
            ticking = null;
        } else if (!byName.isEmpty() && ticking == null) {
            ticking = timer.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        }
        int kept = wanted.size() - fresh.size();
        return fresh.size() - changed + " added, " + changed + " changed, " + removed + " removed, " + kept + " unchanged";
    }

    /** A declared watch with its table watch, not yet published. */
    private ServiceWatch create(ServiceSpec spec) {
        ServiceWatch w = new ServiceWatch(spec);
        switch (spec.kind()) {
            case COMMAND:
            case UNIT:
            case CGROUP:
                follow(w, 0, false);
                break;
            case PID:
            case TREE:
                int pid = Integer.parseInt(spec.target());
                if (alive(pid)) {
                    follow(w, pid, false);
                }
                break;
            default:
                int named = readPidFile(spec.target());
                if (named > 0 && alive(named)) {
                    follow(w, named, false);
                }
                break;
        }
        return w;
    }

    /** Registers the table watch; a process that exited meanwhile leaves it following nothing. */
    private void follow(ServiceWatch w, int pid, boolean start) {
        Watch t;
        try {
            t = monitor.watchNamed(w.spec(), pid);
        } catch (IllegalArgumentException e) {
            if (pid == 0 || alive(pid)) { // a command, unit or cgroup watch, or a live process
                throw e; // a limit, not a process gone
            }
            return;
        }
        byWatchId.put(t.id(), w);
        w.follow(t, pid, start, System.nanoTime());
    }

    /** Ends its table watch: it follows nothing more. */
    private void release(ServiceWatch w) {
        Watch t = w.watch();
        w.unfollow();
        if (t != null) {
            byWatchId.remove(t.id());
            monitor.endNamed(t);
        }
    }

    public ServiceWatch get(String name) {
        return byName.get(name);
    }

    /** The declared watches, by name. */
    public List<ServiceWatch> all() {
        return List.copyOf(byName.values());
    }

    /** Everything about {@code w} now, its state evaluated. */
    public ServiceWatch.Snapshot snapshot(ServiceWatch w) {
        Watch t = w.watch();
        int running = t == null || t.ended() ? 0 : monitor.members(t);
        return w.evaluate(running, System.nanoTime());
    }

    /** What the last (re)load of the configuration did, or why it failed (set by the agent). */
    public String configStatus() {
        return configStatus;
    }

    public void configStatus(String status) {
        configStatus = status;
    }

    // ---- the delivery thread (or the reader, when direct) ----

    /**
     * Counting is all it does, unless a pid-file watch must re-read its file at an exit (that
     * may end and start watches, under this object's lock, which the timer holds meanwhile):
     * then events come through the delivery thread.
     */
    @Override
    public boolean direct() {
        return !followsPidFile;
    }

    @Override
    public void onEvent(MonitorEvent e) {
        for (long id : e.watchIds()) {
            ServiceWatch w = byWatchId.get(id);
            if (w == null) {
                continue;
            }
            w.onEvent(e.event(), e.cmdline() != null && !e.cmdline().isEmpty() ? e.cmdline() : e.comm());
            if (w.spec().kind() == ServiceSpec.Kind.PIDFILE && e.event() instanceof ProcEvent.Exit x
                    && x.tgid() == w.pid()) {
                followPidFile(w); // the daemon may have written its new pid already
            }
        }
    }

    // ---- the timer ----

    private void tick() {
        try {
            for (ServiceWatch w : byName.values()) {
                if (w.spec().kind() == ServiceSpec.Kind.PIDFILE) {
                    followPidFile(w);
                }
                ServiceWatch.Snapshot now = snapshot(w); // "since" moves when the state does, whether or not anyone reads it
                w.forgetGone(now.running(), this::alive);
            }
        } catch (RuntimeException ex) {
            System.err.println("taskwatch: declared watches: " + ex);
        }
    }

    /** Follows the pid the file names now, if it runs and is not followed already. */
    private void followPidFile(ServiceWatch w) {
        synchronized (this) {
            if (byName.get(w.name()) != w) {
                return; // ended by a reload meanwhile
            }
            int named = readPidFile(w.spec().target());
            Watch t = w.watch();
            boolean following = t != null && !t.ended();
            if (following && named == w.pid()) {
                return;
            }
            if (named <= 0 || !alive(named)) {
                return; // stale or missing: keep what we follow (its exit will end it)
            }
            if (t != null) {
                byWatchId.remove(t.id());
                if (!t.ended()) {
                    monitor.endNamed(t);
                }
                w.unfollow();
            }
            follow(w, named, true);
        }
    }

    private boolean alive(int pid) {
        char state = proc.state(pid);
        return state != 0 && state != 'Z' && state != 'X' && proc.tgid(pid) == pid;
    }

    /** The pid a pid file names (its first word), or 0 when it is missing, empty or not a pid. */
    static int readPidFile(String path) {
        try {
            byte[] b = Files.readAllBytes(Path.of(path));
            String s = new String(b, 0, Math.min(b.length, 64), StandardCharsets.US_ASCII).trim();
            int end = 0;
            while (end < s.length() && Character.isDigit(s.charAt(end))) {
                end++;
            }
            return end == 0 || end > 9 ? 0 : Integer.parseInt(s.substring(0, end));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
