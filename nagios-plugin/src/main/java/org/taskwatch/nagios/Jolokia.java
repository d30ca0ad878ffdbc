package org.taskwatch.nagios;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The agent's Jolokia endpoint, one {@code exec} POST per check, on
 * {@code org.taskwatch:type=Monitor}. Every way it can fail becomes a {@link CheckException} whose
 * message tells the operator what happened and where: unreachable, HTTP error, Jolokia error
 * (the agent's own message), a reply that is not JSON, or one without the expected fields.
 */
final class Jolokia {
    static final String MBEAN = "org.taskwatch:type=Monitor";

    private final URI url;
    private final String authorization;
    private final long deadlineNanos;
    private final Trace trace;

    Jolokia(URI url, String user, String password, long deadlineNanos, Trace trace) {
        this.url = url;
        this.authorization = user == null ? null
                : "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        this.deadlineNanos = deadlineNanos;
        this.trace = trace;
    }

    URI url() {
        return url;
    }

    /** Reads the Monitor's {@code attribute} and returns its value as Jolokia sends it (a list for an array). */
    Object read(String attribute) throws CheckException {
        String request = "{\"type\":\"read\",\"mbean\":" + Json.quote(MBEAN) + ",\"attribute\":" + Json.quote(attribute) + "}";
        return ask(attribute, request).get("value");
    }

    /** Reads several of the Monitor's attributes in one request: their values by name. */
    Map<?, ?> readAll(List<String> attributes) throws CheckException {
        StringBuilder names = new StringBuilder();
        for (String a : attributes) {
            names.append(names.length() == 0 ? "" : ",").append(Json.quote(a));
        }
        String request = "{\"type\":\"read\",\"mbean\":" + Json.quote(MBEAN) + ",\"attribute\":[" + names + "]}";
        Object value = ask(String.join(", ", attributes), request).get("value");
        if (!(value instanceof Map<?, ?> m)) {
            throw new CheckException("the agent's reply to a read of " + String.join(", ", attributes)
                    + " has no value object (an older agent?)");
        }
        return m;
    }

    /** Calls {@code operation(arguments)} and returns its value, a JSON object. */
    Reply exec(String operation, Object... arguments) throws CheckException {
        StringBuilder b = new StringBuilder(160);
        b.append("{\"type\":\"exec\",\"mbean\":").append(Json.quote(MBEAN)).append(",\"operation\":")
                .append(Json.quote(operation)).append(",\"arguments\":[");
        for (int k = 0; k < arguments.length; k++) {
            if (k > 0) {
                b.append(',');
            }
            Object a = arguments[k];
            b.append(a instanceof String ? Json.quote((String) a) : String.valueOf(a));
        }
        b.append("]}");
        Object value = ask(operation, b.toString()).get("value");
        if (!(value instanceof Map)) {
            throw new CheckException("the agent's reply to " + operation + " has no value object (an older agent?)");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> v = (Map<String, Object>) value;
        return new Reply(operation, v);
    }

    /** POSTs one request about {@code what} (an operation or attribute) and returns the successful Jolokia reply. */
    private Map<?, ?> ask(String operation, String request) throws CheckException {
        trace.add(2, "POST " + url + " " + request);

        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("User-Agent", "check_taskwatch/" + CheckTaskwatch.version());
        headers.put("Accept", "application/json");
        headers.put("Content-Type", "application/json");
        if (authorization != null) {
            headers.put("Authorization", authorization);
        }
        long started = System.nanoTime();
        HttpPost.Response response;
        try {
            int remaining = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - started));
            response = HttpPost.post(url, request.getBytes(StandardCharsets.UTF_8), headers, remaining);
        } catch (ConnectException | SocketTimeoutException | NoRouteToHostException e) {
            throw CheckException.unreachable(unreachable(e)); // no agent answered: --health --raw says failed
        } catch (IOException e) {
            throw new CheckException(unreachable(e));
        }
        String body = utf8(response.body());
        trace.add(3, "HTTP " + response.status() + " " + response.reason() + " in "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms: " + Output.clip(body, 2000));
        Object parsed = null;
        String syntax = null;
        try {
            parsed = Json.parse(body);
        } catch (Json.SyntaxException e) {
            syntax = e.getMessage();
        }
        if (response.status() != 200) {
            String why = parsed instanceof Map ? jolokiaError((Map<?, ?>) parsed) : null;
            throw new CheckException("HTTP " + response.status() + (response.reason().isEmpty() ? "" : " " + response.reason())
                    + " from " + url + (why != null ? ": " + why : hint(response.status())));
        }
        if (syntax != null) {
            throw new CheckException("the reply from " + url + " is not JSON (" + syntax + "): is this the Jolokia URL?");
        }
        if (!(parsed instanceof Map)) {
            throw new CheckException("the reply from " + url + " is not a Jolokia response (no JSON object)");
        }
        Map<?, ?> reply = (Map<?, ?>) parsed;
        Object status = reply.get("status");
        if (!(status instanceof Long)) {
            throw new CheckException("the reply from " + url + " is not a Jolokia response (no \"status\")");
        }
        if ((Long) status != 200) {
            if ("java.lang.NoSuchMethodException".equals(reply.get("error_type"))) {
                throw new CheckException("the agent at " + url + " has no operation " + operation
                        + ": it is older than this check_taskwatch (" + CheckTaskwatch.version() + ")");
            }
            throw new CheckException("the agent could not run " + operation + ": " + jolokiaError(reply)
                    + " (Jolokia status " + status + ")");
        }
        return reply;
    }

    private String unreachable(IOException e) {
        String where = "the taskwatch agent at " + url;
        if (e instanceof ConnectException) {
            return "cannot connect to " + where + ": " + lower(e.getMessage(), "connection refused")
                    + " (is the agent running with Jolokia on this port?)";
        }
        if (e instanceof SocketTimeoutException) {
            return "no answer from " + where + " in time: " + lower(e.getMessage(), "timed out");
        }
        if (e instanceof UnknownHostException) {
            return "cannot connect to " + where + ": unknown host " + url.getHost();
        }
        if (e instanceof NoRouteToHostException) {
            return "cannot connect to " + where + ": no route to host";
        }
        if (e instanceof SSLException) {
            return "TLS with " + where + " failed: " + e.getMessage();
        }
        if (e instanceof HttpPost.ProtocolException || e instanceof EOFException) {
            return "bad reply from " + where + ": " + e.getMessage();
        }
        return "cannot talk to " + where + ": " + e.getMessage();
    }

    private static String lower(String message, String otherwise) {
        if (message == null || message.isEmpty()) {
            return otherwise;
        }
        String m = message.replace(" (Connection refused)", "");
        return Character.toLowerCase(m.charAt(0)) + m.substring(1);
    }

    private static String hint(int status) {
        switch (status) {
            case 401: return ": the agent wants a user and password (--user, --password), or they are wrong";
            case 403: return ": the agent's access policy forbids this request";
            case 404: return ": no Jolokia there (the default is " + Options.DEFAULT_URL + ")";
            default: return "";
        }
    }

    /** Jolokia's own words: "error" without the exception class it often starts with, and the class. */
    private static String jolokiaError(Map<?, ?> reply) {
        Object error = reply.get("error");
        Object type = reply.get("error_type");
        String text = error instanceof String ? ((String) error).trim() : "no error text";
        if (type instanceof String && text.startsWith((String) type)) {
            int k = ((String) type).length();
            while (k < text.length() && (text.charAt(k) == ' ' || text.charAt(k) == ':')) {
                k++;
            }
            text = text.substring(k);
        }
        text = Output.clip(text.replace('\n', ' ').replace('\r', ' '), 400);
        return type instanceof String ? text + " [" + type + "]" : text;
    }

    private String utf8(byte[] body) throws CheckException {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw new CheckException("the reply from " + url + " is not UTF-8 text: is this the Jolokia URL?");
        }
    }

    /** An operation's value: typed access, and a clear message when a field is missing or of the wrong type. */
    static final class Reply {
        private final String operation;
        private final Map<String, Object> value;

        Reply(String operation, Map<String, Object> value) {
            this.operation = operation;
            this.value = value;
        }

        long number(String key) throws CheckException {
            Object v = value.get(key);
            if (v instanceof Long) {
                return (Long) v;
            }
            if (v instanceof String) { // Jolokia's serializeLong=string sends longs as strings
                try {
                    return Long.parseLong((String) v);
                } catch (NumberFormatException e) {
                    // reported below
                }
            }
            throw missing(key, "a whole number", v);
        }

        boolean bool(String key) throws CheckException {
            Object v = value.get(key);
            if (v instanceof Boolean) {
                return (Boolean) v;
            }
            throw missing(key, "true or false", v);
        }

        String string(String key) throws CheckException {
            Object v = value.get(key);
            if (v instanceof String) {
                return (String) v;
            }
            throw missing(key, "a string", v);
        }

        private CheckException missing(String key, String what, Object v) {
            return new CheckException("the agent's reply to " + operation + " has "
                    + (v == null ? "no \"" + key + "\"" : "\"" + key + "\" = " + v + ", not " + what)
                    + " (an older agent?)");
        }

        /** "key=value, ..." for -vv. */
        String describe() {
            StringBuilder b = new StringBuilder(operation).append(':');
            for (Map.Entry<String, Object> e : value.entrySet()) {
                b.append(' ').append(e.getKey()).append('=').append(e.getValue() instanceof List ? "[...]" : e.getValue());
            }
            return b.toString();
        }
    }
}
