package org.taskwatch.jolokia;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.lang.management.ManagementFactory;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
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
 * {@link OriginCheckingRestrictor}). Runs on the JDK's own HTTP server, created here and handed
 * to Jolokia, so that {@link RequestGuard} (authentication, limits, request checks) stands before
 * every path Jolokia serves. No servlet container.
 * Read and pull requests, and SSE notification streams, are served by a small fixed thread
 * pool, never by a thread of the caller. Notification clients that go away without unregistering
 * are unregistered after {@link JolokiaSettings#clientTimeoutSeconds} ({@link IdleClientReaper}).
 */
public final class JolokiaEndpoint implements AutoCloseable {
    /** taskwatch's policy, inside this module's jar. */
    public static final String DEFAULT_POLICY = "classpath:/org/taskwatch/jolokia/jolokia-access.xml";
    private static final String DEFAULTS = "/org/taskwatch/jolokia/jolokia-agent.properties";

    private final JolokiaServer server;
    private final HttpServer http;
    private final ExecutorService pool;
    private final String url;
    private final IdleClientReaper reaper;

    private JolokiaEndpoint(JolokiaServer server, HttpServer http, ExecutorService pool, String url,
            IdleClientReaper reaper) {
        this.server = server;
        this.http = http;
        this.pool = pool;
        this.url = url;
        this.reaper = reaper;
    }

    /**
     * Starts serving.
     *
     * @param users who may use it, and how far; null: everyone who reaches it (loopback by default)
     * @param handbacks the handbacks of the listeners now registered on the MBeans whose
     *     notifications Jolokia serves: Jolokia's subscriptions among them, whose idle clients expire
     * @throws IOException when the port cannot be bound (the message names host and port)
     * @throws IllegalArgumentException for settings that cannot work, naming the setting
     */
    public static JolokiaEndpoint start(JolokiaSettings s, Users users,
            Supplier<? extends Collection<?>> handbacks) throws IOException {
        Map<String, String> config = serverConfig(s);
        InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(s.host()), s.port());
        int backlog = Integer.parseInt(config.get("backlog"));
        HttpServer http;
        try {
            if (s.tls() == null) {
                http = HttpServer.create(address, backlog);
            } else {
                HttpsServer https = HttpsServer.create(address, backlog);
                https.setHttpsConfigurator(new HttpsConfigurator(s.tls()));
                http = https;
            }
        } catch (BindException e) {
            throw new IOException("Jolokia port " + s.host() + ":" + s.port() + " is not available (in use?): "
                    + e.getMessage(), e);
        }
        ExecutorService pool = Executors.newFixedThreadPool(Integer.parseInt(config.get("threadNr")), new ThreadFactory() {
            private final AtomicInteger n = new AtomicInteger();

            @Override
            public Thread newThread(Runnable r) {
                Thread t = new Thread(r, config.get("threadNamePrefix") + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            }
        });
        http.setExecutor(pool);
        RequestGuard guard = new RequestGuard(users, s, ManagementFactory.getPlatformMBeanServer(),
                config.get("agentContext"));
        JolokiaServer server;
        try {
            server = new JolokiaServer(new GuardedServer(http, guard), new JolokiaServerConfig(config), new StderrLog());
            server.start();
        } catch (RuntimeException e) {
            http.stop(0);
            pool.shutdownNow();
            throw e;
        }
        startDaemon(http);
        int port = http.getAddress().getPort();
        String scheme = s.tls() == null ? "http" : "https";
        IdleClientReaper reaper = new IdleClientReaper(handbacks, Duration.ofSeconds(s.clientTimeoutSeconds()),
                message -> System.err.println("taskwatch: " + message));
        return new JolokiaEndpoint(server, http, pool, scheme + "://" + hostForUrl(s.host()) + ":" + port + "/jolokia/",
                reaper);
    }

    /**
     * Starts the server from a daemon thread: its dispatcher thread inherits that, so an
     * application running taskwatch as {@code -javaagent} still ends when its own threads do.
     */
    private static void startDaemon(HttpServer http) {
        Thread starter = new Thread(http::start, "taskwatch-jolokia-start");
        starter.setDaemon(true);
        starter.start();
        boolean interrupted = false;
        while (starter.isAlive()) {
            try {
                starter.join();
            } catch (InterruptedException e) {
                interrupted = true; // it starts in a moment: wait for it, then pass the interrupt on
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Jolokia's configuration: taskwatch's defaults, the address for its URL, and the policy. */
    static Map<String, String> serverConfig(JolokiaSettings s) {
        Map<String, String> config = defaults();
        config.put("host", s.host());
        config.put("port", Integer.toString(s.port()));
        config.put("restrictorClass", OriginCheckingRestrictor.class.getName());
        config.put("policyLocation", s.policy().isEmpty() ? DEFAULT_POLICY : s.policy());
        if (s.tls() != null) {
            config.put("protocol", "https");
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
        http.stop(0);
        pool.shutdownNow();
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
