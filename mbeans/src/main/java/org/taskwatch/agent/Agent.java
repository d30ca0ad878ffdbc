package org.taskwatch.agent;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import javax.management.JMException;
import javax.management.MBeanServer;
import org.taskwatch.jmx.JmxExporter;
import org.taskwatch.jolokia.JolokiaEndpoint;
import org.taskwatch.jolokia.Users;
import org.taskwatch.kernel.ProcConnector;
import org.taskwatch.metrics.PrometheusEndpoint;
import org.taskwatch.monitor.TaskMonitor;
import org.taskwatch.monitor.Watch;
import org.taskwatch.monitor.WatchOwners;
import org.taskwatch.push.Pushes;

/**
 * A running agent: the monitor, its MBeans in an MBeanServer, and the endpoints that serve them
 * (JMX RMI, Jolokia). Started the same way by {@code taskwatch agent} and by {@code -javaagent};
 * closed in reverse order, the monitor last (which unsubscribes from the kernel with IGNORE).
 */
public final class Agent implements AutoCloseable {
    private final TaskMonitor monitor;
    private final JmxExporter exporter;
    private final JmxRemote jmx;
    private final JolokiaEndpoint jolokia;
    private final Pushes pushes; // null: nothing pushed
    private final PrometheusEndpoint prometheus; // null: no endpoint
    private final List<String> banner;
    // the fixed settings in force: a reload applies none of them, so each reload's file is compared
    // with these (not with the previous reload's file, which never ran)
    private final AgentConfig started;
    private AgentConfig config; // guarded by this: the configuration whose declared watches run now (a reload replaces it)

    private Agent(TaskMonitor monitor, JmxExporter exporter, JmxRemote jmx, JolokiaEndpoint jolokia, Pushes pushes,
            PrometheusEndpoint prometheus, List<String> banner, AgentConfig started) {
        this.monitor = monitor;
        this.exporter = exporter;
        this.jmx = jmx;
        this.jolokia = jolokia;
        this.pushes = pushes;
        this.prometheus = prometheus;
        this.banner = banner;
        this.started = started;
        this.config = started;
    }

