package org.taskwatch.agent;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/** The TLS side of a server, from a key store: the one way JMX and Jolokia load theirs. */
final class ServerTls {
    private ServerTls() {}

    /**
     * @param keyStore a PKCS12 key store, or JKS when its name ends in .jks, with the server's key
     * @param key the setting that names it, for the message
     * @throws IOException naming the setting and the file when it cannot be read or used
     */
    static SSLContext of(String keyStore, String password, String key) throws IOException {
        char[] pw = password.toCharArray();
        try (InputStream in = Files.newInputStream(Path.of(keyStore))) {
            KeyStore ks = KeyStore.getInstance(keyStore.endsWith(".jks") ? "JKS" : "PKCS12");
            ks.load(in, pw);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null); // clients are checked against the JVM's trust store
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IOException(key + ": cannot use " + keyStore + ": " + e.getMessage(), e);
        }
    }
}
