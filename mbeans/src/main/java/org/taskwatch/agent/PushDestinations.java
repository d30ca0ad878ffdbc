package org.taskwatch.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.taskwatch.monitor.Redaction;
import org.taskwatch.monitor.TaskMonitor;
import org.taskwatch.push.IcingaTarget;
import org.taskwatch.push.NagiosTarget;
import org.taskwatch.push.PushQueue;
import org.taskwatch.push.PushSettings;
import org.taskwatch.push.Pushes;
import org.taskwatch.push.WatchFeed;

/**
 * The push destinations the configuration asks for (Icinga 2's API, Nagios' command file), each
 * with its queue on the one feed of the declared watches; none when no destination is set.
 */
final class PushDestinations {
    private PushDestinations() {}

    /**
     * @return the destinations, started; null when none is configured
     * @throws IllegalArgumentException for settings that cannot work (a URL without a user, a CA
     *     file without a certificate), naming the key
     * @throws IOException when a file named in the settings cannot be read
     */
    static Pushes start(AgentConfig c, TaskMonitor monitor, Consumer<String> log) throws IOException {
        boolean icinga = !c.get(ConfigKey.ICINGA_URL).isEmpty();
        boolean nagios = !c.get(ConfigKey.NAGIOS_COMMAND_FILE).isEmpty();
        if (!icinga && !nagios) {
            return null;
        }
        IcingaTarget icingaTarget = null;
        if (icinga) {
            if (c.get(ConfigKey.ICINGA_USER).isEmpty() || c.get(ConfigKey.ICINGA_PASSWORD).isEmpty()) {
                throw new IllegalArgumentException("icinga.url needs icinga.user and icinga.password (an Icinga 2 ApiUser"
                        + " with the permission actions/process-check-result)");
            }
            String ca = c.get(ConfigKey.ICINGA_CA_FILE);
            icingaTarget = new IcingaTarget(c.get(ConfigKey.ICINGA_URL), c.get(ConfigKey.ICINGA_USER),
                    c.get(ConfigKey.ICINGA_PASSWORD), ca.isEmpty() ? null : Path.of(ca), hostOr(c.get(ConfigKey.ICINGA_HOST)),
                    hostName());
        }
        NagiosTarget nagiosTarget = nagios ? new NagiosTarget(Path.of(c.get(ConfigKey.NAGIOS_COMMAND_FILE)),
                hostOr(c.get(ConfigKey.NAGIOS_HOST))) : null;
        Pushes pushes = new Pushes(new WatchFeed(monitor, Redaction.of(c.get(ConfigKey.REDACT)),
                c.getBoolean(ConfigKey.PUSH_COMMAND_LINES)));
        if (icingaTarget != null) {
            pushes.add(new PushQueue(icingaTarget, PushSettings.DEFAULTS, log), c.getInt(ConfigKey.ICINGA_REFRESH_SECONDS));
        }
        if (nagiosTarget != null) {
            pushes.add(new PushQueue(nagiosTarget, PushSettings.DEFAULTS, log), c.getInt(ConfigKey.NAGIOS_REFRESH_SECONDS));
        }
        return pushes;
    }

    private static String hostOr(String configured) {
        return configured.isEmpty() ? hostName() : configured;
    }

    /** This machine's host name, as the kernel has it (what {@code hostname} prints). */
    static String hostName() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
