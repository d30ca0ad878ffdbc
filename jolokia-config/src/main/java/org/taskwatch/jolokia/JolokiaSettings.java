package org.taskwatch.jolokia;

import javax.net.ssl.SSLContext;

/**
 * Where and how the agent serves Jolokia, and the bounds on what a request may be.
 *
 * @param host the address to bind (loopback by default)
 * @param port the TCP port, 0 for any free one
 * @param tls the server's TLS context (its key and certificate): serves HTTPS; null: plain HTTP
 * @param policy the access policy's location ({@code classpath:...}, {@code file:...}), or empty
 *     for taskwatch's own ({@link JolokiaEndpoint#DEFAULT_POLICY})
 * @param clientTimeoutSeconds how long a notification client may go without a ping or a pull
 *     before it is unregistered (see {@link IdleClientReaper}); 0: never
 * @param maxRequestBytes the largest request body read; a larger one is refused (HTTP 413)
 * @param maxUrlLength the longest URL (path and query) served; a longer one is refused (HTTP 414)
 * @param maxBulkRequests the most requests in one bulk (JSON array) request (HTTP 413 beyond)
 * @param maxJsonDepth the deepest nesting of arrays and objects in a request (HTTP 400 beyond)
 */
public record JolokiaSettings(String host, int port, SSLContext tls, String policy,
        int clientTimeoutSeconds, int maxRequestBytes, int maxUrlLength, int maxBulkRequests, int maxJsonDepth) {

    /** @throws IllegalArgumentException for a negative client timeout or a limit below 1 */
    public JolokiaSettings {
        if (clientTimeoutSeconds < 0) {
            throw new IllegalArgumentException("jolokia.clientTimeoutSeconds: must be 0 (never) or more, got "
                    + clientTimeoutSeconds);
        }
        if (maxRequestBytes < 1 || maxUrlLength < 1 || maxBulkRequests < 1 || maxJsonDepth < 1) {
            throw new IllegalArgumentException("Jolokia's request limits must be 1 or more");
        }
    }
}
