package org.taskwatch.nagios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void aJolokiaReply() throws Exception {
        Object v = Json.parse("{\"request\":{\"mbean\":\"org.taskwatch:type=Monitor\",\"arguments\":[\"nginx\",300],"
                + "\"type\":\"exec\",\"operation\":\"summary\"},\"value\":{\"forks\":6,\"running\":1,\"exits\":3,"
                + "\"lastExitCode\":-1,\"coveredSeconds\":0},\"status\":200,\"timestamp\":1795377676}");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(200L, m.get("status"));
        Map<?, ?> value = (Map<?, ?>) m.get("value");
        assertEquals(6L, value.get("forks"));
        assertEquals(-1L, value.get("lastExitCode"));
        assertEquals(List.of("nginx", 300L), ((Map<?, ?>) m.get("request")).get("arguments"));
        assertEquals(List.of("request", "value", "status", "timestamp"), List.copyOf(m.keySet()), "order kept");
    }

    @Test
    void scalarsAndWhitespace() throws Exception {
        assertEquals(Boolean.TRUE, Json.parse(" \t\r\n true \n"));
        assertEquals(Boolean.FALSE, Json.parse("false"));
        assertSame(Json.NULL, Json.parse("null"));
        assertEquals(0L, Json.parse("0"));
        assertEquals(-0L, Json.parse("-0"));
        assertEquals(Long.MAX_VALUE, Json.parse("9223372036854775807"));
        assertEquals(Long.MIN_VALUE, Json.parse("-9223372036854775808"));
        assertEquals(9.223372036854775808E18, Json.parse("9223372036854775808"));
        assertEquals(1.5, Json.parse("1.5"));
        assertEquals(-120.0, Json.parse("-1.2e2"));
        assertEquals(0.01, Json.parse("1E-2"));
        assertEquals(List.of(), Json.parse("[ ]"));
        assertEquals(Map.of(), Json.parse("{ }"));
    }

    @Test
    void stringEscapes() throws Exception {
        assertEquals("a\"b\\c/d\b\f\n\r\t", Json.parse("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\""));
        assertEquals("\u00e9\u20ac", Json.parse("\"\\u00e9\\u20AC\""));
        assertEquals("\ud83d\ude00", Json.parse("\"\\ud83d\\ude00\""), "a surrogate pair");
        assertEquals("\ud83d\ude00 raw", Json.parse("\"\ud83d\ude00 raw\""));
        assertEquals("", Json.parse("\"\""));
    }

    @Test
    void quoteRoundTrips() throws Exception {
        String nasty = "a\"b\\c\n\u0001\u2028|'x";
        String q = Json.quote(nasty);
        assertEquals("\"a\\\"b\\\\c\\n\\u0001\\u2028|'x\"", q);
        assertEquals(nasty, Json.parse(q));
    }

    @Test
    void malformedInputIsRejectedWithAnOffset() {
        String[] bad = {
            "", " ", "{", "}", "[", "[1,]", "[,1]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "{'a':1}", "{\"a\":1}{",
            "{\"a\":1} x", "01", "-", "-a", "1.", ".5", "1e", "1e+", "+1", "0x10", "NaN", "Infinity", "tru", "nul",
            "True", "\"abc", "\"a\\x\"", "\"\\u12\"", "\"\\u12G4\"", "\"tab\there\"", "\"new\nline\"",
            "\"\\ud83d\"", "\"\\ude00\"", "\"\\ud83d\\u0041\"", "\"\ud83d\"", "{\"a\":1,\"a\":2}", "[1 2]",
            "// c\n1", "\ufeff{}", "{\"a\":1}\u0000",
        };
        for (String b : bad) {
            Json.SyntaxException e = assertThrows(Json.SyntaxException.class, () -> Json.parse(b), "accepted: " + b);
            assertTrue(e.getMessage().contains("at offset "), e.getMessage());
        }
    }

    @Test
    void messagesSayWhatAndWhere() {
        assertEquals("duplicate key \"a\" at offset 7",
                assertThrows(Json.SyntaxException.class, () -> Json.parse("{\"a\":1,\"a\":2}")).getMessage());
        assertEquals("unexpected 'x' after the value at offset 3",
                assertThrows(Json.SyntaxException.class, () -> Json.parse("{} x")).getMessage());
        assertEquals("leading zero in a number at offset 1",
                assertThrows(Json.SyntaxException.class, () -> Json.parse("01")).getMessage());
    }

    @Test
    void deepNestingIsBounded() throws Exception {
        String ok = "[".repeat(64) + "]".repeat(64);
        Json.parse(ok);
        String deep = "[".repeat(65) + "]".repeat(65);
        assertTrue(assertThrows(Json.SyntaxException.class, () -> Json.parse(deep)).getMessage().contains("nested deeper"));
        String hostile = "[".repeat(100_000);
        assertThrows(Json.SyntaxException.class, () -> Json.parse(hostile), "no stack overflow");
    }
}
