package org.taskwatch.benchmark;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * {@code java -jar taskwatch-mbeans-*.jar agent} as its own JVM, as operators run it, on free
 * loopback ports for JMX and Jolokia, and an observer: one JMX connection (no listeners) that
 * reads the resources the soak compares, and /proc for what only the kernel knows (open
 * descriptors, RSS). Stopped with SIGTERM only: the agent then unsubscribes from the kernel.
 */
final class SoakAgent implements AutoCloseable {
    private static final ObjectName MONITOR = name(JolokiaHttp.MONITOR);
    private static final ObjectName MEMORY = name("java.lang:type=Memory");
    private static final ObjectName THREADING = name("java.lang:type=Threading");
    private static final ObjectName CLASSES = name("java.lang:type=ClassLoading");
    private static final String[] COUNTERS = {"EventsReceived", "EventsDelivered", "EventsLost", "NotificationsDropped",
        "WatchCount"};

    final Process process;
    final String jmxUrl;
    final String jolokiaUrl;
    final List<String> banner;
    private final JMXConnector observer;
    private final MBeanServerConnection mbs;
    /** Lines the agent printed after its banner (errors, warnings); each is echoed to stderr. */
    final AtomicInteger laterLines;

    /**
     * What the soak compares, at one moment.
     *
     * @param heapAfterGc heap used at the end of a full GC forced through JMX (the heap pools' CollectionUsage), bytes
     * @param heapCommitted heap committed then, bytes
     * @param nonHeap non-heap used (metaspace, code cache), bytes
     * @param threads live Java threads (ThreadMXBean ThreadCount)
     * @param threadNames live Java threads by name, digits replaced by '#'
     * @param fds open file descriptors (/proc/PID/fd)
     * @param fdKinds open descriptors by kind (socket, pipe, anon_inode, a file's path)
     * @param rssKiB resident set (/proc/PID/status VmRSS)
     * @param classes loaded classes
     * @param counters the Monitor's EventsReceived, EventsDelivered, EventsLost, NotificationsDropped, WatchCount
     */
    record Sample(long heapAfterGc, long heapCommitted, long nonHeap, int threads, Map<String, Integer> threadNames, int fds,
            Map<String, Integer> fdKinds, long rssKiB, int classes, Map<String, Long> counters) {}

    private SoakAgent(Process process, String jmxUrl, String jolokiaUrl, List<String> banner, AtomicInteger laterLines)
            throws IOException {
        this.process = process;
        this.laterLines = laterLines;
        this.jmxUrl = jmxUrl;
        this.jolokiaUrl = jolokiaUrl;
        this.banner = banner;
        this.observer = JMXConnectorFactory.connect(new JMXServiceURL(jmxUrl));
        this.mbs = observer.getMBeanServerConnection();
    }

