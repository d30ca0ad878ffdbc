package org.taskwatch.benchmark;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.taskwatch.kernel.ProcConnector;
import org.taskwatch.monitor.MonitorSettings;

/**
 * The storm benchmark (issue 6): taskwatch against floor.c, the smallest possible reader, on
 * the same storms at the same time. For each mode and each storm (fork/exit, fork/exec/exit,
 * thread create/exit; two stormers at once) it prints the events generated, the events floor
 * and taskwatch saw, what taskwatch delivered and lost, the CPU seconds each reader spent
 * during the storm only (after a warm-up storm), their ratio, and taskwatch's latency from the
 * kernel's timestamp to a listener. Run by {@code benchmark/storm}; see benchmark/README.md.
 *
 * <p>Modes: {@code watch-all}, a {@code TaskMonitor} in this JVM watching every process with
 * one listener; {@code agent}, {@code taskwatch agent} as its own JVM with a remote JMX client
 * watching fork, exec and exit of every process; {@code agent-sse}, the same agent with Jolokia
 * only and one Jolokia SSE client watching the same; {@code idle-pids}, ten watched processes that
 * do nothing during the storms, so that nothing matches.
 */
public final class StormBenchmark {
    private static final int IDLE_PIDS = 10;
    /** Quiet means each counter grew by at most this much per poll (other processes on the machine go on). */
    private static final long QUIET_EVENTS_PER_POLL = 100;
    private static final int QUIET_POLLS = 5;
    private static final long POLL_MILLIS = 100;

    private final PrintStream out = System.out;
    private final PrintStream log = System.err;
    private final Path floorBinary;
    private final Path stormBinary;
    private final Path launcher;
    private final int stormers;
    private final Map<StormKind, Long> iterations = new HashMap<>();
    private final List<String> modes;
    private final List<Row> rows = new ArrayList<>();
    private final int coalesceMicros;
    /** More settings for the agent, each passed as {@code --set KEY=VALUE} (--agent-set K=V,K=V). */
    private final List<String> agentSettings;
    private final int priorityBoost;
    private final Map<String, String> cpuMeasures = new LinkedHashMap<>();
    private volatile TaskwatchSide current;
    private volatile Floor currentFloor;

    /** One storm's measurements. */
    private record Row(String mode, StormKind kind, long generated, double wallSeconds, Map<String, String> floor,
            double floorCpu, TaskwatchSide.Snapshot tw, double twCpu, long[] latencyMicros) {}

    private StormBenchmark(Map<String, String> opts) {
        Path bin = Paths.get(BenchOptions.required(opts, "--bin"));
        floorBinary = bin.resolve("floor");
        stormBinary = bin.resolve("storm");
        launcher = opts.containsKey("--launcher") ? Paths.get(opts.get("--launcher")) : null;
        stormers = Integer.parseInt(opts.getOrDefault("--stormers", "2"));
        iterations.put(StormKind.FORK, Long.parseLong(opts.getOrDefault("--forks", "30000")));
        iterations.put(StormKind.EXEC, Long.parseLong(opts.getOrDefault("--execs", "20000")));
        iterations.put(StormKind.THREAD, Long.parseLong(opts.getOrDefault("--threads", "200000")));
        modes = List.of(opts.getOrDefault("--modes", "watch-all,agent,idle-pids").split(","));
        coalesceMicros = Integer.parseInt(opts.getOrDefault("--coalesce-micros",
                Integer.toString(ProcConnector.DEFAULT_COALESCE_MICROS)));
        priorityBoost = Integer.parseInt(opts.getOrDefault("--priority-boost",
                Integer.toString(MonitorSettings.DEFAULT_PRIORITY_BOOST)));
        agentSettings = opts.containsKey("--agent-set") ? List.of(opts.get("--agent-set").split(",")) : List.of();
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = BenchOptions.parse(args);
        StormBenchmark b = new StormBenchmark(opts);
        // whatever ends this JVM, every reader unsubscribes (IGNORE) before it goes
        Runtime.getRuntime().addShutdownHook(new Thread(b::closeAll, "storm-cleanup"));
        b.run();
    }

