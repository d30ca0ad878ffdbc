package org.taskwatch.agent;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.taskwatch.monitor.Redaction;
import org.taskwatch.monitor.ServiceWatch;
import org.taskwatch.monitor.TaskMonitor;
import org.taskwatch.push.PushQueue;
import org.taskwatch.push.PushSettings;
import org.taskwatch.push.Pushes;
import org.taskwatch.push.WatchFeed;
import org.taskwatch.push.zabbix.ZabbixSettings;
import org.taskwatch.push.zabbix.ZabbixTarget;

/**
 * The push destinations the configuration names (zabbix.servers, ...): one {@link Pushes} over the
 * monitor's declared watches, or none when no destination is configured.
 */
final class PushSetup {
    private PushSetup() {}

    /**
     * Starts pushing; null when nothing is to be pushed.
     *
     * @param banner gets one line per destination
     * @throws IOException when a TLS file cannot be used, naming the setting
     */
    static Pushes start(AgentConfig c, TaskMonitor monitor, Consumer<String> log, List<String> banner) throws IOException {
        List<ZabbixSettings.Server> zabbix = ZabbixSettings.parseServers(c.get(ConfigKey.ZABBIX_SERVERS));
        if (zabbix.isEmpty()) {
            return null;
        }
        Pushes p = new Pushes(new WatchFeed(monitor, Redaction.of(c.get(ConfigKey.REDACT)),
                c.getBoolean(ConfigKey.PUSH_COMMAND_LINES)));
        try {
            zabbix(c, zabbix, monitor, p, log, banner);
        } catch (IOException | RuntimeException e) {
            p.close();
            throw e;
        }
        return p;
    }

    private static void zabbix(AgentConfig c, List<ZabbixSettings.Server> servers, TaskMonitor monitor, Pushes p,
            Consumer<String> log, List<String> banner) throws IOException {
        boolean tls = c.get(ConfigKey.ZABBIX_TLS_CONNECT).equals("cert");
        String host = c.get(ConfigKey.ZABBIX_HOST).isEmpty() ? hostName() : c.get(ConfigKey.ZABBIX_HOST);
        ZabbixSettings s = new ZabbixSettings(servers, host, c.getInt(ConfigKey.ZABBIX_HEARTBEAT_SECONDS),
                c.getInt(ConfigKey.ZABBIX_QUEUE_SIZE), c.getInt(ConfigKey.ZABBIX_TIMEOUT_SECONDS) * 1000,
                tls ? ZabbixSettings.clientTls(c.get(ConfigKey.ZABBIX_TLS_TRUST_STORE),
                        c.get(ConfigKey.ZABBIX_TLS_TRUST_STORE_PASSWORD), c.get(ConfigKey.ZABBIX_TLS_KEY_STORE),
                        c.get(ConfigKey.ZABBIX_TLS_KEY_STORE_PASSWORD)) : null,
                c.getBoolean(ConfigKey.ZABBIX_TLS_CHECK_HOSTNAME));
        for (ZabbixSettings.Server server : servers) {
            ZabbixTarget t = new ZabbixTarget(server, s, () -> names(monitor));
            p.add(new PushQueue(t, PushSettings.DEFAULTS.withCapacity(s.queueSize()), log), s.heartbeatSeconds());
            banner.add("push to " + t.name() + " as host '" + host + "'" + (tls ? " (TLS, certificates)" : "")
                    + (c.getBoolean(ConfigKey.PUSH_COMMAND_LINES) ? ", with command lines (redacted)" : ""));
        }
    }

    private static List<String> names(TaskMonitor monitor) {
        List<String> n = new ArrayList<>();
        for (ServiceWatch w : monitor.services().all()) {
            n.add(w.name());
        }
        return n;
    }

    /** This machine's host name, as the Zabbix agent's default Hostname (gethostname). */
    static String hostName() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.US_ASCII).trim();
            if (!h.isEmpty()) {
                return h;
            }
        } catch (IOException ignored) {
            // not Linux's /proc: ask the resolver
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
