package org.taskwatch.push;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.taskwatch.check.WatchVerdict;

/**
 * Icinga 2's REST API: each exit and state of a declared watch as a passive check result of the
 * service named after the watch on {@code host}
 * ({@code POST /v1/actions/process-check-result}, an API user with that permission, HTTPS with the
 * API's CA). The result carries the time it happened ({@code execution_end}), so results queued
 * while Icinga was down arrive with their own times.
 *
 * <p>An HTTP answer other than success is Icinga's "no" (401 wrong user or password, 403 no
 * permission, 404 no such host or service, 400 a bad request): refused with Icinga's words, not
 * retried. No answer, or a 5xx (Icinga starting or reloading), is "unreachable": retried. A batch
 * is sent one result per request, in order; when Icinga goes away in the middle, the whole batch
 * is tried again, and the results already taken come twice, with the same times.
 *
 * <p>Threading: called by its queue's sender thread only.
 */
public final class IcingaTarget implements PushTarget {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Pattern CODE = Pattern.compile("\"code\"\\s*:\\s*([0-9.]+)");

    private final URI endpoint;
    private final String authorization;
    private final String host;
    private final String source;
    private final HttpClient http;

    /**
     * @param url the API's base, {@code https://icinga.example.org:5665}
     * @param caFile PEM certificates to trust for the API's certificate (Icinga's own CA,
     *     {@code /var/lib/icinga2/certs/ca.crt}); null: the JVM's trust store
     * @param host the host object's name in Icinga
     * @param source the result's check source (this machine's name)
     * @throws IllegalArgumentException for a URL that is not http(s), or a CA file that holds no certificate
     */
    public IcingaTarget(String url, String user, String password, Path caFile, String host, String source) throws IOException {
        URI base = URI.create(url.endsWith("/") ? url : url + "/");
        if (!"https".equals(base.getScheme()) && !"http".equals(base.getScheme()) || base.getHost() == null) {
            throw new IllegalArgumentException("icinga.url must be https://HOST:PORT, got '" + url + "'");
        }
        this.endpoint = base.resolve("v1/actions/process-check-result");
        this.authorization = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        this.host = host;
        this.source = source;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NEVER);
        if (caFile != null) {
            b.sslContext(trusting(caFile));
        }
        this.http = b.build();
    }

    /** An SSL context that trusts exactly the certificates in {@code pem}. */
    static SSLContext trusting(Path pem) throws IOException {
        try (InputStream in = Files.newInputStream(pem)) {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int n = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ks.setCertificateEntry("ca" + n++, c);
            }
            if (n == 0) {
                throw new IllegalArgumentException("icinga.caFile " + pem + " holds no certificate");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            return ssl;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("icinga.caFile " + pem + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return "icinga " + endpoint.getHost() + ":" + (endpoint.getPort() < 0 ? 443 : endpoint.getPort());
    }

    @Override
    public Result send(List<PushMessage> batch) throws IOException {
        int accepted = 0;
        int refused = 0;
        StringBuilder answers = new StringBuilder();
        for (PushMessage m : batch) {
            if (!PassiveCheck.isResult(m)) {
                continue;
            }
            String no = post(m);
            if (no == null) {
                accepted++;
            } else {
                refused++;
                if (answers.length() < 1000) {
                    answers.append(answers.length() == 0 ? "" : "; ").append(no);
                }
            }
        }
        return new Result(accepted, refused, answers.toString());
    }

    /** Posts one result: null when Icinga took it, else its answer. */
    private String post(PushMessage m) throws IOException {
        String service = host + "!" + m.watch();
        String body = body(service, PassiveCheck.verdict(m), m.timeMillis(), source);
        HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(TIMEOUT).header("Accept", "application/json")
                .header("Content-Type", "application/json").header("Authorization", authorization)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        HttpResponse<String> r;
        try {
            r = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpTimeoutException e) {
            throw new IOException("no answer within " + TIMEOUT.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (IOException e) {
            throw new IOException(e.getMessage() == null ? "cannot connect (" + e.getClass().getSimpleName() + ")" : e.getMessage(), e);
        }
        int status = r.statusCode();
        if (status >= 500) {
            throw new IOException("HTTP " + status + " " + clip(r.body()));
        }
        Matcher code = CODE.matcher(r.body());
        if (status == 200 && (!code.find() || code.group(1).startsWith("200"))) {
            return null;
        }
        return "HTTP " + status + " for service '" + service + "': " + clip(r.body());
    }

    /** The request body of process-check-result. */
    static String body(String service, WatchVerdict v, long timeMillis, String source) {
        StringBuilder b = new StringBuilder(256);
        b.append("{\"type\":\"Service\",\"service\":").append(quote(service));
        b.append(",\"exit_status\":").append(v.state().code);
        b.append(",\"plugin_output\":").append(quote(v.statusLine()));
        // one string, as a plugin prints it: Icinga then splits and normalizes it as for an active check
        b.append(",\"performance_data\":").append(quote(v.perfdataText()));
        String seconds = String.format(java.util.Locale.ROOT, "%.3f", timeMillis / 1000.0);
        b.append(",\"check_source\":").append(quote(source));
        b.append(",\"execution_start\":").append(seconds).append(",\"execution_end\":").append(seconds).append('}');
        return b.toString();
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    private static String clip(String body) {
        String s = body.strip().replaceAll("\\s+", " ");
        return s.length() <= 300 ? s : s.substring(0, 300) + "...";
    }
}