    /**
     * Starts everything {@code config} asks for; on any failure stops what was started and
     * throws.
     *
     * @throws IOException when the kernel's connector cannot be used or a port or file cannot,
     *     with a message saying which and what to do
     * @throws IllegalArgumentException for settings that cannot work together
     */
    public static Agent start(AgentConfig config, MBeanServer mbs) throws IOException {
        if (config.getBoolean(ConfigKey.JMX_ENABLED) && System.getProperty("java.rmi.server.hostname") == null) {
            // RMI stubs name this host: make them name the address the connector binds to
            System.setProperty("java.rmi.server.hostname", config.get(ConfigKey.JMX_HOST));
        }
        // one set of users for both endpoints, loaded (and its password file's mode checked) before anything starts
        FailedLogins failures = new FailedLogins(line -> System.err.println("taskwatch: " + line));
        PasswordUsers users = config.get(ConfigKey.JMX_PASSWORD_FILE).isEmpty() ? null
                : PasswordUsers.load(config.get(ConfigKey.JMX_PASSWORD_FILE), config.get(ConfigKey.JMX_ACCESS_FILE), failures);
        Users jolokiaUsers = users != null ? users : config.get(ConfigKey.JOLOKIA_USER).isEmpty() ? null
                : new SingleUser(config.get(ConfigKey.JOLOKIA_USER), config.get(ConfigKey.JOLOKIA_PASSWORD), failures);
        TaskMonitor monitor = TaskMonitor.start(config.monitorSettings());
        JmxExporter exporter = null;
        JmxRemote jmx = null;
        JolokiaEndpoint jolokia = null;
        Pushes pushes = null;
        List<String> pushLines = new ArrayList<>();
        PrometheusEndpoint prometheus = null;
        try {
            // before the MBeans: a client's first read finds the declared watches seeded from /proc
            String applied = applyDeclared(monitor, config);
            monitor.services().configStatus(loaded(config, "loaded", applied));
            exporter = JmxExporter.export(mbs, monitor, config.getInt(ConfigKey.ENDED_WATCH_SECONDS));
            pushes = PushSetup.start(config, monitor, Agent::log, pushLines);
            if (pushes != null) {
                exporter.showPushes(pushes::stats);
            }
            if (config.getBoolean(ConfigKey.JMX_ENABLED)) {
                jmx = JmxRemote.start(mbs, JmxSettings.of(config), users);
                jmx.connections().ownWatches(monitor.owners(), Agent::log);
            }
            if (config.getBoolean(ConfigKey.JOLOKIA_ENABLED)) {
                String keyStore = config.get(ConfigKey.JOLOKIA_KEY_STORE);
                jolokia = JolokiaEndpoint.start(config.jolokiaSettings(keyStore.isEmpty() ? null : ServerTls.of(keyStore,
                        config.get(ConfigKey.JOLOKIA_KEY_STORE_PASSWORD), "jolokia.ssl.keyStore")), jolokiaUsers,
                        exporter::notificationHandbacks);
                ownWatches(jolokia, monitor.owners());
            }
            if (!config.get(ConfigKey.PROMETHEUS_PORT).isEmpty()) {
                prometheus = PrometheusEndpoint.start(config.get(ConfigKey.PROMETHEUS_HOST),
                        config.getInt(ConfigKey.PROMETHEUS_PORT), monitor);
            }
        } catch (JMException e) {
            closeAll(prometheus, jolokia, jmx, exporter, pushes, monitor);
            throw new IOException("cannot register the MBeans: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            closeAll(prometheus, jolokia, jmx, exporter, pushes, monitor);
            throw e;
        }
        List<String> lines = new ArrayList<>(banner(config, monitor, jmx, jolokia, prometheus));
        lines.addAll(pushLines);
        return new Agent(monitor, exporter, jmx, jolokia, pushes, prometheus, List.copyOf(lines), config);
    }

    /**
     * Applies the declared watches of {@code c}. A watch the monitor refuses (too many, no systemd
     * for a unit) is found only here, after the file was read: its message names the file as
     * the file's other errors do.
     */
    private static String applyDeclared(TaskMonitor monitor, AgentConfig c) {
        try {
            return monitor.services().apply(c.declaredWatches());
        } catch (IllegalArgumentException e) {
            throw c.file() == null ? e : new IllegalArgumentException("config file " + c.file() + ": " + e.getMessage(), e);
        }
    }

    private static String loaded(AgentConfig c, String what, String applied) {
        return (c.file() == null ? "no configuration file" : what + " " + c.file()) + " at "
                + java.time.Instant.now() + ": " + c.declaredWatches().size() + " declared watches (" + applied + ")";
    }

    /**
     * Applies a re-read configuration (SIGHUP): its declared watches replace the running ones
     * (new ones start, removed ones end, unchanged ones keep state and counters). Other settings
     * need a restart: the result, and the ConfigStatus, say which of them differ from those the
     * agent started with, on every reload until the file matches them again.
     *
     * @return one line for the log
     */
    public synchronized String reload(AgentConfig next) {
        String applied;
        try {
            applied = applyDeclared(monitor, next);
        } catch (IllegalArgumentException e) {
            return reloadFailed(e.getMessage());
        }
        List<String> differ = started.differingKeys(next);
        config = next;
        String status = loaded(next, "reloaded", applied)
                + (differ.isEmpty() ? "" : "; changed settings that need a restart: " + String.join(", ", differ));
        monitor.services().configStatus(status); // the pending restart too: a client sees what the log said
        return status;
    }

    /** A reload that could not be applied: nothing changed; the status says why. */
    public synchronized String reloadFailed(String why) {
        String status = "reload at " + java.time.Instant.now() + " failed, nothing changed (still running the"
                + " configuration " + (config.file() == null ? "it started with" : "of " + config.file() + " as loaded before")
                + "): " + why;
        monitor.services().configStatus(status);
        return status;
    }

    /** Watches handed to a Jolokia notification client end when it unregisters or expires. */
    private static void ownWatches(JolokiaEndpoint jolokia, WatchOwners owners) {
        owners.addKind(WatchOwners.JOLOKIA, jolokia::clients);
        jolokia.afterEachClientCheck(() -> {
            List<Watch> ended = owners.check(WatchOwners.JOLOKIA);
            for (Watch w : ended) {
                log("jolokia: watch " + w.id() + " (" + w.owner() + ") ended: its notification client is gone");
            }
        });
    }

    private static void log(String line) {
        System.err.println("taskwatch: " + line);
    }

    private static List<String> banner(AgentConfig config, TaskMonitor monitor, JmxRemote jmx, JolokiaEndpoint jolokia,
            PrometheusEndpoint prometheus) {
        List<String> lines = new ArrayList<>();
        ProcConnector c = monitor.connector();
        if (c != null) {
            lines.add("event source " + monitor.eventSource() + " (kernel " + c.kernel().release() + ", "
                    + c.receiveBufferText() + ")");
        } else {
            lines.add("event source " + monitor.eventSource() + " (DEGRADED: " + monitor.source().degradedReason()
                    + "; " + monitor.source().limitations() + ")");
        }
        lines.add("event threads " + monitor.priority());
        lines.add("exit names " + monitor.exitNames());
        lines.add("kernel filter " + config.get(ConfigKey.KERNEL_FILTER) + ": " + monitor.kernelCounting());
        lines.add("cgroups " + monitor.cgroups());
        if (!config.declaredWatches().isEmpty()) {
            lines.add("declared watches " + String.join(", ",
                    config.declaredWatches().stream().map(s -> s.name() + " (" + s.match() + ")").toList()));
        }
        if (jmx != null) {
            lines.add("JMX " + jmx.url() + authNote(!config.get(ConfigKey.JMX_PASSWORD_FILE).isEmpty(),
                    !config.get(ConfigKey.JMX_KEY_STORE).isEmpty()));
        }
        if (jolokia != null) {
            lines.add("Jolokia " + jolokia.url() + authNote(!config.get(ConfigKey.JOLOKIA_USER).isEmpty()
                    || !config.get(ConfigKey.JMX_PASSWORD_FILE).isEmpty(), !config.get(ConfigKey.JOLOKIA_KEY_STORE).isEmpty()));
        }
        if (prometheus != null) {
            lines.add("Prometheus " + prometheus.url());
        }
        if (jmx != null && jolokia != null && config.get(ConfigKey.JMX_PASSWORD_FILE).isEmpty()
                && !config.get(ConfigKey.JOLOKIA_USER).isEmpty()) {
            lines.add("warning: JMX has no authentication, only Jolokia has (jolokia.user): any local user may use JMX;"
                    + " set jmx.passwordFile (its users then serve both) or jmx.enabled=false");
        }
        for (String w : config.warnings()) {
            lines.add("warning: " + w);
        }
        return List.copyOf(lines);
    }

    private static String authNote(boolean auth, boolean tls) {
        if (!auth && !tls) {
            return "";
        }
        return " (" + (auth ? "authentication" : "") + (auth && tls ? ", " : "") + (tls ? "TLS" : "") + ")";
    }

    /** One line per endpoint and the event source in use, for the operator. */
    public List<String> banner() {
        return banner;
    }

    public TaskMonitor monitor() {
        return monitor;
    }

    /** Stops serving, removes the MBeans, and unsubscribes from the kernel (IGNORE). */
    @Override
    public void close() {
        closeAll(prometheus, jolokia, jmx, exporter, pushes, monitor);
    }

    /** In reverse order of start; the pushes before the monitor, sending what they hold (up to 2 s each). */
    private static void closeAll(PrometheusEndpoint prometheus, JolokiaEndpoint jolokia, JmxRemote jmx,
            JmxExporter exporter, Pushes pushes, TaskMonitor monitor) {
        for (AutoCloseable c : new AutoCloseable[] {prometheus, jolokia, jmx, exporter, pushes, monitor}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) { // keep closing the rest: the monitor's IGNORE must go out
                    if (!(c == jolokia && e instanceof IllegalStateException && shuttingDown())) {
                        System.err.println("taskwatch: while stopping: " + e);
                    }
                    // else: on SIGTERM this runs in a shutdown hook, and Jolokia's stop ends by
                    // removing a shutdown hook of its own, which the JDK refuses once hooks run
                    // ("Shutdown in progress"). The rest of its stop is done by then, and that hook
                    // of its, running now, stops its HTTP server.
                }
            }
        }
    }

    /** Whether the JVM runs its shutdown hooks now (it then refuses to add or remove one). */
    private static boolean shuttingDown() {
        Thread probe = new Thread(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }
}
