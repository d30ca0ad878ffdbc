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
import org.taskwatch.push.IcingaTarget;
import org.taskwatch.push.NagiosTarget;
import org.taskwatch.push.PushQueue;
import org.taskwatch.push.PushSettings;
import org.taskwatch.push.Pushes;
import org.taskwatch.push.WatchFeed;
import org.taskwatch.push.zabbix.ZabbixSettings;
import org.taskwatch.push.zabbix.ZabbixTarget;

/**
 * The push destinations the configuration names (zabbix.servers, icinga.url, nagios.commandFile): one {@link Pushes} over the
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
        boolean icinga = !c.get(ConfigKey.ICINGA_URL).isEmpty();
        boolean nagios = !c.get(ConfigKey.NAGIOS_COMMAND_FILE).isEmpty();
        if (zabbix.isEmpty() && !icinga && !nagios) {
            return null;
        }
        Pushes p = new Pushes(new WatchFeed(monitor, Redaction.of(c.get(ConfigKey.REDACT)),
                c.getBoolean(ConfigKey.PUSH_COMMAND_LINES)));
        try {
            if (!zabbix.isEmpty()) {
                zabbix(c, zabbix, monitor, p, log, banner);
            }
            if (icinga) {
                icinga(c, p, log, banner);
            }
            if (nagios) {
                nagios(c, p, log, banner);
            }
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

    /** Passive results to Icinga 2's API, for the services named after the watches. */
    private static void icinga(AgentConfig c, Pushes p, Consumer<String> log, List<String> banner) throws IOException {
        if (c.get(ConfigKey.ICINGA_USER).isEmpty() || c.get(ConfigKey.ICINGA_PASSWORD).isEmpty()) {
            throw new IllegalArgumentException("icinga.url needs icinga.user and icinga.password (an Icinga 2 ApiUser with"
                    + " the permission actions/process-check-result)");
        }
        String ca = c.get(ConfigKey.ICINGA_CA_FILE);
        String host = c.get(ConfigKey.ICINGA_HOST).isEmpty() ? hostName() : c.get(ConfigKey.ICINGA_HOST);
        IcingaTarget t = new IcingaTarget(c.get(ConfigKey.ICINGA_URL), c.get(ConfigKey.ICINGA_USER),
                c.get(ConfigKey.ICINGA_PASSWORD), ca.isEmpty() ? null : Path.of(ca), host, hostName());
        p.add(new PushQueue(t, PushSettings.DEFAULTS, log), c.getInt(ConfigKey.ICINGA_REFRESH_SECONDS));
        banner.add("push to " + t.name() + " as host '" + host + "'" + commandLines(c));
    }

    /** Passive results into Nagios' external command file, for the services named after the watches. */
    private static void nagios(AgentConfig c, Pushes p, Consumer<String> log, List<String> banner) {
        String host = c.get(ConfigKey.NAGIOS_HOST).isEmpty() ? hostName() : c.get(ConfigKey.NAGIOS_HOST);
        NagiosTarget t = new NagiosTarget(Path.of(c.get(ConfigKey.NAGIOS_COMMAND_FILE)), host);
        p.add(new PushQueue(t, PushSettings.DEFAULTS, log), c.getInt(ConfigKey.NAGIOS_REFRESH_SECONDS));
        banner.add("push to " + t.name() + " as host '" + host + "'" + commandLines(c));
    }

    private static String commandLines(AgentConfig c) {
        return c.getBoolean(ConfigKey.PUSH_COMMAND_LINES) ? ", with command lines (redacted)" : "";
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
