package org.taskwatch.agent;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.taskwatch.kernel.DescriptorBudget;

/**
 * Every configuration key of the agent, with its default and meaning: the one place they are
 * defined (the README's table lists the same, and a test keeps the two equal). Values come from
 * the configuration file, then command-line flags, then {@code -javaagent} options.
 */
public enum ConfigKey {
    JMX_ENABLED("jmx.enabled", "true", Kind.BOOLEAN, "serve JMX remote (RMI registry and server on one port)"),
    JMX_HOST("jmx.host", "127.0.0.1", Kind.ADDRESS, "address the JMX registry and server bind to"),
    JMX_PORT("jmx.port", "9875", Kind.PORT, "port of the JMX registry and server (0: any free port)"),
    JMX_PASSWORD_FILE("jmx.passwordFile", "", Kind.FILE,
            "password file (lines of 'user password', like the JDK's jmxremote.password; only its owner may read it):"
                    + " turns authentication on for JMX and Jolokia"),
    JMX_ACCESS_FILE("jmx.accessFile", "", Kind.FILE,
            "access file (lines of 'user readonly' or 'user readwrite') for JMX and Jolokia; read-only users may call"
                    + " operations whose impact is INFO. Without it every authenticated user may do all"),
    JMX_KEY_STORE("jmx.ssl.keyStore", "", Kind.FILE, "key store (PKCS12 or JKS) with the server's key: turns TLS on for JMX"),
    JMX_KEY_STORE_PASSWORD("jmx.ssl.keyStorePassword", "", Kind.SECRET, "password of jmx.ssl.keyStore"),
    JMX_NEED_CLIENT_AUTH("jmx.ssl.needClientAuth", "false", Kind.BOOLEAN,
            "require client certificates (trusted by the JVM's trust store) for JMX over TLS"),
    JMX_CONNECTION_TIMEOUT_SECONDS("jmx.connectionTimeoutSeconds", Integer.toString(JmxSettings.DEFAULT_CONNECTION_TIMEOUT_SECONDS),
            Kind.range(1, 86400), "a JMX connection without a call for this long is ended, with the watches made over it:"
                    + " how soon a client gone without closing (killed, cut off) is noticed. JDK clients call at least once"
                    + " a minute (jmx.remote.x.client.connection.check.period): keep it above their period"),
    JMX_NOTIFICATION_BATCH_MILLIS("jmx.notificationBatchMillis", Integer.toString(JmxSettings.DEFAULT_NOTIFICATION_BATCH_MILLIS),
            Kind.range(0, 1000), "while notifications stream to a JMX client, each reply waits this long for more to join it:"
                    + " one RMI call per batch instead of per event. A notification after a quiet spell goes at once. 0: every"
                    + " reply at once"),
    JOLOKIA_ENABLED("jolokia.enabled", "true", Kind.BOOLEAN, "serve Jolokia HTTP-JSON"),
    JOLOKIA_HOST("jolokia.host", "127.0.0.1", Kind.ADDRESS, "address Jolokia binds to"),
    JOLOKIA_PORT("jolokia.port", "8778", Kind.PORT, "Jolokia's port (0: any free port)"),
    JOLOKIA_USER("jolokia.user", "", Kind.STRING,
            "the one user of Jolokia's HTTP basic authentication, for Jolokia only; not with jmx.passwordFile (which covers both)"),
    JOLOKIA_PASSWORD("jolokia.password", "", Kind.SECRET, "password for jolokia.user"),
    JOLOKIA_KEY_STORE("jolokia.ssl.keyStore", "", Kind.FILE, "key store (PKCS12 or JKS) with the server's key: serves HTTPS"),
    JOLOKIA_KEY_STORE_PASSWORD("jolokia.ssl.keyStorePassword", "", Kind.SECRET, "password of jolokia.ssl.keyStore"),
    JOLOKIA_POLICY("jolokia.policy", "", Kind.STRING,
            "Jolokia access policy (file:/path/jolokia-access.xml); empty: taskwatch's own (loopback, exec on org.taskwatch only)"),
    JOLOKIA_CLIENT_TIMEOUT_SECONDS("jolokia.clientTimeoutSeconds", "600", Kind.range(0, 7 * 86400),
            "a Jolokia notification client that neither pings nor pulls for this long, and has no open SSE stream,"
                    + " is unregistered with its subscriptions (Jolokia itself never does). 0: never"),
    JOLOKIA_MAX_REQUEST_BYTES("jolokia.maxRequestBytes", "262144", Kind.range(1024, 64 << 20),
            "largest Jolokia request body; a larger one is refused (HTTP 413) without being read to its end"),
    JOLOKIA_MAX_URL_LENGTH("jolokia.maxUrlLength", "8192", Kind.range(256, 1 << 20),
            "longest Jolokia request URL, path and query; a longer one is refused (HTTP 414)"),
    JOLOKIA_MAX_BULK_REQUESTS("jolokia.maxBulkRequests", "100", Kind.range(1, 100_000),
            "most requests in one Jolokia bulk request (a JSON array); more are refused (HTTP 413)"),
    JOLOKIA_MAX_JSON_DEPTH("jolokia.maxJsonDepth", "32", Kind.range(2, 512),
            "deepest nesting of arrays and objects in a Jolokia request; deeper is refused (HTTP 400) before parsing"),
    SOURCE("source", "auto", Kind.SOURCE,
            "event source: netlink (the proc connector), procfs (polling fallback), or auto (netlink, else procfs)"),
    POLL_MILLIS("source.pollMillis", "100", Kind.range(10, 60_000), "procfs fallback: milliseconds between scans of /proc"),
    RECEIVE_BUFFER_BYTES("receiveBufferBytes", "8388608", Kind.range(65_536, 1 << 30),
            "netlink socket receive buffer in bytes, 65536 (64 KiB) to 1073741824 (1 GiB); beyond net.core.rmem_max"
                    + " only with CAP_NET_ADMIN"),
    COALESCE_MICROS("coalesceMicros", "250", Kind.range(0, 100_000),
            "netlink: while events stream in, the reader wakes at most once per this many microseconds and takes"
                    + " what arrived meanwhile in one system call; an event waits at most this long. 0: a wake-up per event"),
    PRIORITY_BOOST("priorityBoost", "4", Kind.range(0, 20),
            "the reader and delivery threads run at nice -N (as auditd's priority_boost), so a storm of the processes"
                    + " they report on cannot starve them; needs CAP_SYS_NICE, else they run unboosted and the banner says"
                    + " so. 0: leave it"),
    HANDOFF_CAPACITY("handoffCapacity", "65536", Kind.range(16, 1 << 24),
            "matched events queued between the reader and delivery; beyond it they are counted lost"),
    MAX_WATCHES("maxWatches", "10000", Kind.WATCHES,
            "watches at once, 1 to 1000000; each process watch holds a descriptor (a pidfd), so at most the open-file"
                    + " limit (RLIMIT_NOFILE, ulimit -n) less " + DescriptorBudget.RESERVE + " kept for the rest"),
    MAX_PATTERN_LENGTH("maxPatternLength", "1024", Kind.range(1, 65_536), "characters in a command regex"),
    RECENT_EXITS("recentExits", "4096", Kind.range(16, 1 << 22), "exits kept to answer waitForExit and processStatus after the fact"),
    MAX_WAITERS("maxWaiters", "256", Kind.range(1, 65_536), "concurrent waitForExit callers"),
    MAX_SUMMARIES("maxSummaries", "64", Kind.range(1, 4096), "command patterns with a summary history (least recently used goes)"),
    SUMMARY_HISTORY("summaryHistory", "16384", Kind.range(16, 1 << 22), "events kept per summary pattern"),
    MAX_WINDOW_SECONDS("maxWindowSeconds", "86400", Kind.range(1, 30 * 86400), "longest summary window"),
    KERNEL_FILTER("kernelFilter", "counted", Kind.oneOf("counted", "auto", "off"),
            "counted: while every watch is a single-process watch, the kernel drops the events of other processes"
                    + " (a BPF socket filter) after counting every event (eBPF, needs CAP_BPF), so the counters and"
                    + " waitForExit after the fact stay true; where it cannot count, every event is read. auto: filters"
                    + " without counting in the kernel (no CAP_BPF needed), the counters then count only what passes."
                    + " off: every event is read"),
    ENDED_WATCH_SECONDS("endedWatchSeconds", "600", Kind.range(0, 7 * 86400),
            "how long the Watch MBean of an exited process stays, so pollers can read its ExitCode"),
    REDACT("redact", org.taskwatch.monitor.Redaction.DEFAULT_RULE, Kind.REGEX,
            "a regular expression whose matches (or, where it has groups, what the groups captured) are masked as ***"
                    + " in every command line the agent sends or serves: notifications, push messages, metrics, status"
                    + " texts. The default masks the value after password, secret, token, api key, credentials or auth."
                    + " Empty: nothing masked"),
    PUSH_COMMAND_LINES("push.commandLines", "false", Kind.BOOLEAN,
            "push messages (Zabbix, Icinga, Nagios) carry the command line of an exited process, masked by redact;"
                    + " false: names, states and statuses only"),
    ZABBIX_SERVERS("zabbix.servers", "", Kind.ZABBIX_SERVERS,
            "Zabbix servers or proxies to push the declared watches' exits, states and a heartbeat to, through their"
                    + " trapper: host[:port] (port 10051), comma-separated, each told everything. Empty: no push to Zabbix"),
    ZABBIX_HOST("zabbix.host", "", Kind.STRING,
            "the host name as Zabbix knows it (its Host name, as the agent's Hostname=); empty: this machine's host name"),
    ZABBIX_HEARTBEAT_SECONDS("zabbix.heartbeatSeconds", "60", Kind.range(0, 86_400),
            "how often the heartbeat (taskwatch.push.heartbeat), the watches' discovery and every watch's state again"
                    + " go to Zabbix. 0: never (then the template's heartbeat trigger must be off)"),
    ZABBIX_QUEUE_SIZE("zabbix.queueSize", "10000", Kind.range(1, 1_000_000),
            "messages held per Zabbix server while it is down or slow; beyond it the oldest are dropped, counted"
                    + " (PushDropped) and logged. Held messages go with their own time once it is back (up to an hour)"),
    ZABBIX_TIMEOUT_SECONDS("zabbix.timeoutSeconds", "5", Kind.range(1, 300),
            "connect and answer timeout for each send to a Zabbix server"),
    ZABBIX_TLS_CONNECT("zabbix.tls.connect", "unencrypted", Kind.ZABBIX_TLS,
            "unencrypted or cert (TLS with certificates, as TLSConnect=cert); psk is not supported: the JDK has no TLS-PSK"),
    ZABBIX_TLS_TRUST_STORE("zabbix.tls.trustStore", "", Kind.FILE,
            "trust store (PKCS12 or JKS) with the CA that signed the Zabbix server's certificate; empty: the JVM's"),
    ZABBIX_TLS_TRUST_STORE_PASSWORD("zabbix.tls.trustStorePassword", "", Kind.SECRET, "password of zabbix.tls.trustStore"),
    ZABBIX_TLS_KEY_STORE("zabbix.tls.keyStore", "", Kind.FILE,
            "key store (PKCS12 or JKS) with this agent's certificate and key, which the server checks against its"
                    + " TLSCAFile (and the host's certificate issuer and subject, where set)"),
    ZABBIX_TLS_KEY_STORE_PASSWORD("zabbix.tls.keyStorePassword", "", Kind.SECRET, "password of zabbix.tls.keyStore"),
    ZABBIX_TLS_CHECK_HOSTNAME("zabbix.tls.checkHostname", "true", Kind.BOOLEAN,
            "the server's certificate must name the host in zabbix.servers (false: any certificate the CA signed)"),
    ICINGA_URL("icinga.url", "", Kind.HTTP_URL,
            "Icinga 2's API, https://HOST:5665: the agent sends each declared watch's result there as it happens"
                    + " (process-check-result for the service named after the watch). Empty: off"),
    ICINGA_USER("icinga.user", "", Kind.STRING, "Icinga 2 API user (needs the permission actions/process-check-result)"),
    ICINGA_PASSWORD("icinga.password", "", Kind.SECRET, "password of icinga.user"),
    ICINGA_CA_FILE("icinga.caFile", "", Kind.FILE,
            "PEM file of the CA that signed Icinga's API certificate (/var/lib/icinga2/certs/ca.crt on the Icinga host);"
                    + " empty: the JVM's trusted CAs"),
    ICINGA_HOST("icinga.host", "", Kind.STRING, "the host object's name in Icinga; empty: this machine's host name"),
    ICINGA_REFRESH_SECONDS("icinga.refreshSeconds", "60", Kind.range(10, 86400),
            "every declared watch's result is sent again this often, whether or not anything happened"),
    NAGIOS_COMMAND_FILE("nagios.commandFile", "", Kind.STRING,
            "Nagios' (or Naemon's) external command file, e.g. /var/lib/nagios4/rw/nagios.cmd: the agent writes each"
                    + " declared watch's result there as it happens (PROCESS_SERVICE_CHECK_RESULT for the service named after"
                    + " the watch). Empty: off"),
    NAGIOS_HOST("nagios.host", "", Kind.STRING, "the host's name in Nagios; empty: this machine's host name"),
    NAGIOS_REFRESH_SECONDS("nagios.refreshSeconds", "60", Kind.range(10, 86400),
            "every declared watch's result is written again this often, whether or not anything happened"),
    PROMETHEUS_HOST("prometheus.host", "127.0.0.1", Kind.ADDRESS, "address the Prometheus endpoint binds to"),
    PROMETHEUS_PORT("prometheus.port", "", Kind.OPTIONAL_PORT,
            "port of the Prometheus/OpenMetrics endpoint (http://prometheus.host:PORT/metrics); empty: no endpoint"
                    + " (0: any free port, as for the other ports)");

