package org.taskwatch.benchmark;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The soak benchmark (issue 7): the agent as its own JVM, with clients that stay and clients that
 * come and go (see {@link SoakClients}), under fork, exec and thread storms for a set time (10
 * minutes by default). It samples the agent after the warm-up and again at the end, after the
 * storms and after the clients that should go have gone, and compares heap used after a forced
 * GC, live threads and open file descriptors (with RSS and more for information), with a
 * verdict per resource. Run by {@code benchmark/soak}; see benchmark/README.md.
 */
public final class SoakBenchmark {
    /**
     * The longest idle timeout in the agent when no client was killed: a notification mailbox's
     * thread, RMI's idle connection threads and Jolokia's stream threads end after 60 s; the JDK
     * HTTP server closes idle connections after 30 s. Plus a margin.
     */
    private static final int IDLE_SECONDS = 75;
    private static final int FILL_EXECS = 12_000;

    /** RMI's pooled connection threads without a connection: they end after 60 s idle. */
    private static final String RMI_IDLE = "RMI TCP Connection(idle)";

    private final PrintStream out = System.out;
    private final PrintStream log = System.err;
    private final Path jar;
    private final Path stormBinary;
    private final List<String> agentOptions;
    private final int minutes;
    private final int stormers;
    private final Map<StormKind, Long> iterations = new HashMap<>();
    private final int pauseSeconds;
    private final int killEverySeconds;
    private final int settleMaxSeconds;
    /** Where to write the agent's heap histogram before each sample, to see what differs; null for none. */
    private final Path histograms;
    private final AtomicLong storms = new AtomicLong();
    private final AtomicLong stormEvents = new AtomicLong();
    private volatile SoakAgent agent;
    private volatile SoakClients clients;
    private volatile boolean stopStorms;

    private SoakBenchmark(Map<String, String> o) {
        jar = Paths.get(BenchOptions.required(o, "--jar"));
        stormBinary = Paths.get(BenchOptions.required(o, "--bin")).resolve("storm");
        agentOptions = List.of(o.getOrDefault("--agent-opts", "-XX:+UseSerialGC -Xss512k").trim().split("\\s+"));
        minutes = Integer.parseInt(o.getOrDefault("--minutes", "10"));
        stormers = Integer.parseInt(o.getOrDefault("--stormers", "2"));
        iterations.put(StormKind.FORK, Long.parseLong(o.getOrDefault("--forks", "20000")));
        iterations.put(StormKind.EXEC, Long.parseLong(o.getOrDefault("--execs", "5000")));
        iterations.put(StormKind.THREAD, Long.parseLong(o.getOrDefault("--threads", "100000")));
        pauseSeconds = Integer.parseInt(o.getOrDefault("--pause-seconds", "2"));
        killEverySeconds = Integer.parseInt(o.getOrDefault("--kill-every-seconds", "30"));
        settleMaxSeconds = Integer.parseInt(o.getOrDefault("--settle-max-seconds", "300"));
        histograms = o.containsKey("--histograms") ? Paths.get(o.get("--histograms")) : null;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = BenchOptions.parse(args);
        SoakBenchmark b = new SoakBenchmark(opts);
        // whatever ends this JVM, the agent gets SIGTERM (and unsubscribes) before it goes
        Runtime.getRuntime().addShutdownHook(new Thread(b::closeAll, "soak-cleanup"));
        b.run();
    }