    /** Starts {@code java [jvmOptions] -jar jar agent} with JMX and Jolokia on free loopback ports. */
    static SoakAgent start(Path jar, List<String> jvmOptions) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        // Serial (and Parallel) full GCs leave up to 5% of the old generation as "dead wood",
        // dead objects left in place as filler arrays that count as used: 6 to 12 MiB that came
        // and went between samples. A full compaction makes "used after GC" the live objects.
        cmd.add("-XX:MarkSweepDeadRatio=0");
        cmd.addAll(List.of("-jar", jar.toString(), "agent", "--jmx-port", Integer.toString(freePort()),
                "--jolokia-port", Integer.toString(freePort())));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        AtomicInteger later = new AtomicInteger();
        boolean[] started = {false};
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (started) {
                        if (started[0]) {
                            later.incrementAndGet();
                            System.err.println("# agent said: " + line);
                            continue;
                        }
                    }
                    lines.add(line);
                }
            } catch (IOException ended) {
                // the agent is gone
            }
        }, "agent-output");
        pump.setDaemon(true);
        pump.start();
        List<String> banner = new ArrayList<>();
        String jmx = null;
        String jolokia = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while ((jmx == null || jolokia == null) && System.nanoTime() < deadline) {
            String line = lines.poll(1, TimeUnit.SECONDS);
            if (line == null) {
                if (!p.isAlive()) {
                    break;
                }
                continue;
            }
            banner.add(line);
            if (line.startsWith("taskwatch agent: JMX ")) {
                jmx = line.substring("taskwatch agent: JMX ".length()).split(" ")[0];
            } else if (line.startsWith("taskwatch agent: Jolokia ")) {
                jolokia = line.substring("taskwatch agent: Jolokia ".length()).split(" ")[0];
            }
        }
        synchronized (started) {
            started[0] = true;
        }
        if (jmx == null || jolokia == null) {
            stop(p);
            throw new IOException("the agent did not start: " + banner);
        }
        try {
            return new SoakAgent(p, jmx, jolokia, banner, later);
        } catch (IOException | RuntimeException e) {
            stop(p);
            throw e;
        }
    }

    /**
     * A free loopback port for an agent: not 9875 or 8778, other agents may run on this machine.
     * The benchmarks' own (the tests' is mbeans' AgentProcess.freePort, in a test-jar, which
     * this module's main code does not depend on).
     */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    long pid() {
        return process.pid();
    }

    /** The observer's connection, also for waitForExit and queries. */
    MBeanServerConnection mbs() {
        return mbs;
    }

    Map<String, Long> counters() throws Exception {
        Map<String, Long> m = new TreeMap<>();
        for (var a : mbs.getAttributes(MONITOR, COUNTERS).asList()) {
            m.put(a.getName(), ((Number) a.getValue()).longValue());
        }
        return m;
    }

    int threadCount() throws Exception {
        return ((Number) mbs.getAttribute(THREADING, "ThreadCount")).intValue();
    }

    /** Heap used without forcing a GC (for progress lines only). */
    long heapUsed() throws Exception {
        return (Long) ((CompositeData) mbs.getAttribute(MEMORY, "HeapMemoryUsage")).get("used");
    }

    /**
     * A full sample. The heap is read after two GCs forced through JMX
     * ({@code java.lang:type=Memory gc}, a full collection with SerialGC): the second one
     * collects what the first one's reference processing (cleaners, finalizers) freed. "Used
     * after GC" is what the collector itself recorded at the end of that GC, the heap pools'
     * CollectionUsage: MemoryMXBean's HeapMemoryUsage read a moment later also counts the
     * thread-local allocation buffers that busy threads took since, whole (megabytes that came
     * and went between runs).
     */
    Sample sample() throws Exception {
        mbs.invoke(MEMORY, "gc", null, null);
        Thread.sleep(1000);
        mbs.invoke(MEMORY, "gc", null, null);
        long heap = 0;
        for (ObjectName pool : mbs.queryNames(name("java.lang:type=MemoryPool,*"), null)) {
            if ("HEAP".equals(String.valueOf(mbs.getAttribute(pool, "Type")))
                    && mbs.getAttribute(pool, "CollectionUsage") instanceof CompositeData u) {
                heap += (Long) u.get("used");
            }
        }
        CompositeData heapUsage = (CompositeData) mbs.getAttribute(MEMORY, "HeapMemoryUsage");
        long nonHeap = (Long) ((CompositeData) mbs.getAttribute(MEMORY, "NonHeapMemoryUsage")).get("used");
        int threads = threadCount();
        Map<String, Integer> names = new TreeMap<>();
        CompositeData[] infos = (CompositeData[]) mbs.invoke(THREADING, "dumpAllThreads", new Object[] {false, false},
                new String[] {"boolean", "boolean"});
        for (CompositeData t : infos) {
            names.merge(String.valueOf(t.get("threadName")).replaceAll("[0-9]+", "#"), 1, Integer::sum);
        }
        Map<String, Integer> kinds = fdKinds(pid());
        int fds = kinds.values().stream().mapToInt(Integer::intValue).sum();
        int classes = ((Number) mbs.getAttribute(CLASSES, "LoadedClassCount")).intValue();
        return new Sample(heap, (Long) heapUsage.get("committed"), nonHeap, threads, names, fds, kinds, rssKiB(pid()), classes, counters());
    }

    /** Open descriptors by what they point at: socket, pipe, anon_inode:[...], or the file's path. */
    static Map<String, Integer> fdKinds(long pid) throws IOException {
        Map<String, Integer> kinds = new TreeMap<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Paths.get("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException closedMeanwhile) {
                    continue;
                }
                String kind = target.startsWith("socket:") ? "socket" : target.startsWith("pipe:") ? "pipe" : target;
                kinds.merge(kind, 1, Integer::sum);
            }
        }
        return kinds;
    }

    static long rssKiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** CPU seconds the agent's JVM has used so far (utime + stime). */
    double cpuSeconds() {
        return CpuClock.seconds(CpuClock.process(pid()));
    }

    @Override
    public void close() {
        try {
            observer.close();
        } catch (IOException ignored) {
            // the agent goes next anyway
        }
        stop(process);
    }

    /** SIGTERM: the agent sends IGNORE and exits 0. Only a hung agent is killed, and that is said. */
    static void stop(Process p) {
        stop(p, 30);
    }

    /** {@link #stop(Process)}, waiting at most {@code seconds} for the agent's clean exit. */
    static void stop(Process p, int seconds) {
        if (!p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                System.err.println("# the agent did not stop on SIGTERM within " + seconds + " s: killing it; the kernel may keep"
                        + " counting its listener (no IGNORE was sent)");
                p.destroyForcibly();
            } else if (p.exitValue() != 0) {
                System.err.println("# the agent exited with " + p.exitValue() + " on SIGTERM");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ObjectName name(String n) {
        try {
            return new ObjectName(n);
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
