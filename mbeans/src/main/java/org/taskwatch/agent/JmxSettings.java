package org.taskwatch.agent;

/**
 * Where and how the JMX RMI connector is served (who may use it: {@link PasswordUsers}).
 *
 * @param host the address registry and server bind to (and the host name put in stubs)
 * @param port registry and server port, 0 for any free one
 * @param keyStore key store with the server's key for TLS, or empty for plain RMI
 * @param keyStorePassword its password
 * @param needClientAuth require client certificates (with TLS)
 */
public record JmxSettings(String host, int port, String keyStore, String keyStorePassword, boolean needClientAuth) {

    /** Plain, unauthenticated, on {@code host:port}: for tests and loopback-only use. */
    public static JmxSettings plain(String host, int port) {
        return new JmxSettings(host, port, "", "", false);
    }

    static JmxSettings of(AgentConfig c) {
        return new JmxSettings(c.get(ConfigKey.JMX_HOST), c.getInt(ConfigKey.JMX_PORT), c.get(ConfigKey.JMX_KEY_STORE),
                c.get(ConfigKey.JMX_KEY_STORE_PASSWORD), c.getBoolean(ConfigKey.JMX_NEED_CLIENT_AUTH));
    }

    boolean tls() {
        return !keyStore.isEmpty();
    }
}