    private void run() throws Exception {
        long t0 = System.nanoTime();
        printHeader();
        for (String mode : modes) {
            log.println("# mode " + mode + ": starting");
            TaskwatchSide side = open(mode);
            current = side;
            cpuMeasures.put(side.name(), side.cpuMeasure());
            try {
                warmUp(side);
                for (StormKind k : StormKind.values()) {
                    rows.add(measure(side, k));
                }
            } finally {
                current = null;
                side.close();
            }
        }
        printTables();
        out.printf(Locale.ROOT, "%ntotal run time %.0f s%n", (System.nanoTime() - t0) / 1e9);
    }

    private TaskwatchSide open(String mode) throws Exception {
        int capacity = latencyCapacity();
        switch (mode) {
            case "watch-all":
                return InProcessSide.watchAll(capacity, tuning());
            case "idle-pids": // (c): the kernel counts every event, then drops those of unwatched processes (the default, kernelFilter=counted)
                return InProcessSide.idleWatches(IDLE_PIDS, 1024, true, tuning());
            case "command-watch": // a command watch that matches nothing: the reader reads /proc at every exec
                return InProcessSide.commandWatch(tuning());
            case "idle-pids-userspace": // (c) with kernelFilter=off, for comparison
                return InProcessSide.idleWatches(IDLE_PIDS, 1024, false, tuning());
            case "agent":
                if (launcher == null) {
                    throw new IllegalArgumentException("mode agent needs --launcher (the project's taskwatch script)");
                }
                AgentSide a = AgentSide.start(launcher, capacity, coalesceMicros, priorityBoost, agentSettings);
                logBanner(a.banner());
                return a;
            case "agent-sse":
                if (launcher == null) {
                    throw new IllegalArgumentException("mode agent-sse needs --launcher (the project's taskwatch script)");
                }
                AgentSseSide sse = AgentSseSide.start(launcher, capacity, coalesceMicros, priorityBoost, agentSettings);
                logBanner(sse.banner());
                return sse;
            default:
                throw new IllegalArgumentException("unknown mode '" + mode
                        + "': watch-all, agent, agent-sse, idle-pids, idle-pids-userspace or command-watch");
        }
    }

    private void logBanner(List<String> banner) {
        for (String line : banner) {
            log.println("#   " + line);
        }
    }

    /** The monitor's defaults with this run's coalescing and priority boost. */
    private MonitorSettings tuning() {
        MonitorSettings d = MonitorSettings.defaults();
        return d.withEventSource(d.eventSource().withCoalescing(coalesceMicros)).withPriorityBoost(priorityBoost);
    }

    /** Room for every event of a mode's warm-up and storms, with as much again for other processes. */
    private int latencyCapacity() {
        long events = 0;
        for (StormKind k : StormKind.values()) {
            events += 2L * stormers * iterations.get(k) * k.eventsPerIteration;
        }
        return (int) Math.min(Integer.MAX_VALUE - 8, 2 * events + 1_000_000);
    }

    /** A fifth of each storm first, so that both readers run compiled code when measured. */
    private void warmUp(TaskwatchSide side) throws Exception {
        for (StormKind k : StormKind.values()) {
            k.run(stormBinary, stormers, Math.max(1000, iterations.get(k) / 5));
        }
        awaitQuiet(side);
        log.println("# mode " + side.name() + ": warmed up");
    }

    private Row measure(TaskwatchSide side, StormKind kind) throws Exception {
        try (Floor floor = Floor.start(floorBinary)) {
            currentFloor = floor;
            TaskwatchSide.Snapshot before = side.snapshot();
            long floorBefore = CpuClock.process(floor.pid());
            int mark = side.latencies().mark();
            StormKind.Result storm = kind.run(stormBinary, stormers, iterations.get(kind));
            awaitQuiet(side);
            TaskwatchSide.Snapshot d = side.snapshot().minus(before);
            double floorCpu = CpuClock.seconds(CpuClock.process(floor.pid()) - floorBefore);
            long[] lat = side.latencies().percentilesMicros(mark, side.latencies().mark());
            Map<String, String> f = floor.stop();
            currentFloor = null;
            log.printf(Locale.ROOT, "# %s %s: %s; floor %s msgs, taskwatch %d seen, %d to the listener%n", side.name(),
                    kind.arg, storm.lines(), f.get("msgs"), d.received(), d.listened());
            return new Row(side.name(), kind, storm.events(), storm.wallSeconds(), f, floorCpu, d,
                    CpuClock.seconds(side.cpuTicks(d)), lat);
        }
    }