    private final String key;
    private final String defaultValue;
    private final Kind kind;
    private final String meaning;

    ConfigKey(String key, String defaultValue, Kind kind, String meaning) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.kind = kind;
        this.meaning = meaning;
    }

    public String key() {
        return key;
    }

    public String defaultValue() {
        return defaultValue;
    }

    public String meaning() {
        return meaning;
    }

    /** Whether the value is a password (never printed). */
    public boolean secret() {
        return kind == Kind.SECRET;
    }

    /** The key named {@code name}, or null. */
    public static ConfigKey byName(String name) {
        for (ConfigKey k : values()) {
            if (k.key.equals(name)) {
                return k;
            }
        }
        return null;
    }

    /**
     * The value, trimmed and checked.
     *
     * @throws IllegalArgumentException naming this key, the bad value and what would be right
     */
    String check(String value) {
        String v = value.trim();
        String problem = kind.problem(v);
        if (problem != null) {
            throw new IllegalArgumentException(key + ": " + problem + ", got '" + (secret() ? "***" : v) + "'");
        }
        return kind == Kind.BOOLEAN || kind == Kind.SOURCE || kind == Kind.ZABBIX_TLS || this == KERNEL_FILTER ? v.toLowerCase(Locale.ROOT) : v;
    }

    /** What a value may be; {@link #problem} says what is wrong with one, or null. */
    abstract static class Kind {
        static final Kind STRING = new Kind() {
            @Override
            String problem(String v) {
                return null;
            }
        };
        static final Kind SECRET = STRING.copy();
        static final Kind BOOLEAN = new Kind() {
            @Override
            String problem(String v) {
                return v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false") ? null : "must be true or false";
            }
        };
        static final Kind PORT = range(0, 65_535);
        /** A port, or empty for "off". */
        static final Kind OPTIONAL_PORT = new Kind() {
            @Override
            String problem(String v) {
                return v.isEmpty() ? null : PORT.problem(v) == null ? null : "must be empty (off) or a port, 0 to 65535";
            }
        };
        static final Kind ADDRESS = new Kind() {
            @Override
            String problem(String v) {
                return v.isEmpty() || v.contains(" ") ? "must be an IP address or host name" : null;
            }
        };
        static final Kind FILE = new Kind() {
            @Override
            String problem(String v) {
                return v.isEmpty() || Files.isReadable(Path.of(v)) ? null : "cannot read this file";
            }
        };
        static final Kind REGEX = new Kind() {
            @Override
            String problem(String v) {
                try {
                    org.taskwatch.monitor.Redaction.of(v);
                    return null;
                } catch (IllegalArgumentException e) {
                    return e.getMessage();
                }
            }
        };
        static final Kind SOURCE = oneOf("auto", "netlink", "procfs");
        static final Kind HTTP_URL = new Kind() {
            @Override
            String problem(String v) {
                if (v.isEmpty()) {
                    return null;
                }
                try {
                    java.net.URI u = new java.net.URI(v);
                    return ("https".equals(u.getScheme()) || "http".equals(u.getScheme())) && u.getHost() != null
                            && u.getUserInfo() == null ? null : "must be https://HOST:PORT (credentials in their own keys)";
                } catch (java.net.URISyntaxException e) {
                    return "is not a URL: " + e.getReason();
                }
            }
        };
        static final Kind ZABBIX_SERVERS = new Kind() {
            @Override
            String problem(String v) {
                try {
                    org.taskwatch.push.zabbix.ZabbixSettings.parseServers(v);
                    return null;
                } catch (IllegalArgumentException e) {
                    return e.getMessage();
                }
            }
        };
        static final Kind ZABBIX_TLS = new Kind() {
            @Override
            String problem(String v) {
                return org.taskwatch.push.zabbix.ZabbixSettings.tlsModeProblem(v);
            }
        };
        /** Watches at once: a range, and no more than this process's descriptors allow. */
        static final Kind WATCHES = new Kind() {
            private final Kind range = range(1, 1_000_000);

            @Override
            String problem(String v) {
                String p = range.problem(v);
                return p != null ? p : DescriptorBudget.problemWithMaxWatches(Long.parseLong(v));
            }
        };

        static Kind oneOf(String... words) {
            return new Kind() {
                @Override
                String problem(String v) {
                    for (String w : words) {
                        if (w.equalsIgnoreCase(v)) {
                            return null;
                        }
                    }
                    return "must be " + String.join(", ", java.util.Arrays.copyOf(words, words.length - 1)) + " or "
                            + words[words.length - 1];
                }
            };
        }

        abstract String problem(String v);

        Kind copy() {
            Kind self = this;
            return new Kind() {
                @Override
                String problem(String v) {
                    return self.problem(v);
                }
            };
        }

        static Kind range(long min, long max) {
            return new Kind() {
                @Override
                String problem(String v) {
                    try {
                        long n = Long.parseLong(v);
                        return n < min || n > max ? "must be " + min + " to " + max : null;
                    } catch (NumberFormatException e) {
                        return "must be a whole number (" + min + " to " + max + ")";
                    }
                }
            };
        }
    }
}
