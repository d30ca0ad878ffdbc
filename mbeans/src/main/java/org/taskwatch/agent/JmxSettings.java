package org.taskwatch.agent;

/**
 * Where and how the JMX RMI connector is served (who may use it: {@link PasswordUsers}).
 *
 * @param host the address registry and server bind to (and the host name put in stubs)
 * @param port registry and server port, 0 for any free one
 * @param keyStore key store with the server's key for TLS, or empty for plain RMI
 * @param keyStorePassword its password
 * @param needClientAuth require client certificates (with TLS)
 * @param connectionTimeoutSeconds how long a connection may go without a call before the server
 *     ends it (and the watches made over it): how soon a client gone without closing is noticed
 * @param notificationBatchMillis how long a reply to a client's notification fetch waits for more
 *     notifications while they stream ({@link BatchingConnection}), 0 for never
 */
public record JmxSettings(String host, int port, String keyStore, String keyStorePassword, boolean needClientAuth,
        int connectionTimeoutSeconds, int notificationBatchMillis) {
    /** The default of {@code jmx.connectionTimeoutSeconds}: longer than the JDK client's one-minute connection check. */
    static final int DEFAULT_CONNECTION_TIMEOUT_SECONDS = 90;
    /** The default of {@code jmx.notificationBatchMillis}: well under the 5 ms a monitoring client would notice. */
    static final int DEFAULT_NOTIFICATION_BATCH_MILLIS = 2;

    /** Plain, unauthenticated, on {@code host:port}: for tests and loopback-only use. */
    public static JmxSettings plain(String host, int port) {
        return new JmxSettings(host, port, "", "", false, DEFAULT_CONNECTION_TIMEOUT_SECONDS,
                DEFAULT_NOTIFICATION_BATCH_MILLIS);
    }

    static JmxSettings of(AgentConfig c) {
        return new JmxSettings(c.get(ConfigKey.JMX_HOST), c.getInt(ConfigKey.JMX_PORT), c.get(ConfigKey.JMX_KEY_STORE),
                c.get(ConfigKey.JMX_KEY_STORE_PASSWORD), c.getBoolean(ConfigKey.JMX_NEED_CLIENT_AUTH),
                c.getInt(ConfigKey.JMX_CONNECTION_TIMEOUT_SECONDS), c.getInt(ConfigKey.JMX_NOTIFICATION_BATCH_MILLIS));
    }

    /** The same with replies to notification fetches batched for {@code millis} while notifications stream. */
    public JmxSettings withNotificationBatchMillis(int millis) {
        return new JmxSettings(host, port, keyStore, keyStorePassword, needClientAuth, connectionTimeoutSeconds, millis);
    }

    boolean tls() {
        return !keyStore.isEmpty();
    }
}
