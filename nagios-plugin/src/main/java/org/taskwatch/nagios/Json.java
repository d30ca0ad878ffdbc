package org.taskwatch.nagios;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON reader (RFC 8259) for the agent's replies, and the one writer the requests
 * need. Objects become {@code Map<String, Object>} (keys in order, a duplicate key is an error),
 * arrays {@code List<Object>}, numbers {@code Long} when integral and within range else
 * {@code Double}, and {@code null} becomes {@link #NULL}. Anything else is rejected with the
 * offset of the offending character: no comments, no trailing commas, no leading zeros, no
 * single quotes, no control characters in strings, no unpaired surrogates, nothing after the value.
 */
final class Json {
    /** JSON {@code null}, distinct from a missing key. */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    private static final int MAX_DEPTH = 64;

    /** Malformed input; the message names the offset and what was expected. */
    static final class SyntaxException extends Exception {
        private static final long serialVersionUID = 1L;

        SyntaxException(String message) {
            super(message);
        }
    }

    private final String s;
    private int i;
    private int depth;

    private Json(String s) {
        this.s = s;
    }

    static Object parse(String text) throws SyntaxException {
        Json p = new Json(text);
        p.skipSpace();
        Object v = p.value();
        p.skipSpace();
        if (p.i != text.length()) {
            throw p.error("unexpected '" + printable(text.charAt(p.i)) + "' after the value");
        }
        return v;
    }

    private Object value() throws SyntaxException {
        if (i >= s.length()) {
            throw error("unexpected end of input, expected a value");
        }
        char c = s.charAt(i);
        switch (c) {
            case '{':
                return object();
            case '[':
                return array();
            case '"':
                return string();
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", NULL);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return number();
                }
                throw error("unexpected '" + printable(c) + "', expected a value");
        }
    }

    private Map<String, Object> object() throws SyntaxException {
        enter();
        i++; // {
        Map<String, Object> m = new LinkedHashMap<>();
        skipSpace();
        if (peek() == '}') {
            i++;
            depth--;
            return m;
        }
        while (true) {
            skipSpace();
            if (peek() != '"') {
                throw error("expected a string key");
            }
            int at = i;
            String key = string();
            skipSpace();
            expect(':');
            skipSpace();
            Object v = value();
            if (m.containsKey(key)) {
                i = at;
                throw error("duplicate key \"" + key + "\"");
            }
            m.put(key, v);
            skipSpace();
            char c = peek();
            if (c == ',') {
                i++;
            } else if (c == '}') {
                i++;
                depth--;
                return m;
            } else {
                throw error("expected ',' or '}'");
            }
        }
    }

    private List<Object> array() throws SyntaxException {
        enter();
        i++; // [
        List<Object> a = new ArrayList<>();
        skipSpace();
        if (peek() == ']') {
            i++;
            depth--;
            return Collections.unmodifiableList(a);
        }
        while (true) {
            skipSpace();
            a.add(value());
            skipSpace();
            char c = peek();
            if (c == ',') {
                i++;
            } else if (c == ']') {
                i++;
                depth--;
                return Collections.unmodifiableList(a);
            } else {
                throw error("expected ',' or ']'");
            }
        }
    }

    private String string() throws SyntaxException {
        i++; // opening quote
        StringBuilder b = new StringBuilder();
        while (true) {
            if (i >= s.length()) {
                throw error("unterminated string");
            }
            char c = s.charAt(i);
            if (c == '"') {
                i++;
                return b.toString();
            }
            if (c < 0x20) {
                throw error("control character U+" + hex4(c) + " in a string (must be escaped)");
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    b.append(c).append(s.charAt(i + 1));
                    i += 2;
                    continue;
                }
                throw error("unpaired surrogate U+" + hex4(c));
            }
            if (c != '\\') {
                b.append(c);
                i++;
                continue;
            }
            i++;
            if (i >= s.length()) {
                throw error("unterminated escape");
            }
            char e = s.charAt(i);
            switch (e) {
                case '"': b.append('"'); break;
                case '\\': b.append('\\'); break;
                case '/': b.append('/'); break;
                case 'b': b.append('\b'); break;
                case 'f': b.append('\f'); break;
                case 'n': b.append('\n'); break;
                case 'r': b.append('\r'); break;
                case 't': b.append('\t'); break;
                case 'u':
                    char u = unicodeEscape();
                    if (Character.isHighSurrogate(u)) {
                        if (i + 2 < s.length() && s.charAt(i + 1) == '\\' && s.charAt(i + 2) == 'u') {
                            i += 2;
                            char low = unicodeEscape();
                            if (!Character.isLowSurrogate(low)) {
                                throw error("\\u" + hex4(u) + " is not followed by a low surrogate");
                            }
                            b.append(u).append(low);
                            break;
                        }
                        throw error("unpaired surrogate \\u" + hex4(u));
                    }
                    if (Character.isLowSurrogate(u)) {
                        throw error("unpaired surrogate \\u" + hex4(u));
                    }
                    b.append(u);
                    break;
                default:
                    throw error("invalid escape '\\" + printable(e) + "'");
            }
            i++;
        }
    }

    /** At the 'u' of an escape; leaves i on its last hex digit. */
    private char unicodeEscape() throws SyntaxException {
        if (i + 4 >= s.length()) {
            throw error("truncated \\u escape");
        }
        int v = 0;
        for (int k = 1; k <= 4; k++) {
            int d = Character.digit(s.charAt(i + k), 16);
            if (d < 0) {
                i += k;
                throw error("invalid hex digit in \\u escape");
            }
            v = v * 16 + d;
        }
        i += 4;
        return (char) v;
    }

    private Object number() throws SyntaxException {
        int start = i;
        if (peek() == '-') {
            i++;
        }
        if (peek() == '0') {
            i++;
            if (isDigit(peek())) {
                throw error("leading zero in a number");
            }
        } else if (isDigit(peek())) {
            while (isDigit(peek())) {
                i++;
            }
        } else {
            throw error("expected a digit");
        }
        boolean integral = true;
        if (peek() == '.') {
            integral = false;
            i++;
            if (!isDigit(peek())) {
                throw error("expected a digit after '.'");
            }
            while (isDigit(peek())) {
                i++;
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            integral = false;
            i++;
            if (peek() == '+' || peek() == '-') {
                i++;
            }
            if (!isDigit(peek())) {
                throw error("expected a digit in the exponent");
            }
            while (isDigit(peek())) {
                i++;
            }
        }
        String text = s.substring(start, i);
        if (integral) {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException tooBig) {
                // beyond a long: fall through to a double
            }
        }
        return Double.parseDouble(text);
    }

    private Object literal(String word, Object v) throws SyntaxException {
        if (!s.startsWith(word, i)) {
            throw error("unexpected '" + printable(s.charAt(i)) + "', expected a value");
        }
        i += word.length();
        return v;
    }

    private void enter() throws SyntaxException {
        if (++depth > MAX_DEPTH) {
            throw error("nested deeper than " + MAX_DEPTH);
        }
    }

    private void expect(char c) throws SyntaxException {
        if (peek() != c) {
            throw error("expected '" + c + "'");
        }
        i++;
    }

    private char peek() {
        return i < s.length() ? s.charAt(i) : '\0';
    }

    private void skipSpace() {
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            i++;
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private SyntaxException error(String what) {
        return new SyntaxException(what + " at offset " + i);
    }

    private static String printable(char c) {
        return c < 0x20 || c == 0x7f ? "U+" + hex4(c) : String.valueOf(c);
    }

    private static String hex4(char c) {
        String h = Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT);
        return "0000".substring(h.length()) + h;
    }

    /** A JSON string literal for {@code v}: quotes, backslashes and control characters escaped. */
    static String quote(String v) {
        StringBuilder b = new StringBuilder(v.length() + 2).append('"');
        for (int k = 0; k < v.length(); k++) {
            char c = v.charAt(k);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        b.append("\\u").append(hex4(c));
                    } else {
                        b.append(c);
                    }
            }
        }
        return b.append('"').toString();
    }
}
