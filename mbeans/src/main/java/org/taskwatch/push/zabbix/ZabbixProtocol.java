package org.taskwatch.push.zabbix;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Zabbix's sender protocol, the framing and the two JSON documents, as zabbix_sender speaks it to
 * a server's or proxy's trapper (Zabbix 4.0 and later): a header {@code "ZBXD"}, a flags byte
 * (0x01 protocol, 0x02 zlib-compressed, 0x04 large packet), the data length and a reserved word
 * (4 bytes each, little-endian; 8 each for a large packet; for a compressed packet the reserved
 * word is the length before compression), then the JSON. The request:
 * <pre>{"request":"sender data","data":[{"host":"H","key":"K","value":"V","clock":S,"ns":N}],"clock":S,"ns":N}</pre>
 * and the answer: <pre>{"response":"success","info":"processed: 1; failed: 0; total: 1; seconds spent: 0.000055"}</pre>
 * Hand-written: the JDK has no JSON, and the two documents are fixed and small.
 *
 * <p>Stateless; thread-safe.
 */
final class ZabbixProtocol {
    /** Largest answer read: a trapper's answer is a line; anything this big is not one. */
    static final int MAX_ANSWER_BYTES = 1 << 20;
    private static final byte[] MAGIC = {'Z', 'B', 'X', 'D'};
    private static final Pattern FIELD = Pattern.compile("\"(response|info)\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern COUNTS = Pattern.compile("processed:? *(\\d+);? *failed:? *(\\d+)");

    /** One value for an item of a host, at a time (wall clock, ms). */
    record Value(String host, String key, String value, long clockMillis) {}

    /** What the server said: whether it took the request, how many values it processed and refused, its text. */
    record Answer(boolean success, int processed, int failed, String info) {}

    private ZabbixProtocol() {}

    /** The request for {@code values}, framed. */
    static byte[] request(List<Value> values, long nowMillis) {
        StringBuilder j = new StringBuilder(64 + values.size() * 96);
        j.append("{\"request\":\"sender data\",\"data\":[");
        for (int i = 0; i < values.size(); i++) {
            Value v = values.get(i);
            j.append(i == 0 ? "{" : ",{");
            j.append("\"host\":");
            string(j, v.host());
            j.append(",\"key\":");
            string(j, v.key());
            j.append(",\"value\":");
            string(j, v.value());
            j.append(",\"clock\":").append(Math.floorDiv(v.clockMillis(), 1000L))
                    .append(",\"ns\":").append(Math.floorMod(v.clockMillis(), 1000L) * 1_000_000L).append('}');
        }
        j.append("],\"clock\":").append(Math.floorDiv(nowMillis, 1000L))
                .append(",\"ns\":").append(Math.floorMod(nowMillis, 1000L) * 1_000_000L).append('}');
        return frame(j.toString().getBytes(StandardCharsets.UTF_8));
    }

    static byte[] frame(byte[] json) {
        ByteBuffer b = ByteBuffer.allocate(13 + json.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) 0x01).putInt(json.length).putInt(0).put(json);
        return b.array();
    }

    /** A JSON string literal. */
    static void string(StringBuilder j, String s) {
        j.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> j.append("\\\"");
                case '\\' -> j.append("\\\\");
                case '\n' -> j.append("\\n");
                case '\r' -> j.append("\\r");
                case '\t' -> j.append("\\t");
                default -> {
                    if (c < 0x20) {
                        j.append(String.format("\\u%04x", (int) c));
                    } else {
                        j.append(c);
                    }
                }
            }
        }
        j.append('"');
    }

    /**
     * Reads one framed packet's JSON.
     *
     * @throws java.io.EOFException when the connection ends before a whole packet (the server went away)
     * @throws ProtocolException when what came is not a Zabbix packet, saying what came
     */
    static String readPacket(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        byte[] head = new byte[5];
        d.readFully(head);
        if (head[0] != 'Z' || head[1] != 'B' || head[2] != 'X' || head[3] != 'D') {
            byte[] more = in.readNBytes(200);
            throw new ProtocolException("not a Zabbix answer (no ZBXD header): '"
                    + printable(new String(head, StandardCharsets.ISO_8859_1) + new String(more, StandardCharsets.ISO_8859_1)) + "'");
        }
        int flags = head[4] & 0xff;
        if ((flags & 0x01) == 0) {
            throw new ProtocolException("not a Zabbix answer: flags 0x" + Integer.toHexString(flags));
        }
        boolean large = (flags & 0x04) != 0;
        byte[] lengths = new byte[large ? 16 : 8];
        d.readFully(lengths);
        ByteBuffer l = ByteBuffer.wrap(lengths).order(ByteOrder.LITTLE_ENDIAN);
        long length = large ? l.getLong() : l.getInt() & 0xffffffffL;
        long reserved = large ? l.getLong() : l.getInt() & 0xffffffffL;
        if (length > MAX_ANSWER_BYTES || ((flags & 0x02) != 0 && reserved > MAX_ANSWER_BYTES)) {
            throw new ProtocolException("Zabbix answer of " + Math.max(length, reserved) + " bytes, more than "
                    + MAX_ANSWER_BYTES + " allowed");
        }
        byte[] data = new byte[(int) length];
        d.readFully(data);
        if ((flags & 0x02) != 0) {
            data = inflate(data, (int) reserved);
        }
        return new String(data, StandardCharsets.UTF_8);
    }

    private static byte[] inflate(byte[] data, int size) throws ProtocolException {
        Inflater inf = new Inflater();
        try {
            inf.setInput(data);
            ByteArrayOutputStream out = new ByteArrayOutputStream(size);
            byte[] buf = new byte[8192];
            while (!inf.finished()) {
                int n = inf.inflate(buf);
                if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    throw new ProtocolException("Zabbix answer: truncated compressed data");
                }
                out.write(buf, 0, n);
                if (out.size() > MAX_ANSWER_BYTES) {
                    throw new ProtocolException("Zabbix answer larger than " + MAX_ANSWER_BYTES + " bytes uncompressed");
                }
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new ProtocolException("Zabbix answer: bad compressed data: " + e.getMessage());
        } finally {
            inf.end();
        }
    }

    /**
     * The answer in {@code json}.
     *
     * @throws ProtocolException when it has no "response"
     */
    static Answer answer(String json) throws ProtocolException {
        String response = null;
        String info = "";
        Matcher m = FIELD.matcher(json);
        while (m.find()) {
            String v = unescape(m.group(2));
            if (m.group(1).equals("response")) {
                response = v;
            } else {
                info = v;
            }
        }
        if (response == null) {
            throw new ProtocolException("Zabbix answer without \"response\": '" + printable(json) + "'");
        }
        Matcher c = COUNTS.matcher(info);
        if (response.equals("success") && c.find()) {
            return new Answer(true, Integer.parseInt(c.group(1)), Integer.parseInt(c.group(2)), info);
        }
        return new Answer(response.equals("success"), 0, 0, response + (info.isEmpty() ? "" : ": " + info));
    }

    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 == s.length()) {
                b.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case 'r' -> b.append('\r');
                case 'u' -> {
                    if (i + 4 < s.length()) {
                        b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                        i += 4;
                    }
                }
                default -> b.append(e);
            }
        }
        return b.toString();
    }

    private static String printable(String s) {
        String t = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        return t.replaceAll("[^\\x20-\\x7e]", "?");
    }

    /** What came back is not Zabbix's sender protocol: a wrong port or service, not worth retrying. */
    static final class ProtocolException extends IOException {
        private static final long serialVersionUID = 1L;

        ProtocolException(String message) {
            super(message);
        }
    }
}
