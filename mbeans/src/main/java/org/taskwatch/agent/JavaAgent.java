package org.taskwatch.agent;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code -javaagent:taskwatch-mbeans.jar[=key=value,key=value...]}: the monitor's MBeans inside
 * any JVM (an application server, say), in its platform MBeanServer, so JConsole on that JVM
 * shows them. Options are the agent's configuration keys, plus {@code config=FILE} for a
 * properties file under them. JMX remote and Jolokia are off unless asked for
 * ({@code jmx.enabled=true}, {@code jolokia.enabled=true}): the host JVM usually has its own.
 *
 * <p>Started by {@link org.taskwatch.boot.AgentBoot} inside taskwatch's own class loader. A
 * failure never stops the host JVM: it is printed to stderr and the JVM goes on without
 * taskwatch.
 */
public final class JavaAgent {
    private static volatile Agent running;

    private JavaAgent() {}

    /** Starts the agent with {@code key=value,...} options; called once per JVM by the bootstrap. */
    public static synchronized void start(String args) {
        if (running != null) {
            System.err.println("taskwatch: agent already running in this JVM");
            return;
        }
        try {
            AgentConfig config = config(args);
            Agent agent = Agent.start(config, ManagementFactory.getPlatformMBeanServer());
            running = agent;
            Thread stop = new Thread(agent::close, "taskwatch-shutdown");
            Runtime.getRuntime().addShutdownHook(stop);
            for (String line : agent.banner()) {
                System.err.println("taskwatch: " + line);
            }
        } catch (Exception | LinkageError e) {
            System.err.println("taskwatch: not started: " + e.getMessage());
        }
    }

    /** Parses {@code key=value,key=value}; {@code config=FILE} is read first, the rest over it. */
    static AgentConfig config(String args) throws java.io.IOException {
        Map<String, String> options = new LinkedHashMap<>();
        String file = null;
        if (args != null && !args.isBlank()) {
            for (String pair : args.split(",")) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("agent option '" + pair + "': expected key=value");
                }
                String key = pair.substring(0, eq).trim();
                if (key.equals("config")) {
                    file = pair.substring(eq + 1).trim();
                } else {
                    options.put(key, pair.substring(eq + 1));
                }
            }
        }
        // inside another JVM, serve nothing over the network unless asked to
        AgentConfig c = AgentConfig.defaults().with(Map.of(ConfigKey.JMX_ENABLED.key(), "false",
                ConfigKey.JOLOKIA_ENABLED.key(), "false"));
        if (file != null) {
            c = c.withFile(Path.of(file));
        }
        return c.with(options);
    }
}
