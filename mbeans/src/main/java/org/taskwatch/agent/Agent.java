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
import org.taskwatch.monitor.TaskMonitor;

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
    private final List<String> banner;

    private Agent(TaskMonitor monitor, JmxExporter exporter, JmxRemote jmx, JolokiaEndpoint jolokia, List<String> banner) {
        this.monitor = monitor;
        this.exporter = exporter;
        this.jmx = jmx;
        this.jolokia = jolokia;
        this.banner = banner;
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
        try {
            exporter = JmxExporter.export(mbs, monitor, config.getInt(ConfigKey.ENDED_WATCH_SECONDS));
            if (config.getBoolean(ConfigKey.JMX_ENABLED)) {
                jmx = JmxRemote.start(mbs, JmxSettings.of(config), users);
            }
            if (config.getBoolean(ConfigKey.JOLOKIA_ENABLED)) {
                String keyStore = config.get(ConfigKey.JOLOKIA_KEY_STORE);
                jolokia = JolokiaEndpoint.start(config.jolokiaSettings(keyStore.isEmpty() ? null : ServerTls.of(keyStore,
                        config.get(ConfigKey.JOLOKIA_KEY_STORE_PASSWORD), "jolokia.ssl.keyStore")), jolokiaUsers,
                        exporter::notificationHandbacks);
            }
        } catch (JMException e) {
            closeAll(jolokia, jmx, exporter, monitor);
            throw new IOException("cannot register the MBeans: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            closeAll(jolokia, jmx, exporter, monitor);
            throw e;
        }
        return new Agent(monitor, exporter, jmx, jolokia, banner(config, monitor, jmx, jolokia));
    }

    private static List<String> banner(AgentConfig config, TaskMonitor monitor, JmxRemote jmx, JolokiaEndpoint jolokia) {
        List<String> lines = new ArrayList<>();
        ProcConnector c = monitor.connector();
        if (c != null) {
            lines.add("event source " + monitor.eventSource() + " (kernel " + c.kernel().release() + ", receive buffer "
                    + c.receiveBufferBytes() / 1024 + " KiB"
                    + (c.receiveBufferForced() ? "" : ", capped by net.core.rmem_max: no CAP_NET_ADMIN") + ")");
        } else {
            lines.add("event source " + monitor.eventSource() + " (DEGRADED: " + monitor.source().degradedReason()
                    + "; it misses " + monitor.source().limitations() + ")");
        }
        lines.add("event threads " + monitor.priority());
        lines.add("exit names " + monitor.exitNames());
        if (jmx != null) {
            lines.add("JMX " + jmx.url() + authNote(!config.get(ConfigKey.JMX_PASSWORD_FILE).isEmpty(),
                    !config.get(ConfigKey.JMX_KEY_STORE).isEmpty()));
        }
        if (jolokia != null) {
            lines.add("Jolokia " + jolokia.url() + authNote(!config.get(ConfigKey.JOLOKIA_USER).isEmpty()
                    || !config.get(ConfigKey.JMX_PASSWORD_FILE).isEmpty(), !config.get(ConfigKey.JOLOKIA_KEY_STORE).isEmpty()));
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
        closeAll(jolokia, jmx, exporter, monitor);
    }

    private static void closeAll(JolokiaEndpoint jolokia, JmxRemote jmx, JmxExporter exporter, TaskMonitor monitor) {
        for (AutoCloseable c : new AutoCloseable[] {jolokia, jmx, exporter, monitor}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) { // keep closing the rest: the monitor's IGNORE must go out
                    System.err.println("taskwatch: while stopping: " + e);
                }
            }
        }
    }
}
