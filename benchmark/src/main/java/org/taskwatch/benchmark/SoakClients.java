package org.taskwatch.benchmark;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.MBeanServerConnection;
import javax.management.Notification;
import javax.management.NotificationListener;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnectionNotification;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * The soak's clients of the agent. Four stay for the whole run: a remote JMX client listening to
 * a {@code watchTree(1, "fork,exec,exit")}, a Jolokia SSE subscriber that reads, one that
 * connects and never reads, and a Jolokia pull client polling every second. The churn comes and
 * goes: JMX clients that connect, watch, unwatch and close; JMX client processes killed with
 * SIGKILL mid-stream; Jolokia clients that register, subscribe (SSE or pull) and unregister;
 * waitForExit callers (over JMX and Jolokia, each checked against the exit code the soak chose);
 * and summary, eventCounts and health calls.
 *
 * <p>Threads: each permanent reader has its own; the churn runs on a scheduled pool
 * ({@code soak-churn-N}); {@link #tally} and the markers are concurrent.
 */
final class SoakClients implements AutoCloseable {
    private static final ObjectName MONITOR = name(JolokiaHttp.MONITOR);
    private static final String[] INT_STRING = {"int", "java.lang.String"};
    private static final Pattern PID = Pattern.compile("\"pid\":(\\d+)[,}]");
    private static final Pattern EXIT_CODE = Pattern.compile("\"exitCode\":(-?\\d+)");

    private final SoakAgent agent;
    private final Path classPath;
    private final int killEverySeconds;
    /** Counts of what the clients did and saw, by name; {@code fail.*} counts failures. */
    final Map<String, LongAdder> tally = new ConcurrentHashMap<>();
    /** The last failure of each kind, to print. */
    final Map<String, String> lastFailure = new ConcurrentHashMap<>();

    // the permanent clients
    private JMXConnector steady;
    final Markers steadyMarkers = new Markers();
    private final JolokiaHttp sseHttp;
    private String sseClient;
    private InputStream sseStream;
    final Markers sseMarkers = new Markers();
    private final JolokiaHttp stuckHttp;
    private String stuckClient;
    private Socket stuck;
    private final JolokiaHttp pullHttp;
    private String pullClient;
    private String pullHandle;
    private String pullStore;
    final Markers pullMarkers = new Markers();
    private final ScheduledExecutorService permanent = Executors.newSingleThreadScheduledExecutor(daemon("soak-pull"));

    // the churn
    private final JolokiaHttp churnHttp;
    private ScheduledExecutorService churn;
    private final AtomicLong jolokiaRound = new AtomicLong();
    private final AtomicLong waitRound = new AtomicLong();
    private volatile Process doomed; // the JMX client process about to be killed, for the shutdown hook

    SoakClients(SoakAgent agent, Path classPath, int killEverySeconds) {
        this.agent = agent;
        this.classPath = classPath;
        this.killEverySeconds = killEverySeconds;
        this.sseHttp = new JolokiaHttp(agent.jolokiaUrl);
        this.stuckHttp = new JolokiaHttp(agent.jolokiaUrl);
        this.pullHttp = new JolokiaHttp(agent.jolokiaUrl);
        this.churnHttp = new JolokiaHttp(agent.jolokiaUrl);
    }

    long count(String name) {
        LongAdder a = tally.get(name);
        return a == null ? 0 : a.sum();
    }

    private void add(String name, long n) {
        tally.computeIfAbsent(name, k -> new LongAdder()).add(n);
    }

    /** Connects the four clients that stay for the whole run. */
    void connectPermanent() throws Exception {
        steady = JMXConnectorFactory.connect(new JMXServiceURL(agent.jmxUrl));
        steady.addConnectionNotificationListener((n, hb) -> {
            if (JMXConnectionNotification.NOTIFS_LOST.equals(n.getType()) && n.getUserData() instanceof Long lost) {
                add("jmx.notifsLost", lost);
            }
        }, null, null);
        MBeanServerConnection mbs = steady.getMBeanServerConnection();
        mbs.addNotificationListener(MONITOR, (Notification n, Object hb) -> {
            add("jmx.notifications", 1);
            if (n.getUserData() instanceof CompositeData d && "taskwatch.process.exit".equals(n.getType())) {
                steadyMarkers.seen((Integer) d.get("pid"), (Integer) d.get("exitCode"));
            }
        }, null, null);
        mbs.invoke(MONITOR, "watchTree", new Object[] {1, "fork,exec,exit"}, INT_STRING);

        sseClient = sseHttp.register();
        sseHttp.subscribe(sseClient, "sse", null);
        sseStream = sseHttp.openSse(sseClient);
        Thread reader = new Thread(() -> readSse(sseStream), "soak-sse-reader");
        reader.setDaemon(true);
        reader.start();

        stuckClient = stuckHttp.register();
        stuckHttp.subscribe(stuckClient, "sse", null);
        stuck = stuckHttp.openSseNeverRead(stuckClient);

        pullClient = pullHttp.register();
        pullHandle = pullHttp.subscribe(pullClient, "pull", "[\"taskwatch.process.exit\"]");
        pullStore = pullHttp.pullStore();
        permanent.scheduleWithFixedDelay(guarded("pull", this::pullOnce), 1, 1, TimeUnit.SECONDS);
    }

    private void readSse(InputStream in) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String l; (l = r.readLine()) != null; ) {
                if (l.startsWith("id:")) {
                    add("sse.events", 1);
                } else if (l.startsWith("data:") && l.contains("taskwatch.process.exit")) {
                    Matcher p = PID.matcher(l);
                    Matcher c = EXIT_CODE.matcher(l);
                    if (p.find() && c.find()) {
                        sseMarkers.seen(Integer.parseInt(p.group(1)), Integer.parseInt(c.group(1)));
                    }
                }
            }
            add("fail.sse-stream-ended", 1);
        } catch (IOException e) {
            add("sse.closed", 1); // closed at the end, or failed: the tally of fail.* says which
        }
    }

    private void pullOnce() throws Exception {
        Map<?, ?> r = pullHttp.pull(pullStore, pullClient, pullHandle);
        if (r.get("dropped") instanceof Number d) {
            add("pull.dropped", d.longValue());
        }
        if (r.get("notifications") instanceof List<?> ns) {
            add("pull.notifications", ns.size());
            for (Object n : ns) {
                if (n instanceof Map<?, ?> m && m.get("userData") instanceof Map<?, ?> u
                        && u.get("pid") instanceof Number pid && u.get("exitCode") instanceof Number code) {
                    pullMarkers.seen(pid.intValue(), code.intValue());
                }
            }
        }
    }

    /** Starts the churn; each kind on its own schedule, until {@link #stopChurn}. */
    void startChurn() {
        churn = Executors.newScheduledThreadPool(5, daemon("soak-churn"));
        churn.scheduleWithFixedDelay(guarded("jmx-churn", this::jmxChurn), 0, 3, TimeUnit.SECONDS);
        churn.scheduleWithFixedDelay(guarded("jmx-kill", this::jmxKill), killEverySeconds / 2, killEverySeconds,
                TimeUnit.SECONDS);
        churn.scheduleWithFixedDelay(guarded("jolokia-churn", this::jolokiaChurn), 1, 5, TimeUnit.SECONDS);
        churn.scheduleWithFixedDelay(guarded("waitForExit", this::waitForExit), 0, 1, TimeUnit.SECONDS);
        churn.scheduleWithFixedDelay(guarded("queries", this::queries), 0, 2, TimeUnit.SECONDS);
    }

    /** One round of each kind of churn but the kill (whose traces take minutes to go), for the warm-up. */
    void churnOnce() throws Exception {
        jmxChurn();
        jolokiaChurn();
        jolokiaChurn();
        waitForExit();
        waitForExit();
        queries();
        queries();
    }

    /** Stops scheduling churn and waits for the rounds under way. */
    void stopChurn() throws InterruptedException {
        churn.shutdown();
        if (!churn.awaitTermination(2, TimeUnit.MINUTES)) {
            add("fail.churn-did-not-stop", 1);
        }
    }

    /** connect, listen, watchTree(1, "exit"), unwatch, stop listening, close. */
    private void jmxChurn() throws Exception {
        try (JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(agent.jmxUrl))) {
            MBeanServerConnection mbs = c.getMBeanServerConnection();
            NotificationListener l = (n, hb) -> add("jmx-churn.notifications", 1);
            mbs.addNotificationListener(MONITOR, l, null, null);
            long id = (Long) mbs.invoke(MONITOR, "watchTree", new Object[] {1, "exit"}, INT_STRING);
            Thread.sleep(1000);
            if (!(Boolean) mbs.invoke(MONITOR, "unwatch", new Object[] {id}, new String[] {"long"})) {
                throw new IllegalStateException("unwatch(" + id + ") said there was no such watch");
            }
            mbs.removeNotificationListener(MONITOR, l);
        }
        add("jmx-churn", 1);
    }

    /** A JMX client in its own JVM, killed with SIGKILL once notifications reach it. */
    private void jmxKill() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classPath.toString(),
                SoakJmxClient.class.getName(), agent.jmxUrl).redirectErrorStream(true).start();
        doomed = p;
        try {
            CompletableFuture<Boolean> receiving = CompletableFuture.supplyAsync(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        if (l.equals("receiving")) {
                            return true;
                        }
                    }
                } catch (IOException ended) {
                    // killed or failed
                }
                return false;
            });
            if (!receiving.get(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the JMX client process ended before it received anything");
            }
            Thread.sleep(1000); // mid-stream
        } finally {
            p.destroyForcibly(); // SIGKILL: the agent is never told
            p.waitFor(30, TimeUnit.SECONDS);
            doomed = null;
        }
        add("jmx-killed", 1);
    }

    /** register, subscribe (SSE and read one event, or pull and pull once), unregister. */
    private void jolokiaChurn() throws Exception {
        boolean sse = jolokiaRound.incrementAndGet() % 2 == 0;
        String client = churnHttp.register();
        try {
            if (sse) {
                churnHttp.subscribe(client, "sse", null);
                InputStream in = churnHttp.openSse(client);
                CompletableFuture<Boolean> first = CompletableFuture.supplyAsync(() -> {
                    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                        for (String l; (l = r.readLine()) != null; ) {
                            if (l.startsWith("id:")) {
                                return true;
                            }
                        }
                    } catch (IOException closed) {
                        // closed below
                    }
                    return false;
                });
                try {
                    // a process of our own, until the stream carries an event: the machine may be quiet
                    for (int i = 0; !first.isDone() && i < 10; i++) {
                        new ProcessBuilder("/bin/true").start().waitFor();
                        try {
                            first.get(1, TimeUnit.SECONDS);
                        } catch (java.util.concurrent.TimeoutException notYet) {
                            // again
                        }
                    }
                    if (!Boolean.TRUE.equals(first.getNow(false))) {
                        throw new IllegalStateException("no event on a new SSE stream within 10 s");
                    }
                } finally {
                    in.close();
                }
                add("jolokia-churn.sse", 1);
            } else {
                String handle = churnHttp.subscribe(client, "pull", null);
                Thread.sleep(1000);
                churnHttp.pull(churnHttp.pullStore(), client, handle);
                add("jolokia-churn.pull", 1);
            }
        } finally {
            churnHttp.unregister(client);
        }
    }

    /** A process that exits with a code chosen here, and waitForExit for it over JMX or Jolokia. */
    private void waitForExit() throws Exception {
        long round = waitRound.incrementAndGet();
        int code = (int) (round % 250) + 1;
        Process p = new ProcessBuilder("/bin/sh", "-c", "sleep 0.2; exit " + code).start();
        long pid = p.pid();
        boolean exited;
        long got;
        if (round % 2 == 0) {
            CompositeData r = (CompositeData) agent.mbs().invoke(MONITOR, "waitForExit", new Object[] {(int) pid, 10_000L},
                    new String[] {"int", "long"});
            exited = (Boolean) r.get("exited");
            got = ((Number) r.get("exitCode")).longValue();
        } else {
            Map<?, ?> r = (Map<?, ?>) churnHttp.exec(JolokiaHttp.MONITOR, "waitForExit", "[" + pid + ",10000]");
            exited = Boolean.TRUE.equals(r.get("exited"));
            got = ((Number) r.get("exitCode")).longValue();
        }
        int real = p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
        if (!exited || got != code || real != code) {
            add("fail.waitForExit-wrong", 1);
            lastFailure.put("waitForExit-wrong", "pid " + pid + ": chose " + code + ", process " + real + ", agent exited="
                    + exited + " exitCode=" + got);
        } else {
            add("waitForExit", 1);
        }
    }

    /** summary, eventCounts and health, over JMX and over Jolokia. */
    private void queries() throws Exception {
        MBeanServerConnection mbs = agent.mbs();
        mbs.invoke(MONITOR, "summary", new Object[] {"^storm$", 60}, new String[] {"java.lang.String", "int"});
        mbs.invoke(MONITOR, "eventCounts", new Object[] {60}, new String[] {"int"});
        mbs.invoke(MONITOR, "health", new Object[] {60}, new String[] {"int"});
        churnHttp.exec(JolokiaHttp.MONITOR, "summary", "[\"^true$\",60]");
        churnHttp.exec(JolokiaHttp.MONITOR, "eventCounts", "[300]");
        churnHttp.exec(JolokiaHttp.MONITOR, "health", "[300]");
        add("queries", 6);
    }

    /**
     * A process that exits 77 once every reading client expects it; the futures complete when
     * each sees its exit (the stuck client is not asked).
     */
    Map<String, CompletableFuture<Integer>> marker() throws Exception {
        Process p = new ProcessBuilder("/bin/sh", "-c", "read line; exit 77").redirectErrorStream(true).start();
        int pid = (int) p.pid();
        Map<String, CompletableFuture<Integer>> m = new TreeMap<>();
        m.put("remote JMX client", steadyMarkers.expect(pid));
        m.put("Jolokia SSE reader", sseMarkers.expect(pid));
        m.put("Jolokia pull client", pullMarkers.expect(pid));
        p.getOutputStream().write('\n');
        p.getOutputStream().close();
        p.waitFor(30, TimeUnit.SECONDS);
        return m;
    }

    /** Runs a task, counting its failures instead of ending its schedule. */
    private Runnable guarded(String name, Task t) {
        return () -> {
            try {
                t.run();
            } catch (Exception e) {
                add("fail." + name, 1);
                lastFailure.put(name, String.valueOf(e));
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
            }
        };
    }

    private interface Task {
        void run() throws Exception;
    }

    /** Kills a client process the churn left mid-way (shutdown hook): it is not a kernel listener. */
    void killStragglers() {
        Process p = doomed;
        if (p != null) {
            p.destroyForcibly();
        }
    }

    @Override
    public void close() {
        permanent.shutdownNow();
        if (churn != null) {
            churn.shutdownNow();
        }
        killStragglers();
        try {
            if (steady != null) {
                steady.close();
            }
            if (sseStream != null) {
                sseStream.close();
            }
            if (stuck != null) {
                stuck.close();
            }
            for (String[] c : new String[][] {{"sse", sseClient}, {"stuck", stuckClient}, {"pull", pullClient}}) {
                if (c[1] != null) {
                    churnHttp.unregister(c[1]);
                }
            }
        } catch (IOException | InterruptedException e) {
            System.err.println("# closing the clients: " + e);
        }
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicLong n = new AtomicLong();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static ObjectName name(String n) {
        try {
            return new ObjectName(n);
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Exits a client is waiting to see: pid to the exit code it saw. */
    static final class Markers {
        private final Map<Integer, CompletableFuture<Integer>> expected = new ConcurrentHashMap<>();

        CompletableFuture<Integer> expect(int pid) {
            return expected.computeIfAbsent(pid, k -> new CompletableFuture<>());
        }

        void seen(int pid, int exitCode) {
            CompletableFuture<Integer> f = expected.get(pid);
            if (f != null) {
                f.complete(exitCode);
            }
        }
    }
}