    /** Waits until taskwatch has caught up: its counters stop growing (beyond background noise). */
    private void awaitQuiet(TaskwatchSide side) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        TaskwatchSide.Snapshot last = side.snapshot();
        int quiet = 0;
        while (quiet < QUIET_POLLS) {
            if (System.nanoTime() > deadline) {
                log.println("# " + side.name() + ": still busy after 2 minutes; measuring anyway");
                return;
            }
            Thread.sleep(POLL_MILLIS);
            TaskwatchSide.Snapshot now = side.snapshot();
            boolean still = now.received() - last.received() <= QUIET_EVENTS_PER_POLL
                    && now.listened() - last.listened() <= QUIET_EVENTS_PER_POLL;
            quiet = still ? quiet + 1 : 0;
            last = now;
        }
    }

    private void closeAll() {
        Floor f = currentFloor;
        if (f != null) {
            f.close();
        }
        TaskwatchSide s = current;
        if (s != null) {
            s.close();
        }
    }

    // ---- output ----

    private void printHeader() throws IOException, InterruptedException {
        out.println("taskwatch storm benchmark: taskwatch against floor.c on the same storms, side by side");
        out.println("date      " + ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS)
                .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        out.println("machine   " + Runtime.getRuntime().availableProcessors() + " CPUs (nproc), "
                + cpuModel() + ", " + memory() + ", kernel " + read("/proc/sys/kernel/osrelease"));
        out.println("java      " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
                + ", " + String.join(" ", java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments())
                + " (this JVM: watch-all in process); the agent: " + (System.getenv("TASKWATCH_JAVA_OPTS") == null
                        ? "the launcher's defaults" : "TASKWATCH_JAVA_OPTS"));
        out.println("load      " + read("/proc/loadavg") + "   (/proc/loadavg at start: other work on this machine)");
        out.printf(Locale.ROOT, "storms    %d stormers at once, each: %d fork/exit, %d fork/exec/exit, %d thread"
                + " create/exit (warm-up first: a fifth of each)%n", stormers, iterations.get(StormKind.FORK),
                iterations.get(StormKind.EXEC), iterations.get(StormKind.THREAD));
        out.printf(Locale.ROOT, "taskwatch coalesceMicros=%d (the reader wakes at most once per %d us while events"
                + " stream in), priorityBoost=%d (its reader and delivery threads at nice -%d; floor and the stormers"
                + " at the benchmark's own)%n", coalesceMicros, coalesceMicros, priorityBoost, priorityBoost);
        if (!agentSettings.isEmpty()) {
            out.println("agent     also --set " + String.join(" --set ", agentSettings));
        }
        try (Floor f = Floor.start(floorBinary)) {
            long t = System.nanoTime();
            Thread.sleep(2000);
            long msgs = Long.parseLong(f.stop().get("msgs"));
            out.printf(Locale.ROOT, "idle      %.0f events/s from other processes while no storm runs (floor, 2 s)%n",
                    msgs / ((System.nanoTime() - t) / 1e9));
        }
        out.flush();
    }

    private void printTables() {
        out.println();
        String h = "%-13s %-6s %9s %10s %9s %9s %9s %8s %8s %9s %7s %6s %7s %7s %8s%n";
        String r = "%-13s %-6s %9d %10s %9d %9d %9d %8d %8d %9.2f %7.2f %6s %7s %7s %8s%n";
        out.printf(Locale.ROOT, h, "mode", "storm", "generated", "floor_seen", "tw_seen", "tw_deliv", "listener",
                "tw_lost", "cl_lost", "floor_cpu", "tw_cpu", "ratio", "p50_us", "p99_us", "max_us");
        for (Row x : rows) {
            out.printf(Locale.ROOT, r, x.mode, x.kind.arg, x.generated, x.floor.get("msgs"), x.tw.received(),
                    x.tw.delivered(), x.tw.listened(), x.tw.lost(), x.tw.notifsLost(), x.floorCpu, x.twCpu,
                    ratio(x.twCpu, x.floorCpu), lat(x, 0), lat(x, 1), lat(x, 2));
        }
        out.println();
        String h2 = "%-13s %-6s %7s %9s %10s %13s %14s %14s %10s %11s %9s %10s%n";
        String r2 = "%-13s %-6s %7.1f %9.0f %10s %13s %14s %14s %10.2f %11.2f %9s %10s%n";
        out.printf(Locale.ROOT, h2, "mode", "storm", "wall_s", "events/s", "floor_gaps", "floor_enobufs",
                "floor_lat_avg", "floor_lat_max", "tw_thr_cpu", "tw_proc_cpu", "ratio_thr", "ratio_proc");
        for (Row x : rows) {
            double thr = CpuClock.seconds(x.tw.threadTicks());
            double proc = CpuClock.seconds(x.tw.processTicks());
            out.printf(Locale.ROOT, r2, x.mode, x.kind.arg, x.wallSeconds, x.generated / x.wallSeconds,
                    x.floor.get("seq_gaps"), x.floor.get("enobufs"), x.floor.get("lat_avg_us"), x.floor.get("lat_max_us"),
                    thr, proc, ratio(thr, x.floorCpu), ratio(proc, x.floorCpu));
        }
        out.println();
        out.println("generated   events the stormers made, by construction (fork: 2, exec: 3, thread: 2 per iteration);");
        out.println("            the readers also see every other process on the machine (see 'idle' above)");
        out.println("floor_seen  messages floor received; tw_seen: events taskwatch's reader received (EventsReceived)");
        out.println("tw_deliv    events taskwatch delivered to its listeners (EventsDelivered); listener: events the");
        out.println("            benchmark's listener got (in process), or notifications the remote client got");
        out.println("tw_lost     EventsLost (socket buffer drops, sequence gaps, full handoff); cl_lost: what the client");
        out.println("            was told it missed: NOTIFS_LOST (JMX), the sum of Jolokia's 'dropped' (SSE)");
        out.println("*_cpu       utime+stime seconds from just before the storm until taskwatch caught up (10 ms");
        out.println("            resolution); ratio = tw_cpu / floor_cpu. tw_cpu is, by mode:");
        for (Map.Entry<String, String> m : cpuMeasures.entrySet()) {
            out.printf(Locale.ROOT, "              %-13s %s%n", m.getKey(), m.getValue());
        }
        out.println("            tw_thr_cpu: taskwatch's reader + delivery threads; tw_proc_cpu: the whole JVM that runs");
        out.println("            taskwatch (in process: this benchmark's JVM, which adds GC and the JIT compiler)");
        out.println("p50/p99/max kernel timestamp to the listener (in process) or to the remote client, microseconds");
        out.println("floor_*     floor's own counts: sequence gaps (occurrences), ENOBUFS, latency to floor (us)");
        if (rows.stream().anyMatch(x -> x.latencyMicros == null)) {
            out.println("-           no event reached the listener");
        }
    }

    private static String ratio(double tw, double floor) {
        return floor > 0 ? String.format(Locale.ROOT, "%.1f", tw / floor) : "-";
    }

    private static String lat(Row x, int i) {
        return x.latencyMicros == null ? "-" : Long.toString(x.latencyMicros[i]);
    }

    private static String read(String path) throws IOException {
        return new String(Files.readAllBytes(Paths.get(path)), StandardCharsets.UTF_8).trim();
    }

    private static String cpuModel() throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/cpuinfo"))) {
            if (line.startsWith("model name")) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        return "unknown CPU";
    }

    private static String memory() throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                return Math.round(kb / 1024.0 / 1024.0) + " GiB";
            }
        }
        return "? GiB";
    }
}
