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
 */
public record JolokiaSettings(String host, int port, String user, String password, String keyStore,
        String keyStorePassword, String policy) {

    public static final int DEFAULT_PORT = 8778;

    /** Loopback, port 8778, no authentication, plain HTTP, taskwatch's policy. */
    public static JolokiaSettings defaults() {
        return new JolokiaSettings("127.0.0.1", DEFAULT_PORT, "", "", "", "", "");
    }

    public JolokiaSettings withPort(int newPort) {
        return new JolokiaSettings(host, newPort, user, password, keyStore, keyStorePassword, policy);
    }
}
