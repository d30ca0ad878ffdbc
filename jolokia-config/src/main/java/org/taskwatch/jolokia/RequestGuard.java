package org.taskwatch.jolokia;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.jolokia.json.JSONArray;
import org.jolokia.json.JSONObject;
import org.jolokia.json.parser.JSONParser;
import org.jolokia.json.parser.ParseException;
import org.jolokia.jvmagent.ParsedUri;
import org.jolokia.server.core.config.ConfigKey;
import org.jolokia.server.core.request.BadRequestException;
import org.jolokia.server.core.request.JolokiaExecRequest;
import org.jolokia.server.core.request.JolokiaRequest;
import org.jolokia.server.core.request.JolokiaRequestFactory;
import org.jolokia.server.core.request.ProcessingParameters;
import org.jolokia.server.core.util.RequestType;

/**
 * Stands in front of Jolokia on every path it serves (its {@code /jolokia/config} too, which
 * Jolokia leaves without authentication although it runs any request POSTed to it). In order:
 * <ol>
 * <li>authentication (HTTP basic) against {@link Users}, when configured;
 * <li>limits: the URL's length, the body's size (refused from its Content-Length, or after at
 *     most the limit plus one byte of a chunked body: never read to the end), the JSON's nesting
 *     depth (counted before parsing, {@link JsonDepth}) and the number of requests in a bulk;
 * <li>the request's shape: the JSON a request must be, read by Jolokia's own parser and request
 *     factory, so that what is checked here is what Jolokia will run;
 * <li>what the user may do ({@link Users.Access}) and, for exec, the operation's arguments
 *     ({@link OperationCheck}).
 * </ol>
 * A refusal is a Jolokia-style JSON error ({@code status}, {@code error}) with that HTTP
 * status, saying what was wrong in the caller's terms. What passes goes to Jolokia with the body
 * already read (at most the limit), as the same bytes.
 *
 * <p>Threads: called on the HTTP server's pool threads at once; holds no state between requests.
 */
final class RequestGuard extends Filter {
    /** Jolokia's own way of finding a POST body's charset (JolokiaHttpHandler), so both read the same text. */
    private static final Pattern CHARSET = Pattern.compile(".*;\\s*charset=([^;,]+)\\s*.*");
    private static final Pattern PATH_PREFIX = Pattern.compile("^/?[^/]+/");
    private static final Set<String> STRING_FIELDS = Set.of("type", "mbean", "operation", "path", "command",
            "client", "mode");

    private final Users users; // null: no authentication
    private final JolokiaSettings limits;
    private final MBeanServer mbs;
    private final String context;

    RequestGuard(Users users, JolokiaSettings limits, MBeanServer mbs, String context) {
        this.users = users;
        this.limits = limits;
        this.mbs = mbs;
        this.context = context;
    }

    @Override
    public String description() {
        return "taskwatch: authentication, limits and checks before Jolokia";
    }

