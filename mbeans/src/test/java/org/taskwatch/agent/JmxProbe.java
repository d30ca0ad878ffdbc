package org.taskwatch.agent;

import java.util.HashMap;
import java.util.Map;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import javax.rmi.ssl.SslRMIClientSocketFactory;

/**
 * A JMX client in a JVM of its own, for TLS: the trust store is a JVM-wide setting
 * ({@code -Djavax.net.ssl.trustStore}), so the test starts this with the one it wants. Prints
 * the Monitor's EventSource, or the failure, and exits 0 or 1.
 */
public final class JmxProbe {
    private JmxProbe() {}

    public static void main(String[] args) {
        Map<String, Object> env = new HashMap<>();
        // the registry speaks TLS too: look it up over TLS
        env.put("com.sun.jndi.rmi.factory.socket", new SslRMIClientSocketFactory());
        try (JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(args[0]), env)) {
            System.out.println("EventSource=" + c.getMBeanServerConnection()
                    .getAttribute(new ObjectName("org.taskwatch:type=Monitor"), "EventSource"));
            System.exit(0);
        } catch (Exception e) {
            System.out.println("failed: " + e);
            System.exit(1);
        }
    }
}
