package org.taskwatch.monitor;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.taskwatch.kernel.CgroupLayout;
import org.taskwatch.kernel.CgroupPath;
import org.taskwatch.kernel.CgroupPattern;
import org.taskwatch.kernel.DescriptorBudget;
import org.taskwatch.kernel.EventFrame;
import org.taskwatch.kernel.EventHandler;
import org.taskwatch.kernel.EventSource;
import org.taskwatch.kernel.EventSources;
import org.taskwatch.kernel.EventType;
import org.taskwatch.kernel.ExitStatus;
import org.taskwatch.kernel.NativeException;
import org.taskwatch.kernel.Pidfd;
import org.taskwatch.kernel.ProcConnector;
import org.taskwatch.kernel.ProcEvent;
import org.taskwatch.kernel.ProcFiles;
import org.taskwatch.kernel.ProcFs;
import org.taskwatch.kernel.TaskstatsExits;
import org.taskwatch.kernel.ThreadPriority;

/**
 * The monitor: one event source (the proc connector, or the /proc poller), the shared {@link
 * WatchRegistry}, and a delivery thread that enriches matched events and hands them to {@link
 * MonitorListener}s. JMX, Jolokia and the CLI are all clients of one instance. Beside them:
 * {@link ProcessNames} (commands at exec, names at exit), {@link KernelFilterPolicy} (what the
 * kernel may drop), {@link Summaries} (per-pattern histories) and {@link RecentExits}.
 *
 * <p>Threads: the <b>reader</b> ({@code taskwatch-reader}) receives, decodes, counts, matches
 * and offers matched events to a bounded queue without ever blocking (a full queue is counted
 * as loss and announced); it also completes {@code waitForExit} callers directly, so a full
 * queue can never hold one up. The <b>delivery</b> thread ({@code taskwatch-delivery}) reads
 * /proc for enrichment, calls listeners, records latency and retires ended watches. Callers'
 * threads register and remove watches (see {@link WatchRegistry} for how that stays safe).
 *
 * <p>While events come one at a time (nothing is queued, the reader is not behind) and every
 * listener is {@link MonitorListener#direct}, the reader delivers a matched event itself: a
 * hand-over per event would cost a second thread's wake-up (two futex calls) for every event.
 * Whoever delivers holds {@link #deliveryLock}; an event is delivered inline only when no
 * earlier one is queued or being delivered ({@link #queued}), so the order stays the kernel's.
 */
public final class TaskMonitor implements AutoCloseable {
    private final MonitorSettings settings;
    private final ProcFs proc = ProcFs.SYSTEM;
    private final ProcessNames names;
    private final WatchRegistry registry;
    private final RecentExits recentExits;
    private final Statistics stats = new Statistics();
    private final CgroupLayout cgroupLayout = CgroupLayout.system();
    private final ProcessDetails details;
    /** Rescans cgroup watches every {@value #CGROUP_RESCAN_SECONDS} s; made with the first cgroup watch. */
    private final CgroupRescan cgroupRescan = new CgroupRescan();
    private final ArrayBlockingQueue<Delivery> handoff;
    private final CopyOnWriteArrayList<MonitorListener> listeners = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<WatchLifecycleListener> lifecycle = new CopyOnWriteArrayList<>();
    private final AtomicLong pendingLost = new AtomicLong();
    private final AtomicReference<String> lostCause = new AtomicReference<>("");
    private final Semaphore waiters;
    private final EventSource source;
    private final KernelFilterPolicy filter;
    private final Summaries summaries;
    private final WatchOwners owners = new WatchOwners(this);
    private final ServiceWatches services;
    private final Thread delivery;
    private final KernelCounting counting;
    private volatile boolean running = true;
    private volatile String lastReaderError;
    private volatile String readerPriority; // null until the thread has started; "" when boosted
    private volatile String deliveryPriority;
    private final CountDownLatch boosted = new CountDownLatch(2); // both event threads have tried their boost
    /** Held while listeners are called and /proc is read for delivery, by the delivery thread or the reader. */
    private final ReentrantLock deliveryLock = new ReentrantLock();
    /** Events handed to the delivery thread and not yet delivered; only the reader adds. */
    private final AtomicLong queued = new AtomicLong();
    /** An event older than this when the reader has it goes to the delivery thread: the reader is behind. */
    private static final long INLINE_MAX_LAG_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /**
     * A matched event on its way from the reader to the delivery thread. {@code read}: what the
     * reader already knows of the event's process (read at its exec, or its name at exit), or null.
     */
    private record Delivery(ProcEvent event, Watch[] watches, boolean recovered, ProcessDetails.Info read) {}