    private void run() throws Exception {
        long t0 = System.nanoTime();
        printHeader();
        agent = SoakAgent.start(jar, agentOptions);
        for (String line : agent.banner) {
            out.println("agent     " + line);
        }
        clients = new SoakClients(agent, Paths.get(System.getProperty("java.class.path")), killEverySeconds);
        clients.connectPermanent();

        log.println("# warm-up: one storm of each kind, one round of churn");
        for (StormKind k : StormKind.values()) {
            storm(k);
        }
        clients.churnOnce();
        awaitCaughtUp();
        log.println("# settling " + IDLE_SECONDS + " s: idle threads and connections of the warm-up end");
        settle(IDLE_SECONDS, null);
        fill();
        histogram("start");
        SoakAgent.Sample start = agent.sample();
        double cpuStart = agent.cpuSeconds();
        String loadStart = loadavg();
        progress("start", start.threads(), start.fds(), start.heapAfterGc(), start.counters());

        long runStart = System.nanoTime();
        long deadline = runStart + TimeUnit.MINUTES.toNanos(minutes);
        clients.startChurn();
        Thread stormer = new Thread(() -> stormUntil(deadline), "soak-storms");
        stormer.start();
        int minute = 0;
        while (System.nanoTime() < deadline) {
            Thread.sleep(Math.min(60_000, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
            minute++;
            progress(minute + " min", agent.threadCount(), SoakAgent.fdKinds(agent.pid()).values().stream()
                    .mapToInt(Integer::intValue).sum(), agent.heapUsed(), agent.counters());
        }
        stopStorms = true;
        stormer.join();
        clients.stopChurn();
        double runSeconds = (System.nanoTime() - runStart) / 1e9;
        String loadEnd = loadavg();
        awaitCaughtUp();
        log.println("# storms and churn stopped; waiting for the clients that went to be gone (at most "
                + settleMaxSeconds + " s)");
        settle(settleMaxSeconds, start);
        fill();
        histogram("end");
        SoakAgent.Sample end = agent.sample();
        double cpuEnd = agent.cpuSeconds();

        Map<String, CompletableFuture<Integer>> marker = clients.marker();
        printResults(start, end, runSeconds, cpuEnd - cpuStart, loadStart, loadEnd, marker);
        printHistogram();
        out.printf(Locale.ROOT, "%ntotal run time %.0f s%n", (System.nanoTime() - t0) / 1e9);
    }

    /** Storms of each kind in turn, with a pause between them, until the deadline. */
    private void stormUntil(long deadline) {
        StormKind[] kinds = StormKind.values();
        for (int i = 0; !stopStorms && System.nanoTime() < deadline; i++) {
            try {
                storm(kinds[i % kinds.length]);
                Thread.sleep(TimeUnit.SECONDS.toMillis(pauseSeconds));
            } catch (Exception e) {
                log.println("# storm failed: " + e);
                return;
            }
        }
    }

    private void storm(StormKind k) throws IOException, InterruptedException {
        StormKind.Result r = k.run(stormBinary, stormers, iterations.get(k));
        storms.incrementAndGet();
        stormEvents.addAndGet(r.events());
    }

    /**
     * Fills the agent's bounded buffers with the same kind of notification before each sample,
     * so that the heap compares like with like: the JMX connector keeps the last 16,384
     * notifications for its clients, whatever they were (the exec of a build's JVM carries a
     * command line of kilobytes, a storm's exit a few bytes). One stormer's exec storm of
     * {@value #FILL_EXECS} makes 3 notifications each, more than that buffer holds.
     */
    private void fill() throws Exception {
        log.println("# filling the agent's notification buffers: an exec storm of " + FILL_EXECS);
        StormKind.EXEC.run(stormBinary, 1, FILL_EXECS);
        awaitCaughtUp();
    }

    /**
     * Waits until the agent has delivered what the storms made and the clients that read have
     * read it: the agent's EventsDelivered and what the JMX client and the SSE reader got stop
     * growing (a backlog in a reader's mailbox is heap too).
     */
    private void awaitCaughtUp() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        long[] last = progressCounts();
        int quiet = 0;
        while (quiet < 4 && System.nanoTime() < deadline) {
            Thread.sleep(500);
            long[] now = progressCounts();
            boolean still = true;
            for (int i = 0; i < now.length; i++) {
                still &= now[i] - last[i] < 500;
            }
            quiet = still ? quiet + 1 : 0;
            last = now;
        }
    }

    private long[] progressCounts() throws Exception {
        return new long[] {agent.counters().get("EventsDelivered"), clients.count("jmx.notifications"),
            clients.count("sse.events")};
    }

    /**
     * Waits {@code maxSeconds}; or, with a start sample, until threads and descriptors are back
     * to the start's (three polls running, after the idle timeouts) or {@code maxSeconds} passed.
     * Prints what it sees every 15 s.
     */
    private void settle(int maxSeconds, SoakAgent.Sample start) throws Exception {
        long t0 = System.nanoTime();
        int back = 0;
        while (true) {
            Thread.sleep(5000);
            long s = (System.nanoTime() - t0) / 1_000_000_000L;
            int threads = agent.threadCount();
            int fds = SoakAgent.fdKinds(agent.pid()).values().stream().mapToInt(Integer::intValue).sum();
            if (s % 15 < 5) {
                log.printf(Locale.ROOT, "#   settling %3d s: %d threads, %d fds%n", s, threads, fds);
            }
            if (s >= maxSeconds) {
                return;
            }
            if (start != null && s >= IDLE_SECONDS) {
                back = threads <= start.threads() && fds <= start.fds() ? back + 1 : 0;
                if (back >= 3) {
                    log.printf(Locale.ROOT, "#   back to the start's threads and fds after %d s%n", s);
                    return;
                }
            }
        }
    }

    private void closeAll() {
        stopStorms = true;
        SoakClients c = clients;
        if (c != null) {
            c.close();
        }
        SoakAgent a = agent;
        if (a != null) {
            a.close();
        }
    }

    // ---- output ----

    private void printHeader() throws IOException {
        out.println("taskwatch soak benchmark: the agent under storms and client churn; do its resources end where they began?");
        out.println("date      " + ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS)
                .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        out.println("machine   " + Runtime.getRuntime().availableProcessors() + " CPUs (nproc), "
                + read("/proc/sys/kernel/osrelease") + ", pid_max " + read("/proc/sys/kernel/pid_max"));
        out.println("java      " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
                + "; the agent: java " + String.join(" ", agentOptions) + " -XX:MarkSweepDeadRatio=0 -jar "
                + jar.getFileName() + " agent");
        out.println("load      " + loadavg() + "   (/proc/loadavg at start: other work on this machine)");
        out.printf(Locale.ROOT, "run       %d min of storms (%d stormers; %d fork/exit, %d fork/exec/exit, %d thread"
                + " create/exit each, in turn, %d s apart) and churn (a JMX client killed every %d s)%n", minutes, stormers,
                iterations.get(StormKind.FORK), iterations.get(StormKind.EXEC), iterations.get(StormKind.THREAD),
                pauseSeconds, killEverySeconds);
        out.flush();
    }

    private void progress(String when, int threads, int fds, long heap, Map<String, Long> c) {
        SoakClients k = clients;
        out.printf(Locale.ROOT, "%-7s storms %4d  received %10d  delivered %10d  lost %5d  dropped %9d | jmx %9d  sse"
                + " %9d  pull %7d | threads %3d  fds %4d  heap %6.1f MiB | load %s%n", when, storms.get(),
                c.get("EventsReceived"), c.get("EventsDelivered"), c.get("EventsLost"), c.get("NotificationsDropped"),
                k.count("jmx.notifications"), k.count("sse.events"), k.count("pull.notifications"), threads, fds,
                heap / 1048576.0, loadavg().split(" ")[0]);
        out.flush();
    }

    private void printResults(SoakAgent.Sample s, SoakAgent.Sample e, double runSeconds, double cpu, String loadStart,
            String loadEnd, Map<String, CompletableFuture<Integer>> marker) throws Exception {
        out.println();
        out.printf(Locale.ROOT, "%-26s %12s %12s %12s  %-34s %s%n", "resource", "start", "end", "change", "tolerance",
                "verdict");
        double heapTolerance = Math.max(0.10 * s.heapAfterGc(), 2 * 1048576.0);
        row("heap used after GC (MiB)", mib(s.heapAfterGc()), mib(e.heapAfterGc()), "+10% or +2 MiB, the larger",
                e.heapAfterGc() - s.heapAfterGc() <= heapTolerance ? "PASS" : "FAIL");
        row("live threads", s.threads(), e.threads(), "-", "info");
        int busy0 = s.threads() - s.threadNames().getOrDefault(RMI_IDLE, 0);
        int busy1 = e.threads() - e.threadNames().getOrDefault(RMI_IDLE, 0);
        row("  but RMI's idle pool", busy0, busy1, "none more", busy1 <= busy0 ? "PASS" : "FAIL");
        row("open file descriptors", s.fds(), e.fds(), "none more", e.fds() <= s.fds() ? "PASS" : "FAIL");
        long c0 = s.counters().get("WatchCount");
        long c1 = e.counters().get("WatchCount");
        row("watches (WatchCount)", c0, c1, "equal", c0 == c1 ? "PASS" : "FAIL");
        // RSS follows the pages of the committed heap that storms have touched, not leaks: info only
        row("RSS (MiB)", s.rssKiB() / 1024.0, e.rssKiB() / 1024.0, "-", "info");
        row("heap committed (MiB)", mib(s.heapCommitted()), mib(e.heapCommitted()), "-", "info");

        row("non-heap used (MiB)", mib(s.nonHeap()), mib(e.nonHeap()), "-", "info");
        row("loaded classes", s.classes(), e.classes(), "-", "info");

        diff("threads by name (digits as #), where start and end differ", s.threadNames(), e.threadNames());
        diff("open descriptors by kind, where start and end differ", s.fdKinds(), e.fdKinds());

        out.println();
        out.printf(Locale.ROOT, "%-26s %14s %14s %14s%n", "agent counter", "start", "end", "during the run");
        for (String k : e.counters().keySet()) {
            if (!k.equals("WatchCount")) {
                out.printf(Locale.ROOT, "%-26s %14d %14d %14d%n", k, s.counters().get(k), e.counters().get(k),
                        e.counters().get(k) - s.counters().get(k));
            }
        }
        out.printf(Locale.ROOT, "storms run                 %d (%d events by construction) in %.0f s; agent CPU %.0f s"
                + " (%.0f%% of one core); load %s at start, %s at the end%n", storms.get(), stormEvents.get(), runSeconds,
                cpu, 100 * cpu / runSeconds, firstThree(loadStart), firstThree(loadEnd));
        out.println("agent output after its banner: " + agent.laterLines.get() + " lines (each echoed on stderr)");

        out.println();
        out.println("what the clients did and saw (whole run, warm-up included):");
        for (String k : new TreeSet<>(clients.tally.keySet())) {
            out.printf(Locale.ROOT, "  %-32s %d%n", k, clients.count(k));
        }
        for (Map.Entry<String, String> f : clients.lastFailure.entrySet()) {
            out.printf(Locale.ROOT, "  last failure of %-17s %s%n", f.getKey(), f.getValue());
        }

        out.println();
        out.println("after the end sample, a process exits 77; does every client that reads see it?");
        for (Map.Entry<String, CompletableFuture<Integer>> m : marker.entrySet()) {
            String r;
            try {
                Integer code = m.getValue().get(60, TimeUnit.SECONDS);
                r = code == 77 ? "PASS (exit 77)" : "FAIL (exit " + code + ")";
            } catch (java.util.concurrent.TimeoutException t) {
                r = "FAIL (not within 60 s)";
            }
            out.printf(Locale.ROOT, "  %-26s %s%n", m.getKey(), r);
        }
    }

    /**
     * With {@code --histograms DIR}: {@code jmap -histo:live} of the agent into DIR/NAME.txt, to
     * find what a heap difference is made of. Attaching adds a thread and descriptors to the
     * agent (the Attach Listener): the thread and fd verdicts of such a run do not count.
     */
    private void histogram(String name) throws Exception {
        if (histograms == null) {
            return;
        }
        Files.createDirectories(histograms);
        Path jmap = Paths.get(System.getProperty("java.home"), "bin", "jmap");
        new ProcessBuilder(jmap.toString(), "-histo:live", Long.toString(agent.pid())).redirectErrorStream(true)
                .redirectOutput(histograms.resolve(name + ".txt").toFile()).start().waitFor(120, TimeUnit.SECONDS);
    }

    /**
     * After everything else (attaching adds a thread and descriptors to the agent): live objects
     * of the classes that hold per-client state, from {@code jmap -histo:live}.
     */
    private void printHistogram() throws Exception {
        Path jmap = Paths.get(System.getProperty("java.home"), "bin", "jmap");
        out.println();
        if (!Files.isExecutable(jmap)) {
            out.println("per-client state in the agent: no jmap in " + jmap.getParent());
            return;
        }
        out.println("per-client state in the agent at the end (jmap -histo:live; the permanent clients: one JMX client"
                + " with a listener, two Jolokia SSE clients, one Jolokia pull client):");
        Process p = new ProcessBuilder(jmap.toString(), "-histo:live", Long.toString(agent.pid())).redirectErrorStream(true)
                .start();
        String histo = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        for (String cls : new String[] {"org.taskwatch.jmx.IsolatingBroadcaster$Mailbox",
            "org.jolokia.server.core.service.notification.ListenerRegistration",
            "org.jolokia.service.notif.pull.ClientStore", "org.jolokia.service.notif.pull.NotificationStore",
            "org.jolokia.service.notif.sse.SseHeartBeat", "javax.management.remote.rmi.RMIConnectionImpl",
            "javax.management.Notification"}) {
            long n = 0;
            for (String line : histo.split("\n")) {
                String[] f = line.trim().split("\s+");
                if (f.length >= 4 && f[3].equals(cls)) {
                    n = Long.parseLong(f[1]);
                }
            }
            out.printf(Locale.ROOT, "  %-70s %d%n", cls, n);
        }
    }

    private void row(String name, double start, double end, String tolerance, String verdict) {
        boolean whole = start == Math.rint(start) && end == Math.rint(end) && !name.contains("MiB");
        String f = whole ? "%-26s %12.0f %12.0f %+12.0f  %-34s %s%n" : "%-26s %12.1f %12.1f %+12.1f  %-34s %s%n";
        out.printf(Locale.ROOT, f, name, start, end, end - start, tolerance, verdict);
    }

    private void diff(String title, Map<String, Integer> start, Map<String, Integer> end) {
        TreeSet<String> keys = new TreeSet<>(start.keySet());
        keys.addAll(end.keySet());
        List<String> lines = new ArrayList<>();
        for (String k : keys) {
            int a = start.getOrDefault(k, 0);
            int b = end.getOrDefault(k, 0);
            if (a != b) {
                lines.add(String.format(Locale.ROOT, "  %-52s %4d -> %4d", k, a, b));
            }
        }
        out.println();
        out.println(title + (lines.isEmpty() ? ": none" : ":"));
        lines.forEach(out::println);
    }

    /** The 1, 5 and 15 minute load averages of a /proc/loadavg line. */
    private static String firstThree(String loadavg) {
        return String.join(" ", Arrays.asList(loadavg.split(" ")).subList(0, Math.min(3, loadavg.split(" ").length)));
    }

    private static double mib(long bytes) {
        return bytes / 1048576.0;
    }

    private static String loadavg() {
        try {
            return read("/proc/loadavg");
        } catch (IOException e) {
            return "?";
        }
    }

    /** The first line of a /proc file, read at once (sysctl files give nothing to a second read at an offset). */
    private static String read(String path) throws IOException {
        try (java.io.BufferedReader r = Files.newBufferedReader(Paths.get(path), StandardCharsets.UTF_8)) {
            String line = r.readLine();
            return line == null ? "" : line.trim();
        }
    }
}
