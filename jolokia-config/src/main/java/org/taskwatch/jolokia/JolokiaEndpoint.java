package org.taskwatch.jolokia;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Supplier;
import org.jolokia.core.api.LogHandler;
import org.jolokia.jvmagent.JolokiaServer;
import org.jolokia.jvmagent.JolokiaServerConfig;

/**
 * Jolokia's HTTP-JSON server over the platform MBeanServer, with taskwatch's defaults
 * ({@code jolokia-agent.properties}) and access policy ({@code jolokia-access.xml}, enforced by
 * {@link OriginCheckingRestrictor}). Runs on the JDK's own HTTP server: no servlet container.
 * Read and pull requests, and SSE notification streams, are served by a small fixed thread
 * pool, never by a thread of the caller. Notification clients that go away without unregistering
 * are unregistered after {@link JolokiaSettings#clientTimeoutSeconds} ({@link IdleClientReaper}).
 */
public final class JolokiaEndpoint implements AutoCloseable {
    /** taskwatch's policy, inside this module's jar. */
    public static final String DEFAULT_POLICY = "classpath:/org/taskwatch/jolokia/jolokia-access.xml";
    private static final String DEFAULTS = "/org/taskwatch/jolokia/jolokia-agent.properties";

    private final JolokiaServer server;
    private final String url;
    private final IdleClientReaper reaper;

    private JolokiaEndpoint(JolokiaServer server, String url, IdleClientReaper reaper) {
        this.server = server;
        this.url = url;
        this.reaper = reaper;
    }

    /**
     * Starts serving.
     *
     * @param handbacks the handbacks of the listeners now registered on the MBeans whose
     *     notifications Jolokia serves: Jolokia's subscriptions among them, whose idle clients expire
     * @throws IOException when the port cannot be bound (the message names host and port) or
     *     the key store cannot be read
     * @throws IllegalArgumentException for settings that cannot work, naming the setting
     */
    public static JolokiaEndpoint start(JolokiaSettings s,
            Supplier<? extends Collection<?>> handbacks) throws IOException {
        Map<String, String> config = serverConfig(s);
        JolokiaServer server;
        try {
            server = new JolokiaServer(new JolokiaServerConfig(config), new StderrLog());
        } catch (BindException e) {
            throw new IOException("Jolokia port " + s.host() + ":" + s.port() + " is not available (in use?): "
                    + e.getMessage(), e);
        }
        server.start();
        int port = server.getAddress().getPort();
        String scheme = s.keyStore().isEmpty() ? "http" : "https";
        IdleClientReaper reaper = new IdleClientReaper(handbacks, Duration.ofSeconds(s.clientTimeoutSeconds()),
                message -> System.err.println("taskwatch: " + message));
        return new JolokiaEndpoint(server, scheme + "://" + hostForUrl(s.host()) + ":" + port + "/jolokia/", reaper);
    }

    static Map<String, String> serverConfig(JolokiaSettings s) {
        Map<String, String> config = defaults();
        config.put("host", s.host());
        config.put("port", Integer.toString(s.port()));
        config.put("restrictorClass", OriginCheckingRestrictor.class.getName());
        config.put("policyLocation", s.policy().isEmpty() ? DEFAULT_POLICY : s.policy());
        if (!s.user().isEmpty()) {
            if (s.password().isEmpty()) {
                throw new IllegalArgumentException("jolokia.password: needed with jolokia.user");
            }
            config.put("authMode", "basic");
            config.put("user", s.user());
            config.put("password", s.password());
            config.put("realm", "taskwatch");
        }
        if (!s.keyStore().isEmpty()) {
            if (!Files.isReadable(Path.of(s.keyStore()))) {
                throw new IllegalArgumentException("jolokia.keyStore: cannot read " + s.keyStore());
            }
            config.put("protocol", "https");
            config.put("keystore", s.keyStore());
            config.put("keystorePassword", s.keyStorePassword());
            config.put("keyStoreType", s.keyStore().endsWith(".jks") ? "JKS" : "PKCS12");
        }
        return config;
    }

    private static Map<String, String> defaults() {
        Properties p = new Properties();
        try (InputStream in = JolokiaEndpoint.class.getResourceAsStream(DEFAULTS)) {
            if (in == null) {
                throw new IllegalStateException(DEFAULTS + " missing from the jar");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> m = new HashMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
        return m;
    }

    private static String hostForUrl(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }

    /** The base URL clients use, ending in {@code /jolokia/}. */
    public String url() {
        return url;
    }

    /**
     * The ids of the notification clients with a subscription now (to the MBeans whose handbacks
     * were given to {@link #start}).
     *
     * @throws IllegalStateException when this Jolokia version's clients cannot be told
     */
    public Set<String> clients() {
        return reaper.clients();
    }

    /**
     * {@code check} runs after each look for idle clients (every {@code clientTimeoutSeconds / 4},
     * from 1 s to a minute), on the expiry thread: clients that expired or unregistered are gone from
     * {@link #clients} by then.
     */
    public void afterEachClientCheck(Runnable check) {
        reaper.afterEachRound(check);
    }

    /** Stops serving and frees the port. */
    @Override
    public void close() {
        reaper.close();
        server.stop();
    }

    /** Jolokia's messages: errors to stderr, the rest dropped (the agent prints its own banner). */
    private static final class StderrLog implements LogHandler {
        @Override
        public void debug(String message) {}

        @Override
        public void info(String message) {}

        @Override
        public void error(String message, Throwable t) {
            System.err.println("taskwatch: jolokia: " + message + (t == null ? "" : ": " + t));
        }

        @Override
        public boolean isDebug() {
            return false;
        }
    }
}
