package org.taskwatch.jolokia;

/**
 * Where and how the agent serves Jolokia.
 *
 * @param host the address to bind (loopback by default)
 * @param port the TCP port, 0 for any free one
 * @param user basic-auth user, or empty for no authentication
 * @param password basic-auth password (required with a user)
 * @param keyStore a PKCS12 or JKS key store with the server's key and certificate: serves HTTPS
 *     when set, HTTP when empty
 * @param keyStorePassword the key store's password
 * @param policy the access policy's location ({@code classpath:...}, {@code file:...}), or empty
 *     for taskwatch's own ({@link JolokiaEndpoint#DEFAULT_POLICY})
 * @param clientTimeoutSeconds how long a notification client may go without a ping or a pull
 *     before it is unregistered (see {@link IdleClientReaper}); 0: never
 */
public record JolokiaSettings(String host, int port, String user, String password, String keyStore,
        String keyStorePassword, String policy, int clientTimeoutSeconds) {

    public static final int DEFAULT_PORT = 8778;
    public static final int DEFAULT_CLIENT_TIMEOUT_SECONDS = 600;

    /** @throws IllegalArgumentException for a negative client timeout */
    public JolokiaSettings {
        if (clientTimeoutSeconds < 0) {
            throw new IllegalArgumentException("jolokia.clientTimeoutSeconds: must be 0 (never) or more, got "
                    + clientTimeoutSeconds);
        }
    }

    /** Loopback, port 8778, no authentication, plain HTTP, taskwatch's policy, idle clients expire after 10 minutes. */
    public static JolokiaSettings defaults() {
        return new JolokiaSettings("127.0.0.1", DEFAULT_PORT, "", "", "", "", "", DEFAULT_CLIENT_TIMEOUT_SECONDS);
    }

    public JolokiaSettings withPort(int newPort) {
        return new JolokiaSettings(host, newPort, user, password, keyStore, keyStorePassword, policy,
                clientTimeoutSeconds);
    }
}
