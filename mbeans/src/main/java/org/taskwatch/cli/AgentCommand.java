package org.taskwatch.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.taskwatch.agent.Agent;
import org.taskwatch.agent.AgentConfig;
import org.taskwatch.agent.ConfigKey;

/**
 * {@code taskwatch agent}: the monitor's MBeans in the platform MBeanServer, served over JMX
 * remote and Jolokia as configured (file, then flags); runs until SIGINT/SIGTERM, then
 * unsubscribes (IGNORE) and exits 0. SIGHUP re-reads the file (and the flags) and applies its
 * declared watches; a bad file changes nothing and says why (stderr, Monitor's ConfigStatus).
 */
final class AgentCommand {
    /** Exit status when the agent cannot start (connector, port, file). */
    static final int CANNOT_START = 1;
    /** The JDK HTTP server's (Jolokia's, the metrics endpoint's) idle-connection timer period, in ms. */
    private static final String HTTP_IDLE_TIMER = "sun.net.httpserver.clockTick";

    private final PrintStream out;
    private final PrintStream err;

    AgentCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(Options o) {
        o.parse(Set.of("--config", "--jmx-port", "--jolokia-port", "--set"), Set.of("--no-jmx", "--no-jolokia"));
        if (!o.positional().isEmpty()) {
            throw new Options.UsageException("unexpected argument '" + o.positional().get(0) + "'");
        }
        AgentConfig config;
        try {
            config = config(o);
        } catch (IOException e) {
            err.println("taskwatch agent: " + e.getMessage());
            return CANNOT_START;
        } catch (IllegalArgumentException e) {
            throw new Options.UsageException(e.getMessage());
        }
        quietHttpServerTimer();
        Agent agent;
        try {
            agent = Agent.start(config, ManagementFactory.getPlatformMBeanServer());
        } catch (IOException e) {
            err.println("taskwatch agent: " + e.getMessage());
            return CANNOT_START;
        } catch (IllegalArgumentException e) {
            err.println("taskwatch agent: " + e.getMessage());
            return Main.USAGE;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Termination.onSignal(() -> { // before the banner: whoever reads it may stop us at once
            agent.close(); // sends IGNORE
            stopped.countDown();
        });
        Reload.onHangup(() -> {
            String line;
            try {
                line = agent.reload(config(o));
            } catch (IOException | IllegalArgumentException e) {
                line = agent.reloadFailed(e.getMessage());
            }
            err.println("taskwatch agent: " + line);
            err.flush();
        });
        for (String line : agent.banner()) {
            out.println("taskwatch agent: " + line);
        }
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** Defaults, then the file, then {@code --set KEY=VALUE} and the dedicated flags. */
    private static AgentConfig config(Options o) throws IOException {
        AgentConfig c = AgentConfig.defaults();
        if (o.value("--config") != null) {
            c = c.withFile(Path.of(o.value("--config")));
        }
        Map<String, String> flags = new LinkedHashMap<>();
        for (String kv : o.values("--set")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--set needs KEY=VALUE, got '" + kv + "'");
            }
            flags.put(kv.substring(0, eq).trim(), kv.substring(eq + 1));
        }
        putIf(flags, ConfigKey.JMX_PORT, o.value("--jmx-port"));
        putIf(flags, ConfigKey.JOLOKIA_PORT, o.value("--jolokia-port"));
        if (o.flag("--no-jmx")) {
            flags.put(ConfigKey.JMX_ENABLED.key(), "false");
        }
        if (o.flag("--no-jolokia")) {
            flags.put(ConfigKey.JOLOKIA_ENABLED.key(), "false");
        }
        return c.with(flags);
    }

    private static void putIf(Map<String, String> m, ConfigKey key, String value) {
        if (value != null) {
            m.put(key.key(), value);
        }
    }

    /**
     * The JDK HTTP server closes connections idle for 30 s from a timer that wakes every 10 s, in
     * an idle agent too: once a minute is enough (such a connection then goes within 30 to 90 s),
     * and its thread then cost 0.5 ms of CPU a minute instead of 1.6 (two idle agents side by side,
     * session 11). Only in this JVM, the agent's own (not under -javaagent, where the server is
     * the host's), and only when the operator did not set it ({@code -D} in TASKWATCH_JAVA_OPTS).
     */
    private static void quietHttpServerTimer() {
        if (System.getProperty(HTTP_IDLE_TIMER) == null) {
            System.setProperty(HTTP_IDLE_TIMER, "60000");
        }
    }
}
