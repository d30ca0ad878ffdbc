package org.taskwatch.agent;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * A remote JMX client in a JVM of its own, for {@link ClientFailureIT} to kill with SIGKILL:
 * connects to the URL in {@code args[0]}, adds a listener on the Monitor, prints
 * {@code listening}, then {@code receiving} at its first notification, and blocks forever. It
 * never closes its connection: only the agent can clean up after it.
 */
public final class ListeningJmxClient {
    private ListeningJmxClient() {}

    public static void main(String[] args) throws Exception {
        JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(args[0]));
        MBeanServerConnection mbs = c.getMBeanServerConnection();
        Object first = new Object();
        boolean[] received = {false};
        mbs.addNotificationListener(new ObjectName("org.taskwatch:type=Monitor"), (n, hb) -> {
            synchronized (first) {
                if (!received[0]) {
                    received[0] = true;
                    System.out.println("receiving");
                    System.out.flush();
                }
            }
        }, null, null);
        System.out.println("listening");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