    @Override
    public void doFilter(HttpExchange ex, Chain chain) throws IOException {
        try {
            String method = ex.getRequestMethod();
            if ("OPTIONS".equalsIgnoreCase(method)) {
                chain.doFilter(ex); // a CORS preflight: Jolokia answers with headers only, runs nothing
                return;
            }
            Users.Access access = authenticate(ex);
            String rawUri = ex.getRequestURI().getRawPath()
                    + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery());
            if (rawUri.length() > limits.maxUrlLength()) {
                throw new Refusal(414, "the URL is " + rawUri.length() + " characters long, more than jolokia.maxUrlLength ("
                        + limits.maxUrlLength() + "): POST the request as JSON instead");
            }
            ParsedUri uri = new ParsedUri(ex.getRequestURI(), context);
            List<JolokiaRequest> requests;
            if ("POST".equalsIgnoreCase(method)) {
                requests = post(ex, uri);
            } else if ("GET".equalsIgnoreCase(method)) {
                requests = List.of(get(ex, uri));
            } else {
                throw new Refusal(405, "HTTP method " + method + " is not served: use GET or POST");
            }
            for (JolokiaRequest r : requests) {
                allow(r, access);
            }
        } catch (Refusal r) {
            refuse(ex, r);
            return;
        }
        chain.doFilter(ex);
    }

    /** The caller's access, or a 401 refusal; everyone is READ_WRITE when there are no users. */
    private Users.Access authenticate(HttpExchange ex) throws Refusal {
        if (users == null) {
            return Users.Access.READ_WRITE;
        }
        String header = ex.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            throw new Refusal(401, "authentication required: HTTP basic, with a user of the agent");
        }
        String pair;
        try {
            pair = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new Refusal(401, "the Authorization header is not Base64 of user:password");
        }
        int colon = pair.indexOf(':');
        String user = colon < 0 ? pair : pair.substring(0, colon);
        String password = colon < 0 ? "" : pair.substring(colon + 1);
        Users.Access a = users.login(user, password, "Jolokia", ex.getRemoteAddress().getAddress().getHostAddress());
        if (a == null) {
            throw new Refusal(401, "wrong user or password");
        }
        return a;
    }

    private List<JolokiaRequest> post(HttpExchange ex, ParsedUri uri) throws Refusal, IOException {
        Charset charset = charset(ex.getRequestHeaders().getFirst("Content-Type"));
        byte[] body = body(ex);
        String text = new String(body, charset);
        if (JsonDepth.of(text, limits.maxJsonDepth()) > limits.maxJsonDepth()) {
            throw new Refusal(400, "the JSON nests deeper than jolokia.maxJsonDepth (" + limits.maxJsonDepth() + ")");
        }
        Object json;
        try {
            json = new JSONParser().parse(text);
        } catch (ParseException | IOException | RuntimeException e) {
            throw new Refusal(400, "the body is not valid JSON" + where(e) + ": send a request object, or an array of them");
        }
        List<JSONObject> objects = new ArrayList<>();
        if (json instanceof JSONObject o) {
            objects.add(o);
        } else if (json instanceof JSONArray a) {
            if (a.size() > limits.maxBulkRequests()) {
                throw new Refusal(413, "the bulk request holds " + a.size() + " requests, more than jolokia.maxBulkRequests ("
                        + limits.maxBulkRequests() + ")");
            }
            for (int i = 0; i < a.size(); i++) {
                if (!(a.get(i) instanceof JSONObject o)) {
                    throw new Refusal(400, "request " + (i + 1) + " of the bulk request is " + kind(a.get(i))
                            + ", not a JSON object");
                }
                objects.add(o);
            }
        } else {
            throw new Refusal(400, "the body is " + kind(json) + ": a request is a JSON object, or an array of them (bulk)");
        }
        ProcessingParameters params = params(uri);
        List<JolokiaRequest> requests = new ArrayList<>();
        for (int i = 0; i < objects.size(); i++) {
            String which = objects.size() == 1 && json instanceof JSONObject ? "" : "request " + (i + 1) + ": ";
            requests.add(create(objects.get(i), params, which));
        }
        ex.setStreams(new ByteArrayInputStream(body), null);
        return requests;
    }

    /** The body, read up to the limit: refused from its declared length, or once one byte more arrives. */
    private byte[] body(HttpExchange ex) throws Refusal, IOException {
        int max = limits.maxRequestBytes();
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            long n;
            try {
                n = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                throw new Refusal(400, "Content-Length is not a number");
            }
            if (n > max) {
                throw tooLarge(n + " bytes, more than");
            }
        }
        InputStream in = ex.getRequestBody();
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(max, 8192));
        byte[] buf = new byte[8192];
        int total = 0;
        int n;
        while ((n = in.read(buf, 0, Math.min(buf.length, max + 1 - total))) > 0) {
            out.write(buf, 0, n);
            total += n;
            if (total > max) {
                throw tooLarge("longer than");
            }
        }
        return out.toByteArray();
    }

    private Refusal tooLarge(String size) { // "N bytes, more than" or "longer than"
        return new Refusal(413, "the request body is " + size + " jolokia.maxRequestBytes ("
                + limits.maxRequestBytes() + ")");
    }

    private JolokiaRequest get(HttpExchange ex, ParsedUri uri) throws Refusal {
        String decoded = URLDecoder.decode(ex.getRequestURI().getRawPath()
                + (ex.getRequestURI().getRawQuery() == null ? "" : ex.getRequestURI().getRawQuery()), StandardCharsets.UTF_8);
        if (JsonDepth.of(decoded, limits.maxJsonDepth()) > limits.maxJsonDepth()) {
            throw new Refusal(400, "the URL nests brackets deeper than jolokia.maxJsonDepth (" + limits.maxJsonDepth() + ")");
        }
        ProcessingParameters params = params(uri);
        try {
            return JolokiaRequestFactory.createGetRequest(pathInfo(uri), params);
        } catch (BadRequestException | RuntimeException e) {
            throw new Refusal(400, "cannot read the request from the URL: " + words(e, "a malformed path"));
        }
    }

    /** As Jolokia's HttpRequestHandler takes the path: with its special case for escaped trailing slashes. */
    private static String pathInfo(ParsedUri uri) {
        String pathInfo = uri.getPathInfo();
        String full = uri.getUri().toString();
        if (full.contains("!//")) {
            Matcher m = PATH_PREFIX.matcher(pathInfo);
            if (m.find()) {
                String prefix = m.group();
                return URLDecoder.decode(full.replaceFirst("^.*?" + Pattern.quote(prefix), prefix), StandardCharsets.UTF_8);
            }
        }
        return pathInfo;
    }

    private static ProcessingParameters params(ParsedUri uri) {
        String p = uri.getParameter(ConfigKey.PATH_QUERY_PARAM.getKeyValue());
        return new ProcessingParameters(p == null ? Map.of() : Map.of(ConfigKey.PATH_QUERY_PARAM, p));
    }

    /** One request object as Jolokia will read it, its fields' JSON types checked first. */
    private static JolokiaRequest create(JSONObject o, ProcessingParameters params, String which) throws Refusal {
        Object type = o.get("type");
        if (!(type instanceof String)) {
            throw new Refusal(400, which + "\"type\" must be one of " + types() + (type == null ? ", and is missing" : ""));
        }
        for (String f : STRING_FIELDS) {
            if (o.containsKey(f) && !(o.get(f) instanceof String)) {
                throw new Refusal(400, which + "\"" + f + "\" must be a string, not " + kind(o.get(f)));
            }
        }
        if (o.containsKey("arguments") && !(o.get("arguments") instanceof JSONArray)) {
            throw new Refusal(400, which + "\"arguments\" must be an array, not " + kind(o.get("arguments")));
        }
        if (o.containsKey("config") && !(o.get("config") instanceof JSONObject)) {
            throw new Refusal(400, which + "\"config\" must be an object, not " + kind(o.get("config")));
        }
        Object attribute = o.get("attribute");
        if (attribute != null && !(attribute instanceof String) && !(attribute instanceof JSONArray)) {
            throw new Refusal(400, which + "\"attribute\" must be a string or an array of them, not " + kind(attribute));
        }
        if (o.get("mbean") instanceof String name) {
            try {
                new ObjectName(name);
            } catch (MalformedObjectNameException e) {
                throw new Refusal(400, which + "\"mbean\" is not an MBean name (" + e.getMessage() + "): " + name);
            }
        }
        try {
            return JolokiaRequestFactory.createPostRequest(o, params);
        } catch (BadRequestException | RuntimeException e) {
            throw new Refusal(400, which + words(e, "its fields do not fit the type '" + type + "'"));
        }
    }

    /** Refuses what {@code access} may not do, and exec requests that cannot fit their operation. */
    private void allow(JolokiaRequest r, Users.Access access) throws Refusal {
        boolean readOnly = access == Users.Access.READ_ONLY;
        if (readOnly && r.getType() == RequestType.WRITE) {
            throw new Refusal(403, "read-only users may not write attributes");
        }
        if (r instanceof JolokiaExecRequest exec) {
            OperationCheck.check(mbs, exec.getObjectName(), exec.getOperation(), exec.getArguments(), readOnly);
        }
    }

    private static Charset charset(String contentType) throws Refusal {
        if (contentType != null) {
            Matcher m = CHARSET.matcher(contentType);
            if (m.matches()) {
                try {
                    return Charset.forName(m.group(1));
                } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
                    throw new Refusal(400, "unknown charset '" + m.group(1) + "' in Content-Type: use UTF-8");
                }
            }
        }
        return Charset.defaultCharset(); // what Jolokia's InputStreamReader uses
    }

    private static String types() {
        List<String> names = new ArrayList<>();
        for (RequestType t : RequestType.values()) {
            names.add(t.getName());
        }
        return String.join(", ", names);
    }

    private static String kind(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof JSONObject) {
            return "an object";
        }
        if (v instanceof JSONArray) {
            return "an array";
        }
        if (v instanceof String) {
            return "a string";
        }
        if (v instanceof Boolean) {
            return v.toString();
        }
        return v instanceof Number ? "a number (" + v + ")" : "a value";
    }

    private static String where(Exception e) {
        String m = e.getMessage();
        return m == null || looksLikeJava(m) ? "" : " (" + m + ")";
    }

    /** The exception's message when it speaks of the request, else {@code otherwise}: never a Java class name. */
    static String words(Exception e, String otherwise) {
        String m = e.getMessage();
        return m == null || m.isBlank() || looksLikeJava(m) ? otherwise : m;
    }

    private static boolean looksLikeJava(String m) {
        return m.contains("java.") || m.contains("javax.") || m.contains("org.jolokia") || m.contains("Exception")
                || m.contains(" class ");
    }

    static void refuse(HttpExchange ex, Refusal r) throws IOException {
        JSONObject reply = new JSONObject();
        reply.put("status", r.status);
        reply.put("error", r.getMessage());
        byte[] bytes = reply.toJSONString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        if (r.status == 401) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"taskwatch\", charset=\"UTF-8\"");
        }
        if (r.status == 413 || r.status == 414) {
            ex.getResponseHeaders().set("Connection", "close"); // the rest of the body is not read
        }
        ex.sendResponseHeaders(r.status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
