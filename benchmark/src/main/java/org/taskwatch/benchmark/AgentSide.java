package org.taskwatch.benchmark;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.MBeanServerConnection;
import javax.management.Notification;
import javax.management.NotificationListener;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnectionNotification;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * {@code taskwatch agent} as its own JVM, started by the project's launcher exactly as a user
 * runs it, and one remote JMX client over RMI (in this JVM) that watches every process for
 * fork, exec and exit, and counts notifications and {@link JMXConnectionNotification#NOTIFS_LOST}.
 * Latency is to the client's listener.
 */
final class AgentSide extends RemoteAgentSide {
    private static final String MONITOR = "org.taskwatch:type=Monitor";
    private static final String[] COUNTERS = {"EventsReceived", "EventsDelivered", "EventsLost"};

    private final JMXConnector connector;
    private final MBeanServerConnection mbs;
    private final ObjectName monitor;
    private volatile long notifications; // written by the JMX client's fetcher thread only
    private volatile long notifsLost;

    private AgentSide(LaunchedAgent agent, int latencyCapacity) throws Exception {
        super(agent, latencyCapacity);
        this.monitor = new ObjectName(MONITOR);
        this.connector = JMXConnectorFactory.connect(new JMXServiceURL(agent.address()));
        this.connector.addConnectionNotificationListener((n, hb) -> {
            if (JMXConnectionNotification.NOTIFS_LOST.equals(n.getType()) && n.getUserData() instanceof Long lost) {
                notifsLost += lost;
            }
        }, null, null);
        this.mbs = connector.getMBeanServerConnection();
        NotificationListener counter = (Notification n, Object hb) -> {
            if (n.getUserData() instanceof CompositeData d && d.containsKey("timestampNanos")) {
                latencies.record(System.nanoTime() - (Long) d.get("timestampNanos"));
                notifications++;
            }
        };
        mbs.addNotificationListener(monitor, counter, null, null);
        mbs.invoke(monitor, "watchTree", new Object[] {1, "fork,exec,exit"}, new String[] {"int", "java.lang.String"});
    }
    /** Starts {@code launcher agent} with JMX on a free loopback port (no Jolokia) and connects to it. */
    static AgentSide start(Path launcher, int latencyCapacity, int coalesceMicros, int priorityBoost,
            List<String> settings) throws Exception {
        LaunchedAgent a = LaunchedAgent.start(launcher, List.of("--jmx-port", Integer.toString(SoakAgent.freePort()),
                "--no-jolokia"), coalesceMicros, priorityBoost, settings, "taskwatch agent: JMX ");
        try {
            return new AgentSide(a, latencyCapacity);
        } catch (Exception e) {
            a.stop();
            throw e;
        }
    }

    @Override
    public String name() {
        return "agent+jmx";
    }

    @Override
    public Snapshot snapshot() throws Exception {
        AttributeList a = mbs.getAttributes(monitor, COUNTERS);
        long[] v = new long[COUNTERS.length];
        for (Attribute x : a.asList()) {
            for (int i = 0; i < COUNTERS.length; i++) {
                if (COUNTERS[i].equals(x.getName())) {
                    v[i] = (Long) x.getValue();
                }
            }
        }
        return snapshot(v[0], v[1], notifications, v[2], notifsLost);
    }

    @Override
    public void close() {
        try {
            connector.close();
        } catch (IOException ignored) {
            // the agent goes away next anyway
        }
        agent.stop();
    }
}