    /**
     * Not an event: wakes the delivery thread to tell of loss, or of watches that ended by
     * themselves. It waits for work without a timeout: an idle agent's threads do not wake.
     */
    private static final Delivery WAKE = new Delivery(null, null, false, null);
    /** A {@link #WAKE} is queued and not yet taken: one is enough. */
    private final AtomicBoolean wakePending = new AtomicBoolean();

    /** Told when public watches come and go, for their MBeans. */
    public interface WatchLifecycleListener {
        void added(Watch watch);

        void removed(Watch watch);
    }

    private TaskMonitor(MonitorSettings settings) throws IOException {
        this.settings = settings;
        this.details = new ProcessDetails(proc, ProcFiles.openOrNothing("/proc"), cgroupLayout, settings.redaction());
        this.names = new ProcessNames(ProcFiles.openOrNothing("/proc"), proc, ProcessNames.TASKSTATS, cgroupLayout);
        // processes a watch takes in from /proc are described as they join, for their exits
        this.registry = new WatchRegistry(proc, names, settings.maxWatches(), settings.maxPatternLength(),
                details::found);
        this.recentExits = new RecentExits(settings.recentExits(), settings.maxWatches(), settings.watchedExitSeconds());
        this.handoff = new ArrayBlockingQueue<>(settings.handoffCapacity());
        this.waiters = new Semaphore(settings.maxWaiters());
        this.delivery = new Thread(this::deliverLoop, "taskwatch-delivery");
        this.delivery.setDaemon(true);
        this.delivery.start();
        try {
            this.counting = KernelCounting.prepare(settings, stats);
            try {
                this.source = EventSources.open(settings.eventSource(), new Pipeline(), "taskwatch-reader",
                        counting.counts());
            } catch (IOException | RuntimeException e) {
                counting.close();
                throw e;
            }
            counting.sourceStarted(source, recentExits);
            // names at exit are paired with the kernel's exit events: a source that reports every
            // exit as it happens (the connector) has them; the poller does not, nor reads execs in time
            names.useExitNames(source.exitStatusCoverage() == EventSource.ExitStatusCoverage.ALL
                    ? TaskstatsExits.probe() : "the /proc poller has no kernel exit events to pair names with");
            this.filter = new KernelFilterPolicy(source, settings.kernelFilter() == KernelFilterMode.AUTO
                    || counting.active(), registry, counting::describe);
            this.summaries = new Summaries(registry, filter, names, proc, settings);
            filter.narrow(); // kernelFilter=auto with no watch yet: the kernel drops everything for us
            this.services = new ServiceWatches(this, proc);
            addListener(services); // first: a watch's state is counted before its notification goes out
        } catch (IOException | RuntimeException e) {
            running = false;
            delivery.interrupt();
            throw e;
        }
    }

    /**
     * Starts the event source the settings ask for (the proc connector, or the /proc poller
     * where the connector is out of reach), and the delivery thread.
     *
     * @throws IOException ({@link org.taskwatch.kernel.ConnectorUnavailableException}) when no
     *     source may be used, with what to do about it
     */
    public static TaskMonitor start(MonitorSettings settings) throws IOException {
        return new TaskMonitor(settings);
    }

    public void addListener(MonitorListener l) {
        listeners.add(l);
    }

    public void removeListener(MonitorListener l) {
        listeners.remove(l);
    }

    public void addWatchLifecycleListener(WatchLifecycleListener l) {
        lifecycle.add(l);
    }

    // ---- operations ----

    /** Watches one process. @throws IllegalArgumentException for bad arguments, changing nothing */
    public Watch watch(int pid, String events) {
        return added(processWatch(pid, EventType.parseList(events)));
    }

    /** Watches a process and all its descendants; pid 1 watches every process. */
    public Watch watchTree(int pid, String events) {
        return added(treeWatch(pid, EventType.parseList(events)));
    }

    /** Watches every process whose command matches {@code regex} at exec, from now on. */
    public Watch watchCommand(String regex, String events) {
        return added(commandWatch(regex, EventType.parseList(events)));
    }

