package org.taskwatch.agent;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * A remote JMX client in a JVM of its own, for {@link WatchOwnershipIT} to kill with SIGKILL:
 * connects to the URL in {@code args[0]}, makes two command watches and keeps the second,
 * prints {@code watching OWNED KEPT}, and blocks forever. It never closes its connection.
 */
public final class WatchingJmxClient {
    private WatchingJmxClient() {}

    public static void main(String[] args) throws Exception {
        JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(args[0]));
        MBeanServerConnection mbs = c.getMBeanServerConnection();
        ObjectName monitor = new ObjectName("org.taskwatch:type=Monitor");
        String[] signature = {"java.lang.String", "java.lang.String"};
        long owned = (Long) mbs.invoke(monitor, "watchCommand", new Object[] {"^killed-client-owned$", "exec"}, signature);
        long kept = (Long) mbs.invoke(monitor, "watchCommand", new Object[] {"^killed-client-kept$", "exec"}, signature);
        if (!(Boolean) mbs.invoke(monitor, "keep", new Object[] {kept}, new String[] {"long"})) {
            throw new IllegalStateException("keep(" + kept + ") found no watch");
        }
        System.out.println("watching " + owned + " " + kept);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
