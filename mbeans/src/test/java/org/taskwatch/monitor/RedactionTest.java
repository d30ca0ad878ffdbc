package org.taskwatch.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RedactionTest {
    private final Redaction byDefault = Redaction.of(Redaction.DEFAULT_RULE);

    @Test
    void theDefaultMasksTheValuesAfterWordsNamingSecrets() {
        assertEquals("mysql --user=app --password=*** db", byDefault.apply("mysql --user=app --password=hunter2 db"));
        assertEquals("env PGPASSWORD=*** psql", byDefault.apply("env PGPASSWORD=s3cr3t psql"));
        assertEquals("curl --token *** -H x", byDefault.apply("curl --token abc.def -H x"));
        assertEquals("app --api-key=*** --secret ***", byDefault.apply("app --api-key=K1 --secret S2"));
        assertEquals("java -jar app.jar --port 80", byDefault.apply("java -jar app.jar --port 80"), "nothing secret");
    }

    @Test
    void withoutGroupsTheWholeMatchIsMasked() {
        assertEquals("a *** b ***", Redaction.of("x[0-9]+").apply("a x12 b x3"));
    }

    @Test
    void emptyMasksNothingAndNullStaysNull() {
        assertSame(Redaction.NONE, Redaction.of(""));
        assertEquals("--password=p", Redaction.NONE.apply("--password=p"));
        assertNull(byDefault.apply(null));
    }

    @Test
    void aBadExpressionIsRefusedWithWhatIsWrong() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Redaction.of("(unclosed"));
        assertTrue(e.getMessage().startsWith("not a regular expression: Unclosed group"), e.getMessage());
    }
}