    /**
     * Watches every process of a systemd unit (its cgroup, wherever it sits, and below it), from
     * now on and those in it now.
     *
     * @throws IllegalArgumentException for a name that is not a unit's, or on a machine where
     *     no process can be in one (no cgroups; no systemd and no cgroup of that name)
     */
    public Watch watchUnit(String unit, String events) {
        return added(cgroupWatch(CgroupPattern.unit(unit), EventType.parseList(events), null));
    }

    /** Watches every process in cgroup {@code path} and below it, from now on and those in it now. */
    public Watch watchCgroup(String path, String events) {
        return added(cgroupWatch(CgroupPattern.cgroup(path), EventType.parseList(events), null));
    }

    /** Which cgroup hierarchy events' cgroups come from: the unified (v2), name=systemd (v1), or none. */
    public CgroupLayout cgroupLayout() {
        return cgroupLayout;
    }

    /**
     * Where events' cgroups come from, for the banner: "v2 at /sys/fs/cgroup (systemd)", or
     * "none (why): ..." on a machine without cgroups.
     */
    public String cgroups() {
        CgroupLayout l = cgroupLayout;
        if (!l.available()) {
            return "none (" + l.unavailableReason() + "): events have no cgroup, unit or container;"
                    + " unit and cgroup watches are refused";
        }
        return (l.hierarchy() == CgroupLayout.Hierarchy.UNIFIED ? "v2" : "v1 name=systemd") + " at " + l.mountPoint()
                + (l.systemd() ? " (systemd)" : " (not run by systemd: a unit watch needs a cgroup of that name)");
    }

    /** A cgroup watch, named {@code name} when declared (before it has members), its processes found now. */
    private Watch cgroupWatch(CgroupPattern p, int mask, String name) {
        // members come by fork and exec of any process: no kernel filter
        Watch w = filter.registering(-1, 0, () -> registry.watchCgroup(p, mask, false));
        if (name != null) {
            w.declaredAs(name);
        }
        registry.adoptCgroup(w);
        cgroupRescan.start();
        return w;
    }

    /** How often cgroup watches are brought up to date with /proc: the bound on following a process that moved. */
    public static final int CGROUP_RESCAN_SECONDS = 5;

    /** The timer of {@link WatchRegistry#rescanCgroups}, started with the first cgroup watch. */
    private final class CgroupRescan {
        private java.util.concurrent.ScheduledExecutorService timer; // guarded by this

