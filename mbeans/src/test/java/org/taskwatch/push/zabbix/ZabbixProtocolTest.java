package org.taskwatch.push.zabbix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

/** The sender protocol's bytes, against packets written out by hand from Zabbix's protocol documentation. */
class ZabbixProtocolTest {
    @Test
    void requestIsFramedAsZabbixSenderFramesIt() {
        byte[] r = ZabbixProtocol.request(List.of(new ZabbixProtocol.Value("web-1", "taskwatch.watch.exit[nginx]", "3",
                1_700_000_000_123L)), 1_700_000_001_000L);
        ByteBuffer b = ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals("ZBXD", new String(r, 0, 4, StandardCharsets.US_ASCII));
        assertEquals(1, r[4]);
        b.position(5);
        int len = b.getInt();
        assertEquals(0, b.getInt(), "reserved");
        assertEquals(r.length - 13, len);
        String json = new String(r, 13, len, StandardCharsets.UTF_8);
        assertEquals("{\"request\":\"sender data\",\"data\":[{\"host\":\"web-1\",\"key\":\"taskwatch.watch.exit[nginx]\","
                + "\"value\":\"3\",\"clock\":1700000000,\"ns\":123000000}],\"clock\":1700000001,\"ns\":0}", json);
    }

    @Test
    void stringsAreEscaped() {
        StringBuilder j = new StringBuilder();
        ZabbixProtocol.string(j, "a\"b\\c\nd\u0001é");
        assertEquals("\"a\\\"b\\\\c\\nd\\u0001é\"", j.toString());
        assertEquals("[{\"{#WATCH}\":\"nginx\"},{\"{#WATCH}\":\"db-1\"}]", ZabbixTarget.discovery(List.of("nginx", "db-1")));
    }

    private static byte[] packet(int flags, byte[] data, int reserved) {
        ByteBuffer b = ByteBuffer.allocate(13 + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put("ZBXD".getBytes(StandardCharsets.US_ASCII)).put((byte) flags).putInt(data.length).putInt(reserved).put(data);
        return b.array();
    }

    @Test
    void readsAnswersPlainAndCompressed() throws Exception {
        String ok = "{\"response\":\"success\",\"info\":\"processed: 3; failed: 2; total: 5; seconds spent: 0.000055\"}";
        String got = ZabbixProtocol.readPacket(new ByteArrayInputStream(packet(1, ok.getBytes(StandardCharsets.UTF_8), 0)));
        ZabbixProtocol.Answer a = ZabbixProtocol.answer(got);
        assertTrue(a.success());
        assertEquals(3, a.processed());
        assertEquals(2, a.failed());

        byte[] raw = ok.getBytes(StandardCharsets.UTF_8);
        Deflater d = new Deflater();
        d.setInput(raw);
        d.finish();
        byte[] buf = new byte[1024];
        int n = d.deflate(buf);
        d.end();
        byte[] z = java.util.Arrays.copyOf(buf, n);
        assertEquals(ok, ZabbixProtocol.readPacket(new ByteArrayInputStream(packet(3, z, raw.length))));

        ZabbixProtocol.Answer failed = ZabbixProtocol.answer("{\"response\":\"failed\",\"info\":\"cannot parse \\\"data\\\"\"}");
        assertFalse(failed.success());
        assertEquals("failed: cannot parse \"data\"", failed.info());
    }

    @Test
    void somethingElseIsAProtocolErrorAndATruncatedPacketAnEof() {
        ZabbixProtocol.ProtocolException e = assertThrows(ZabbixProtocol.ProtocolException.class, () -> ZabbixProtocol.readPacket(
                new ByteArrayInputStream("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII))));
        assertTrue(e.getMessage().contains("HTTP/1.1 400"), e.getMessage());
        byte[] p = packet(1, "{\"response\":\"success\"}".getBytes(StandardCharsets.UTF_8), 0);
        assertThrows(EOFException.class, () -> ZabbixProtocol.readPacket(new ByteArrayInputStream(java.util.Arrays.copyOf(p, 20))));
        byte[] huge = packet(1, new byte[0], 0);
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putInt(5, ZabbixProtocol.MAX_ANSWER_BYTES + 1);
        assertThrows(ZabbixProtocol.ProtocolException.class, () -> ZabbixProtocol.readPacket(new ByteArrayInputStream(huge)));
        assertThrows(ZabbixProtocol.ProtocolException.class, () -> ZabbixProtocol.answer("{\"info\":\"x\"}"));
    }

    @Test
    void serverListsAndTlsModes() {
        assertEquals(List.of(new ZabbixSettings.Server("zbx", 10051), new ZabbixSettings.Server("10.0.0.2", 10052),
                new ZabbixSettings.Server("::1", 10053)), ZabbixSettings.parseServers("zbx, 10.0.0.2:10052,[::1]:10053"));
        assertTrue(ZabbixSettings.parseServers("").isEmpty());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ZabbixSettings.parseServers("zbx:0"));
        assertTrue(e.getMessage().contains("'zbx:0'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ZabbixSettings.parseServers("a,,b"));
        assertThrows(IllegalArgumentException.class, () -> ZabbixSettings.parseServers("::1"));
        assertTrue(ZabbixSettings.tlsModeProblem("psk").contains("not supported"));
        assertEquals(null, ZabbixSettings.tlsModeProblem("cert"));
    }

    @Test
    void aRefusalNamesWhatCanBeWrongWithWhatTheServerTookIntoAccount() throws Exception {
        ZabbixProtocol.Answer none = ZabbixProtocol.answer(
                "{\"response\":\"success\",\"info\":\"processed: 0; failed: 2; total: 2; seconds spent: 0.000061\"}");
        ZabbixProtocol.Answer some = ZabbixProtocol.answer(
                "{\"response\":\"success\",\"info\":\"processed: 2; failed: 2; total: 4; seconds spent: 0.000537\"}");
        assertTrue(ZabbixTarget.refusalCauses(none, false).startsWith("the server does not know the host"));
        assertTrue(ZabbixTarget.refusalCauses(none, false).endsWith("accepts only encrypted connections (its Connections"
                + " from host) and zabbix.tls.connect is unencrypted"));
        assertTrue(ZabbixTarget.refusalCauses(none, true).endsWith("issuer or subject is not this agent's certificate's"));
        // the host took some values: it is known and the connection is of a kind it accepts
        String items = ZabbixTarget.refusalCauses(some, true);
        assertTrue(items.startsWith("these items are not trapper items of the host"), items);
        assertFalse(items.contains("does not know") || items.contains("certificate") || items.contains("encrypted"), items);
    }

}
