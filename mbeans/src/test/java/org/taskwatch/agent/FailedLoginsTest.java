package org.taskwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FailedLoginsTest {
    @Test
    void tenLinesAMinuteThenTheCountWithTheNextLine() {
        List<String> lines = new ArrayList<>();
        AtomicLong now = new AtomicLong(1_000);
        FailedLogins f = new FailedLogins(lines::add, now::get);
        for (int i = 0; i < 500; i++) {
            f.failed("JMX", "ops", "10.0.0.7");
        }
        assertEquals(FailedLogins.SHOWN_PER_MINUTE, lines.size(), lines.toString());
        assertEquals("failed login to JMX as 'ops' from 10.0.0.7", lines.get(0));
        assertTrue(lines.get(9).endsWith("further failures this minute are counted, not shown"), lines.get(9));

        now.addAndGet(TimeUnit.SECONDS.toNanos(61));
        f.failed("Jolokia", "admin", "10.0.0.8");
        assertEquals("failed login to Jolokia as 'admin' from 10.0.0.8 (and 490 more failed logins not shown before this)",
                lines.get(10));
        f.failed("Jolokia", "admin", "10.0.0.8");
        assertEquals("failed login to Jolokia as 'admin' from 10.0.0.8", lines.get(11), "the count was told once");
    }

    @Test
    void theClientsUserNameCannotForgeLogLines() {
        List<String> lines = new ArrayList<>();
        new FailedLogins(lines::add, () -> 0).failed("Jolokia", "x' from 1.2.3.4\ntaskwatch: all is well", "10.0.0.9");
        assertEquals("failed login to Jolokia as 'x? from 1.2.3.4?taskwatch: all is well' from 10.0.0.9", lines.get(0));
        new FailedLogins(lines::add, () -> 0).failed("JMX", "a".repeat(100), "10.0.0.9");
        assertTrue(lines.get(1).contains("'" + "a".repeat(64) + "...'"), lines.get(1));
    }
}
