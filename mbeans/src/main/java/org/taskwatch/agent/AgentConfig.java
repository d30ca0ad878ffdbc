package org.taskwatch.agent;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.taskwatch.jolokia.JolokiaSettings;
import org.taskwatch.kernel.DescriptorBudget;
import org.taskwatch.kernel.EventSourceSettings;
import org.taskwatch.monitor.MonitorSettings;
import org.taskwatch.monitor.ServiceSpec;

/**
 * The agent's configuration: every {@link ConfigKey} with a checked value. Built from the
 * defaults, a properties file, and overrides (flags, {@code -javaagent} options), each step
 * all-or-nothing: a bad key or value fails with a message naming it and changes nothing.
 */
public final class AgentConfig {
    private final EnumMap<ConfigKey, String> values;
    private final List<String> warnings;
    /** The {@code watch.NAME.PROPERTY} keys as given, and the declared watches they make. */
    private final Map<String, String> watchKeys;
    private final List<ServiceSpec> declared;
    private final Path file; // the configuration file, or null

    private AgentConfig(EnumMap<ConfigKey, String> values, List<String> warnings) {
        this(values, warnings, Map.of(), List.of(), null);
    }

    private AgentConfig(EnumMap<ConfigKey, String> values, List<String> warnings, Map<String, String> watchKeys,
            List<ServiceSpec> declared, Path file) {
        this.values = values;
        this.warnings = warnings;
        this.watchKeys = watchKeys;
        this.declared = declared;
        this.file = file;
    }

    public static AgentConfig defaults() {
        EnumMap<ConfigKey, String> v = new EnumMap<>(ConfigKey.class);
        for (ConfigKey k : ConfigKey.values()) {
            v.put(k, k.defaultValue());
        }
        return new AgentConfig(v, List.of());
    }

    /**
     * These values over the keys of a properties file.
     *
     * @throws IOException when the file cannot be read (the message names it)
     * @throws IllegalArgumentException for an unknown key or a bad value, naming the file and key
     */
    public AgentConfig withFile(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (NoSuchFileException e) {
            throw new IOException("config file " + file + ": no such file", e);
        } catch (IOException | IllegalArgumentException e) { // IAE: a malformed \\u escape
            throw new IOException("config file " + file + ": cannot read it: " + e.getMessage(), e);
        }
        Map<String, String> m = new java.util.LinkedHashMap<>();
        p.stringPropertyNames().stream().sorted().forEach(k -> m.put(k, p.getProperty(k)));
        AgentConfig c;
        try {
            c = with(m);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("config file " + file + ": " + e.getMessage(), e);
        }
        List<String> w = new ArrayList<>(c.warnings);
        if (hasSecret(m) && othersMayRead(file)) {
            w.add("config file " + file + " holds a password and others may read it: chmod 600 " + file);
        }
        return new AgentConfig(c.values, List.copyOf(w), c.watchKeys, c.declared, file);
    }

