package org.taskwatch.push.zabbix;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Where and how to push to Zabbix, from the agent's zabbix.* keys.
 *
 * @param servers the servers or proxies, each told every value (as zabbix_agentd's ServerActive
 *     list); empty: no push to Zabbix
 * @param host the host name as Zabbix knows it (its "Host name", not the visible name)
 * @param heartbeatSeconds how often the heartbeat (and every watch's state again) goes; 0: never
 * @param queueSize values held per server while it is down
 * @param timeoutMillis connect and answer timeout
 * @param tls the TLS context when zabbix.tls.connect=cert; null: unencrypted
 * @param checkHostname whether the server's certificate must name the host connected to
 */
public record ZabbixSettings(List<Server> servers, String host, int heartbeatSeconds, int queueSize, int timeoutMillis,
        SSLContext tls, boolean checkHostname) {

    /** A server's (or proxy's) trapper address. */
    public record Server(String host, int port) {
        @Override
        public String toString() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    public static final int DEFAULT_PORT = 10051;

    /**
     * {@code host[:port]} entries, comma-separated, port 10051 when not given; an IPv6 address in brackets.
     *
     * @throws IllegalArgumentException saying which entry is wrong and why
     */
    public static List<Server> parseServers(String list) {
        List<Server> out = new ArrayList<>();
        if (list == null || list.isBlank()) {
            return out;
        }
        for (String raw : list.split(",")) {
            String e = raw.trim();
            if (e.isEmpty()) {
                throw new IllegalArgumentException("an empty entry in the server list");
            }
            String host = e;
            int port = DEFAULT_PORT;
            int colon = e.lastIndexOf(':');
            if (e.startsWith("[")) {
                int close = e.indexOf(']');
                if (close < 0) {
                    throw new IllegalArgumentException("'" + e + "': no ']' after the IPv6 address");
                }
                host = e.substring(1, close);
                if (close + 1 < e.length()) {
                    if (e.charAt(close + 1) != ':') {
                        throw new IllegalArgumentException("'" + e + "': expected ':port' after ']'");
                    }
                    port = port(e, e.substring(close + 2));
                }
            } else if (colon >= 0) {
                if (e.indexOf(':') != colon) {
                    throw new IllegalArgumentException("'" + e + "': an IPv6 address goes in brackets, [addr]:port");
                }
                host = e.substring(0, colon);
                port = port(e, e.substring(colon + 1));
            }
            if (host.isEmpty() || host.contains(" ")) {
                throw new IllegalArgumentException("'" + e + "': no host name");
            }
            out.add(new Server(host, port));
        }
        return out;
    }

    private static int port(String entry, String p) {
        try {
            int n = Integer.parseInt(p);
            if (n >= 1 && n <= 65_535) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // said below
        }
        throw new IllegalArgumentException("'" + entry + "': the port must be 1 to 65535");
    }

    /** What zabbix.tls.connect may say; psk is refused with the reason. */
    public static String tlsModeProblem(String mode) {
        return switch (mode.toLowerCase(Locale.ROOT)) {
            case "unencrypted", "cert" -> null;
            case "psk" -> "psk is not supported (the JDK has no TLS-PSK): use cert, with certificates on both sides";
            default -> "must be unencrypted or cert";
        };
    }

    /**
     * The client side of TLS with certificates: the trust store holds the CA that signed the
     * server's certificate (Zabbix's TLSCAFile), the key store this agent's certificate and key
     * (what the server checks against its TLSCAFile, and the host's issuer and subject if set).
     *
     * @throws IOException naming the setting and the file when one cannot be read or used
     */
    public static SSLContext clientTls(String trustStore, String trustPassword, String keyStore, String keyPassword)
            throws IOException {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trustStore.isEmpty() ? null : load(trustStore, trustPassword, "zabbix.tls.trustStore"));
            KeyManagerFactory kmf = null;
            if (!keyStore.isEmpty()) {
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(load(keyStore, keyPassword, "zabbix.tls.keyStore"), keyPassword.toCharArray());
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("zabbix.tls: " + e.getMessage(), e);
        }
    }

    private static KeyStore load(String file, String password, String key) throws IOException {
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            KeyStore ks = KeyStore.getInstance(file.endsWith(".jks") ? "JKS" : "PKCS12");
            ks.load(in, password.toCharArray());
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new IOException(key + ": cannot use " + file + ": " + e.getMessage(), e);
        }
    }
}
