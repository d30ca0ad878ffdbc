package org.taskwatch.benchmark;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * The soak's remote JMX client in a JVM of its own, to be killed with SIGKILL mid-stream:
 * connects to {@code args[0]}, adds a listener on the Monitor, prints {@code receiving} at its
 * first notification and blocks. It never closes the connection: only the agent's own timeouts
 * can clean up after it.
 */
public final class SoakJmxClient {
    private SoakJmxClient() {}

    public static void main(String[] args) throws Exception {
        JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(args[0]));
        MBeanServerConnection mbs = c.getMBeanServerConnection();
        boolean[] said = {false};
        mbs.addNotificationListener(new ObjectName(JolokiaHttp.MONITOR), (n, hb) -> {
            synchronized (said) {
                if (!said[0]) {
                    said[0] = true;
                    System.out.println("receiving");
                    System.out.flush();
                }
            }
        }, null, null);
        Thread.sleep(Long.MAX_VALUE);
    }
}