        synchronized void start() {
            if (timer != null || !running) {
                return;
            }
            timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "taskwatch-cgroups");
                t.setDaemon(true);
                return t;
            });
            timer.scheduleWithFixedDelay(() -> {
                try {
                    registry.rescanCgroups();
                } catch (RuntimeException e) {
                    System.err.println("taskwatch: cgroup rescan: " + e);
                }
            }, CGROUP_RESCAN_SECONDS, CGROUP_RESCAN_SECONDS, TimeUnit.SECONDS);
        }

        synchronized void stop() {
            if (timer != null) {
                timer.shutdownNow();
            }
        }
    }

    /** A public process watch (a client's, or a declared one's table entry). */
    private Watch processWatch(int pid, int mask) {
        // the kernel lets its events through before the watch exists
        Watch w = filter.registering(pid, Watch.neededMask(mask, false),
                () -> registry.watchProcess(pid, mask, false, budgetedPidfd(pid)));
        source.track(pid); // a poller keeps a pidfd to learn the exit status
        details.remember(pid);
        return w;
    }

    private Watch treeWatch(int pid, int mask) {
        // trees need every fork: no kernel filter
        Watch w = filter.registering(-1, 0, () -> registry.watchTree(pid, mask));
        details.remember(pid);
        return w;
    }

    private Watch commandWatch(String regex, int mask) {
        // commands need every exec: no kernel filter
        return filter.registering(-1, 0, () -> registry.watchCommand(regex, mask, false));
    }

    /**
     * A hold on the process for a public watch, or null (no pidfds: after a loss its status is
     * then unknown).
     *
     * @throws IllegalArgumentException when it would leave too few descriptors, saying what to do
     */
    private static Pidfd budgetedPidfd(int pid) {
        try {
            return pid > 0 ? DescriptorBudget.openPidfd(pid) : null;
        } catch (NativeException e) {
            return null;
        }
    }

    /** A waiter's hold on its process, or null: waiters are few (maxWaiters) and need no budget. */
    private static Pidfd openPidfd(int pid) {
        try {
            return pid > 0 ? Pidfd.open(pid) : null;
        } catch (NativeException e) {
            return null;
        }
    }

    public boolean unwatch(long id) {
        Watch w = registry.get(id);
        if (w != null && w.name() != null) {
            throw new IllegalArgumentException("watch " + id + " is the declared watch '" + w.name()
                    + "': it ends only when it is removed from the agent's configuration file (then send the agent SIGHUP)");
        }
        if (w == null || !end(w)) {
            return false;
        }
        for (WatchLifecycleListener l : lifecycle) {
            l.removed(w);
        }
        return true;
    }

    /** Ends a public watch: out of the table, its process no longer tracked, the kernel filter narrowed. */
    private boolean end(Watch w) {
        if (!registry.unwatch(w.id())) {
            return false;
        }
        if (w.kind() == WatchKind.PROCESS) {
            source.untrack(w.pid());
        }
        filter.narrow();
        return true;
    }

    private Watch added(Watch w) {
        for (WatchLifecycleListener l : lifecycle) {
            l.added(w);
        }
        return w;
    }

    /** Which client each watch ends with: remote JMX connections, Jolokia notification clients. */
    public WatchOwners owners() {
        return owners;
    }

    // ---- declared watches (ServiceWatches) ----

    /** The watches declared in the configuration file, by name. */
    public ServiceWatches services() {
        return services;
    }

    /**
     * The table watch of a declared watch: a command watch seeded with the matching processes
     * running now, or a process or tree watch on {@code pid}. Named: no id MBean, no unwatch.
     *
     * @throws IllegalArgumentException when it cannot be made (the process is gone, a limit)
     */
    Watch watchNamed(ServiceSpec spec, int pid) {
        int mask = spec.mask();
        boolean tree = spec.kind() == ServiceSpec.Kind.TREE || spec.kind() == ServiceSpec.Kind.PIDFILE && spec.descendants();
        Watch w;
        if (spec.kind() == ServiceSpec.Kind.UNIT || spec.kind() == ServiceSpec.Kind.CGROUP) {
            w = cgroupWatch(spec.kind() == ServiceSpec.Kind.UNIT ? CgroupPattern.unit(spec.target())
                    : CgroupPattern.cgroup(spec.target()), mask, spec.name());
        } else if (spec.kind() == ServiceSpec.Kind.COMMAND) {
            w = commandWatch(spec.target(), mask);
            w.declaredAs(spec.name()); // before it has members: from here forks of members join it
            registry.adoptMatching(w);
        } else {
            w = tree ? treeWatch(pid, mask) : processWatch(pid, mask);
            w.declaredAs(spec.name());
        }
        return w;
    }

    /** Ends a declared watch's table watch (a reload removed it, or its pid file names another process). */
    void endNamed(Watch w) {
        end(w);
    }

    /** How many processes {@code w} follows now. */
    int members(Watch w) {
        return registry.members(w);
    }

    public Watch watchById(long id) {
        return registry.get(id);
    }

    public List<Watch> watches() {
        return registry.watches();
    }

    /** The longest waitForExit: a caller's thread is not held longer than a day. */
    public static final long MAX_WAIT_MILLIS = TimeUnit.DAYS.toMillis(1);

    /** How a waited-for process ended. */
    public record WaitResult(int pid, boolean exited, ExitStatus status, long timestampNanos) {}

    /**
     * Blocks until {@code pid} exits, at most {@code timeoutMillis}. A process that is already
     * gone is answered from the cache of recent exits.
     *
     * @throws IllegalArgumentException for a bad pid or timeout, too many waiting callers, or a
     *     pid that neither runs nor exited recently
     */
    public WaitResult waitForExit(int pid, long timeoutMillis) throws InterruptedException {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid: must be a positive process id, got " + pid);
        }
        if (timeoutMillis < 0 || timeoutMillis > MAX_WAIT_MILLIS) {
            throw new IllegalArgumentException("timeoutMillis: must be 0 to " + MAX_WAIT_MILLIS + " (a day), got "
                    + timeoutMillis);
        }
        if (!waiters.tryAcquire()) {
            throw new IllegalArgumentException("too many concurrent waitForExit callers: the limit is "
                    + settings.maxWaiters() + " (setting maxWaiters)");
        }
        try {
            long t0 = System.nanoTime();
            Watch w;
            try {
                w = filter.registering(pid, EventType.EXIT.bit(),
                        () -> registry.watchProcess(pid, EventType.EXIT.bit(), true, openPidfd(pid)));
            } catch (IllegalArgumentException notRunning) {
                WaitResult cached = cachedExit(pid, Long.MIN_VALUE);
                if (cached != null) {
                    return cached;
                }
                throw new IllegalArgumentException("pid " + pid + ": no such process, and no exit of it among the last "
                        + settings.recentExits() + " exits", notRunning);
            }
            source.track(pid);
            try {
                WaitResult early = cachedExit(pid, t0); // it exited before the watch was in place
                if (early != null) {
                    return early;
                }
                if (w.awaitEnd(timeoutMillis)) {
                    ExitStatus s = w.exitStatus();
                    return new WaitResult(pid, true, s, w.exitTimestampNanos());
                }
                return new WaitResult(pid, false, null, 0);
            } finally {
                registry.discard(w);
                source.untrack(pid);
                filter.narrow();
            }
        } finally {
            waiters.release();
        }
    }

    private WaitResult cachedExit(int pid, long notBefore) {
        long[] e = recentExits.find(pid);
        if (e == null || e[1] < notBefore) {
            return null;
        }
        return new WaitResult(pid, true, ExitStatus.fromWaitStatus((int) e[0]), e[1]);
    }

    /**
     * Whether a process is alive, and if not, how it ended when that is known.
     *
     * @param exitKnown whether the exit was seen (it is among the cache of recent exits)
     * @param status how it ended, null unless {@code exitKnown}
     * @param comm its name when alive, else empty
     */
    public record ProcessStatus(int pid, boolean alive, boolean exitKnown, ExitStatus status, long timestampNanos,
            String comm, CgroupPath cgroup) {}

    /**
     * Whether {@code pid} is alive now (a zombie counts as ended: it has exited and only waits to
     * be reaped), and how it ended if its exit is among the recent exits.
     *
     * @throws IllegalArgumentException for a pid that is not positive
     */
    public ProcessStatus processStatus(int pid) {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid: must be a positive process id, got " + pid);
        }
        char state = proc.state(pid);
        // a zombie leader whose other threads still run is a live process (docs/kernel.md, What the events mean)
        boolean alive = state != 0 && state != 'X' && proc.tgid(pid) == pid
                && (state != 'Z' || proc.tasks(pid).size() > 1);
        WaitResult ended = alive ? null : cachedExit(pid, Long.MIN_VALUE);
        String comm = alive ? settings.redaction().apply(proc.comm(pid)) : null;
        // alive: its cgroup now; ended: the one its delivered exit had, where it was one
        CgroupPath cgroup = alive ? CgroupPath.of(proc.cgroup(pid, cgroupLayout)) : details.exitedCgroup(pid);
        return new ProcessStatus(pid, alive, ended != null, ended == null ? null : ended.status(),
                ended == null ? 0 : ended.timestampNanos(), comm == null ? "" : comm,
                cgroup == null ? CgroupPath.NONE : cgroup);
    }

    /** System-wide fork, exec and exit counts and loss over the last {@code windowSeconds} (1 to 3600). */
    public Statistics.WindowCounts eventCounts(int windowSeconds) {
        return stats.window(windowSeconds);
    }

    /** The monitor's condition: {@code ok}, {@code degraded} (working, but missing things) or {@code failed}. */
    public enum HealthState { OK, DEGRADED, FAILED }

    /** {@link #health}'s answer; {@code reason} is empty when all is well. */
    public record Health(HealthState state, String reason, String eventSource, long lostInWindow, long lostTotal,
            long coveredSeconds) {}

    /**
     * Whether the event source runs, and what was lost over the last {@code windowSeconds}:
     * failed when the source stopped; degraded when it is the /proc poller or when events were
     * lost in the window (the health check's thresholds then say how much is too much).
     */
    public Health health(int windowSeconds) {
        Statistics.WindowCounts w = stats.window(windowSeconds);
        HealthState state = HealthState.OK;
        String reason = "";
        if (!source.isRunning() || source.failed()) {
            state = HealthState.FAILED;
            reason = "the event reader stopped" + (lastReaderError == null ? "" : ": " + lastReaderError);
        } else if (source.degraded()) {
            state = HealthState.DEGRADED;
            reason = "event source " + source.name() + " (" + source.degradedReason() + "): " + source.limitations();
        } else if (w.lost() > 0) {
            state = HealthState.DEGRADED;
            reason = w.lost() + " events lost in the last " + w.coveredSeconds() + " s (last cause: "
                    + lostCause.get() + ")";
        }
        return new Health(state, reason, eventSource(), w.lost(), stats.lost(), w.coveredSeconds());
    }

    /** Counts for processes matching a command pattern over the last {@code windowSeconds}. */
    public record Summary(int running, long forks, long execs, long exits, long nonZeroExits, int lastExitCode,
            long coveredSeconds) {}

    /**
     * Counts for processes whose command matches {@code regex}: running now (from /proc), and
     * forks, execs, exits and non-zero exits over the window. The first call for a pattern
     * starts its history, so counts cover at most the time since then ({@code coveredSeconds}).
     */
    public Summary summary(String regex, int windowSeconds) {
        return summaries.summary(regex, windowSeconds);
    }

    // ---- state ----

    public Statistics statistics() {
        return stats;
    }

    /** {@code netlink}, or {@code procfs} for the /proc poller. */
    public String eventSource() {
        return source.name();
    }

    /** The event source itself: whether it is degraded, why, and what it misses. */
    public EventSource source() {
        return source;
    }

    /** Whether the kernel counts every event ("every event counted in the kernel (eBPF)"), or why not. */
    public String kernelCounting() {
        return counting.describe();
    }

    /** What the kernel filters for this monitor. */
    public String kernelFilter() {
        return filter.describe();
    }

    /**
     * Whether the reader and delivery threads run boosted ({@code priorityBoost}): "nice -4",
     * "not boosted (priorityBoost=0)", or why the boost failed. Waits up to a second for both
     * threads to have started.
     */
    public String priority() {
        try {
            boosted.await(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (settings.priorityBoost() == 0) {
            return "not boosted (priorityBoost=0)";
        }
        String problem = readerPriority == null || deliveryPriority == null ? "the threads did not start"
                : !readerPriority.isEmpty() ? readerPriority : deliveryPriority;
        return problem.isEmpty() ? "nice -" + settings.priorityBoost() : "not boosted: " + problem;
    }

    public int watchCount() {
        return registry.size();
    }

    /**
     * How command watches learn the names of processes gone before /proc could be read at their
     * exec: "taskstats (while command watches exist)", or why not.
     */
    public String exitNames() {
        String problem = names.exitNamesProblem();
        return problem.isEmpty() ? "taskstats (while command watches exist)" : "none (" + problem
                + "): command watches miss processes that end before /proc is read at their exec";
    }

    /** The proc connector, or null when the event source is the /proc poller. */
    public ProcConnector connector() {
        return source.procConnector().orElse(null);
    }

    /** Whether the source is running, not degraded, and nothing was lost. */
    public boolean healthy() {
        return source.isRunning() && !source.failed() && !source.degraded() && stats.lost() == 0;
    }

    public String lastLossCause() {
        return lostCause.get();
    }

    /** Stops the threads, unsubscribes (IGNORE) and closes the socket. */
    @Override
    public void close() {
        cgroupRescan.stop();
        services.close();
        running = false;
        source.close();
        delivery.interrupt();
        try {
            delivery.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Watch w : registry.all()) {
            w.end(); // release waitForExit callers
        }
        // a thread still running (it did not stop in time) keeps reading: its descriptor goes with the JVM
        // (the reader delivers too, while events come slowly)
        if (!delivery.isAlive() && !source.isRunning()) {
            details.close();
        }
        if (!source.isRunning()) {
            names.close();
        }
        counting.close(); // the program attached to the closed socket went with it
    }

    // ---- the reader thread ----

    private final class Pipeline implements EventHandler {
        private final MatchBuffer matched = new MatchBuffer();

        @Override
        public void onStart() {
            readerPriority = ThreadPriority.boostCurrentThread(settings.priorityBoost());
            boosted.countDown();
        }

        @Override
        public void onBatch() {
            registry.onBatch();
        }

        @Override
        public void onEvent(EventFrame f) {
            EventType type = f.type();
            if (type == null) {
                return;
            }
            boolean exit = type == EventType.EXIT;
            stats.received(type, exit && f.exitStatusKnown() && f.waitStatus() != 0, f.timestampNanos());
            if (exit) {
                recentExits.record(f.tgid(), f.waitStatus(), f.timestampNanos());
            }
            registry.onEvent(f, matched);
            if (matched.isWatchedProcessExit()) { // answerable as long as its MBean shows it, however many exits follow
                recentExits.keep(f.tgid(), f.waitStatus(), f.timestampNanos());
            }
            if (matched.size() != 0 || matched.isNeededForExits()) {
                handOff(f);
            }
            wakeIfRetired();
        }

        /** A watch ended with this event: its lifecycle listeners (MBeans) run on the delivery thread. */
        private void wakeIfRetired() {
            if (!registry.retired.isEmpty()) {
                wakeDelivery();
            }
        }

        private void handOff(EventFrame f) {
            int n = matched.size();
            int deliverable = 0;
            for (int i = 0; i < n; i++) {
                Watch w = matched.get(i);
                w.matched(f);
                if (!w.internal()) {
                    deliverable++;
                }
            }
            if (deliverable == 0 && !matched.isNeededForExits()) {
                return;
            }
            // none to deliver to: the process details still follow it, for the exits (Watch.needsForItsExits)
            Watch[] ws = deliverable == 0 ? WatchRegistry.NO_WATCHES : new Watch[deliverable];
            for (int i = 0, j = 0; i < n; i++) {
                if (!matched.get(i).internal()) {
                    ws[j++] = matched.get(i);
                }
            }
            handOver(new Delivery(f.toEvent(), ws, false, matched.read()), f.timestampNanos());
        }

        /**
         * Delivers {@code d} on this thread when nothing is queued or being delivered, every
         * listener is direct and the event is fresh; otherwise queues it for the delivery thread
         * (a full queue is counted as loss).
         */
        private void handOver(Delivery d, long stampNanos) {
            if (queued.get() == 0 && System.nanoTime() - stampNanos < INLINE_MAX_LAG_NANOS && directListeners()
                    && deliveryLock.tryLock()) {
                try {
                    reportLost();
                    deliver(d);
                    idle();
                } finally {
                    deliveryLock.unlock();
                }
                return;
            }
            queued.incrementAndGet();
            if (!handoff.offer(d)) {
                queued.decrementAndGet();
                stats.handoffFull();
                lost(1, "handoff");
            }
        }

        @Override
        public void onLoss(long count, String cause) {
            lost(count, cause);
            resync();
            wakeIfRetired();
        }

        /**
         * A watched process's exit may have been among the lost events: check every watched
         * process now, on this thread, so that no event is matched meanwhile; what is gone is
         * delivered as a recovered exit (and completes waitForExit callers).
         */
        private void resync() {
            long now = System.nanoTime();
            for (WatchRegistry.RecoveredExit r : registry.resync(now)) {
                stats.recovered();
                Watch w = r.watch();
                if (!w.internal() && r.tgid() == w.pid()) {
                    recentExits.keep(r.tgid(), r.waitStatus(), now);
                }
                if (w.internal() || (w.mask() & EventType.EXIT.bit()) == 0) {
                    continue; // a waiter is completed by the registry; nobody wants the notification
                }
                ProcEvent.Exit exit = new ProcEvent.Exit(-1, now, r.tgid(), r.tgid(), 0,
                        ExitStatus.fromWaitStatus(r.waitStatus()));
                w.countMatch();
                handOver(new Delivery(exit, new Watch[] {w}, true, null), now);
            }
        }

        @Override
        public void onError(Throwable error) {
            lastReaderError = error.toString();
            System.err.println("taskwatch: reader: " + error);
        }
    }

    private void lost(long count, String cause) {
        stats.lost(Math.max(count, 1));
        lostCause.set(cause);
        pendingLost.addAndGet(Math.max(count, 1));
        wakeDelivery();
    }

    private void wakeDelivery() {
        if (wakePending.compareAndSet(false, true)) {
            queued.incrementAndGet();
            if (!handoff.offer(WAKE)) { // a full queue wakes it anyway
                queued.decrementAndGet();
                wakePending.set(false);
            }
        }
    }

    // ---- the delivery thread ----

    private void deliverLoop() {
        deliveryPriority = ThreadPriority.boostCurrentThread(settings.priorityBoost());
        boosted.countDown();
        while (running) {
            Delivery d;
            try {
                d = handoff.take();
            } catch (InterruptedException e) {
                if (!running) {
                    return;
                }
                continue;
            }
            if (d == WAKE) {
                wakePending.set(false); // before what it asks for: a loss from now on wakes again
            }
            deliveryLock.lock();
            try {
                reportLost();
                if (d != WAKE) {
                    deliver(d);
                }
                queued.decrementAndGet();
                if (handoff.isEmpty()) {
                    idle();
                }
                retire();
            } finally {
                deliveryLock.unlock();
            }
        }
    }

    /** Whether every listener may be called on the reader thread now ({@link MonitorListener#direct}). */
    private boolean directListeners() {
        for (MonitorListener l : listeners) {
            if (!l.direct()) {
                return false;
            }
        }
        return true;
    }

    /** Tells the listeners of loss counted since the last call; under {@link #deliveryLock}. */
    private void reportLost() {
        long lost = pendingLost.getAndSet(0);
        if (lost != 0) {
            for (MonitorListener l : listeners) {
                safely(() -> l.onLost(lost, lostCause.get()));
            }
        }
    }

    /** Nothing more to deliver now: listeners may flush. Under {@link #deliveryLock}. */
    private void idle() {
        for (MonitorListener l : listeners) {
            try {
                l.onIdle();
            } catch (RuntimeException ex) {
                listenerFailed(ex);
            }
        }
    }

    /** Tells the lifecycle listeners of watches that ended; delivery thread, under {@link #deliveryLock}. */
    private void retire() {
        Watch gone;
        boolean retiredAny = false;
        while ((gone = registry.retired.poll()) != null) {
            retiredAny = true;
            if (!gone.internal()) {
                Watch w = gone;
                for (WatchLifecycleListener l : lifecycle) {
                    safely(() -> l.removed(w));
                }
            }
        }
        if (retiredAny) {
            filter.narrow();
        }
    }

    private void deliver(Delivery d) {
        if (d.watches().length == 0) { // only for what a later exit tells (Watch.needsForItsExits)
            details.of(d.event(), d.read());
            return;
        }
        // masked before any listener or Watch MBean sees it: everything that sends or serves an
        // event (notifications, Jolokia, declared watches' texts, metrics, pushes) gets it from
        // here; the details are masked as ProcessDetails keeps them, the comm event's name here
        ProcessDetails.Info info = details.of(d.event(), d.read());
        ProcEvent e = d.event() instanceof ProcEvent.Comm c ? masked(c, settings.redaction()) : d.event();
        int ppid = e.ppid() > 0 ? e.ppid() : Math.max(0, info.ppid());
        long[] ids = new long[d.watches().length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = d.watches()[i].id();
            d.watches()[i].lastEvent(e);
        }
        MonitorEvent me = new MonitorEvent(e, ids, ppid, info.comm(), info.cmdline(), info.exe(), d.recovered(),
                namesOf(d.watches()), info.cgroup(), info.cgroupFromParent());
        // no lambda per event and listener: compiled by C1 (the launcher's default), allocating
        // a capturing lambda is a call into the JVM (perf: 3% of taskwatch events' CPU)
        for (MonitorListener l : listeners) {
            try {
                l.onEvent(me);
            } catch (RuntimeException ex) {
                listenerFailed(ex);
            }
        }
        stats.delivered(Math.max(0, (System.nanoTime() - e.timestampNanos()) / 1000));
    }

    /** A comm event whose new name is masked (a name is 15 characters: rarely, but it can carry a secret). */
    private static ProcEvent.Comm masked(ProcEvent.Comm c, Redaction r) {
        String comm = r.apply(c.comm());
        return comm.equals(c.comm()) ? c : new ProcEvent.Comm(c.cpu(), c.timestampNanos(), c.pid(), c.tgid(), c.ppid(), comm);
    }

    private static final String[] NO_NAMES = new String[0];

    /** The names of the declared watches among {@code ws} (most events have none: no allocation then). */
    private static String[] namesOf(Watch[] ws) {
        int n = 0;
        for (Watch w : ws) {
            if (w.name() != null) {
                n++;
            }
        }
        if (n == 0) {
            return NO_NAMES;
        }
        String[] out = new String[n];
        int j = 0;
        for (Watch w : ws) {
            if (w.name() != null) {
                out[j++] = w.name();
            }
        }
        return out;
    }

    private static void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException ex) {
            listenerFailed(ex);
        }
    }

    private static void listenerFailed(RuntimeException ex) {
        System.err.println("taskwatch: listener failed: " + ex);
    }
}