    /**
     * These values with {@code overrides} (key to value) on top.
     *
     * @throws IllegalArgumentException for an unknown key or a bad value, naming the key
     */
    public AgentConfig with(Map<String, String> overrides) {
        EnumMap<ConfigKey, String> v = new EnumMap<>(values);
        Map<String, String> watches = new java.util.TreeMap<>(watchKeys);
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            if (e.getKey().trim().startsWith(WatchDeclarations.PREFIX)) {
                watches.put(e.getKey().trim(), e.getValue());
                continue;
            }
            ConfigKey k = ConfigKey.byName(e.getKey().trim());
            if (k == null) {
                throw new IllegalArgumentException("unknown key '" + e.getKey() + "'" + suggestion(e.getKey()));
            }
            v.put(k, k.check(e.getValue()));
        }
        List<ServiceSpec> specs = watches.equals(watchKeys) ? declared
                : WatchDeclarations.parse(watches, Integer.parseInt(v.get(ConfigKey.MAX_PATTERN_LENGTH)));
        AgentConfig c = new AgentConfig(v, warnings, Map.copyOf(watches), specs, file);
        c.checkTogether();
        return c;
    }

    public AgentConfig with(ConfigKey key, String value) {
        return with(Map.of(key.key(), value));
    }

    private void checkTogether() {
        if (!get(ConfigKey.JMX_ACCESS_FILE).isEmpty() && get(ConfigKey.JMX_PASSWORD_FILE).isEmpty()) {
            throw new IllegalArgumentException("jmx.accessFile: needs jmx.passwordFile (access rules are per user)");
        }
        if (!get(ConfigKey.JOLOKIA_USER).isEmpty() && get(ConfigKey.JOLOKIA_PASSWORD).isEmpty()) {
            throw new IllegalArgumentException("jolokia.password: needed with jolokia.user");
        }
        if (get(ConfigKey.JOLOKIA_USER).isEmpty() && !get(ConfigKey.JOLOKIA_PASSWORD).isEmpty()) {
            throw new IllegalArgumentException("jolokia.user: needed with jolokia.password");
        }
        if (!get(ConfigKey.JOLOKIA_USER).isEmpty() && !get(ConfigKey.JMX_PASSWORD_FILE).isEmpty()) {
            // one set of users for both endpoints: a second, Jolokia-only user would be a second story
            throw new IllegalArgumentException("jolokia.user: not with jmx.passwordFile, whose users Jolokia accepts too;"
                    + " remove jolokia.user and jolokia.password (add the user to the password file instead)");
        }
    }

    private static String suggestion(String name) {
        String best = null;
        int bestDistance = 4;
        for (ConfigKey k : ConfigKey.values()) {
            int d = distance(name.trim().toLowerCase(java.util.Locale.ROOT), k.key().toLowerCase(java.util.Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = k.key();
            }
        }
        return best == null ? " (see the README's configuration table)" : " (did you mean " + best + "?)";
    }

    /** Edit distance, for "did you mean". */
    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static boolean hasSecret(Map<String, String> m) {
        for (String k : m.keySet()) {
            ConfigKey key = ConfigKey.byName(k.trim());
            if (key != null && key.secret() && !m.get(k).isBlank()) {
                return true;
            }
        }
        return false;
    }

    private static boolean othersMayRead(Path file) {
        try {
            var perms = Files.getPosixFilePermissions(file);
            return perms.contains(PosixFilePermission.OTHERS_READ) || perms.contains(PosixFilePermission.GROUP_READ);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    public String get(ConfigKey key) {
        return values.get(key);
    }

    public int getInt(ConfigKey key) {
        return Integer.parseInt(values.get(key));
    }

    public boolean getBoolean(ConfigKey key) {
        return Boolean.parseBoolean(values.get(key));
    }

    /** Things the operator should fix that do not stop the agent (e.g. a readable password file). */
    public List<String> warnings() {
        // a maxWatches set beyond the descriptors is refused; the default may still be beyond them
        long most = DescriptorBudget.maxWatches();
        if (getInt(ConfigKey.MAX_WATCHES) <= most) {
            return warnings;
        }
        List<String> w = new ArrayList<>(warnings);
        w.add("maxWatches " + get(ConfigKey.MAX_WATCHES) + ": this process's descriptors (RLIMIT_NOFILE "
                + DescriptorBudget.openFileLimit() + ") allow about " + most + " process watches, and further ones are"
                + " refused; raise the limit (ulimit -n, or LimitNOFILE= in the systemd unit) or set maxWatches");
        return List.copyOf(w);
    }

    /** The watches declared in the file ({@code watch.NAME.PROPERTY}), sorted by name. */
    public List<ServiceSpec> declaredWatches() {
        return declared;
    }

    /** The configuration file these values were read from, or null. */
    public Path file() {
        return file;
    }

    /** The fixed keys whose values differ in {@code other} (a reload applies none of them: they need a restart). */
    public List<String> differingKeys(AgentConfig other) {
        List<String> out = new ArrayList<>();
        for (ConfigKey k : ConfigKey.values()) {
            if (!values.get(k).equals(other.values.get(k))) {
                out.add(k.key());
            }
        }
        return out;
    }

    public MonitorSettings monitorSettings() {
        EventSourceSettings source = new EventSourceSettings(EventSourceSettings.Mode.parse(get(ConfigKey.SOURCE)),
                getInt(ConfigKey.RECEIVE_BUFFER_BYTES), getInt(ConfigKey.COALESCE_MICROS),
                Duration.ofMillis(getInt(ConfigKey.POLL_MILLIS)));
        return new MonitorSettings(source, getInt(ConfigKey.HANDOFF_CAPACITY),
                getInt(ConfigKey.MAX_WATCHES), getInt(ConfigKey.MAX_PATTERN_LENGTH), getInt(ConfigKey.RECENT_EXITS),
                getInt(ConfigKey.MAX_WAITERS), getInt(ConfigKey.MAX_SUMMARIES), getInt(ConfigKey.SUMMARY_HISTORY),
                getInt(ConfigKey.MAX_WINDOW_SECONDS), org.taskwatch.monitor.KernelFilterMode.parse(get(ConfigKey.KERNEL_FILTER)),
                getInt(ConfigKey.PRIORITY_BOOST), getInt(ConfigKey.ENDED_WATCH_SECONDS),
                org.taskwatch.monitor.Redaction.of(get(ConfigKey.REDACT)));
    }

    /** @param tls the server's TLS context from {@code jolokia.ssl.keyStore}, or null for plain HTTP */
    public JolokiaSettings jolokiaSettings(SSLContext tls) {
        return new JolokiaSettings(get(ConfigKey.JOLOKIA_HOST), getInt(ConfigKey.JOLOKIA_PORT), tls, get(ConfigKey.JOLOKIA_POLICY),
                getInt(ConfigKey.JOLOKIA_CLIENT_TIMEOUT_SECONDS), getInt(ConfigKey.JOLOKIA_MAX_REQUEST_BYTES),
                getInt(ConfigKey.JOLOKIA_MAX_URL_LENGTH), getInt(ConfigKey.JOLOKIA_MAX_BULK_REQUESTS),
                getInt(ConfigKey.JOLOKIA_MAX_JSON_DEPTH));
    }
}
