package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class CommandRuleTest {
    private final CommandRule rule = new CommandRule();

    @Test
    void findsThePatternInNameExecutableOrCommandLine() {
        Pattern p = Pattern.compile("^/usr/sbin/nginx");
        assertEquals(CommandRule.Outcome.MATCH, rule.test(p, "nginx", "/usr/sbin/nginx", "nginx: worker process"));
        assertEquals(CommandRule.Outcome.MATCH, rule.test(Pattern.compile("worker"), "nginx", null, "nginx: worker process"));
        assertEquals(CommandRule.Outcome.MATCH, rule.test(Pattern.compile("^ngin"), "nginx", null, null));
        assertEquals(CommandRule.Outcome.NO_MATCH, rule.test(p, "nginx", "/usr/bin/nginx", "/usr/bin/nginx -g daemon"));
        assertEquals(CommandRule.Outcome.NO_MATCH, rule.test(p, null, null, null), "a process that is gone");
    }

    @Test
    void searchesOnlyTheFirst4096CharactersOfTheCommandLine() {
        String cmdline = "x".repeat(CommandRule.TEXT_LIMIT - 3) + "needle";
        assertEquals(CommandRule.Outcome.NO_MATCH, rule.test(Pattern.compile("needle"), "sh", "/bin/sh", cmdline));
        assertEquals(CommandRule.Outcome.MATCH, rule.test(Pattern.compile("nee$"), "sh", "/bin/sh", cmdline));
    }

    @Test
    void catastrophicBacktrackingIsAbandonedNotHung() {
        Pattern evil = Pattern.compile("(.*a){20}b");
        String as = "a".repeat(28);
        long t0 = System.nanoTime();
        assertEquals(CommandRule.Outcome.ABANDONED, rule.test(evil, "sh", "/bin/sh", "/bin/sh -c sleep " + as));
        assertEquals(CommandRule.Outcome.MATCH, rule.test(Pattern.compile("sleep"), "sh", "/bin/sh", "/bin/sh -c sleep " + as),
                "the next search has its full budget again");
        assertEquals(false, rule.matches(evil, as, null, null), "an abandoned search is no match");
        // (no timing assertion: the budget is counted in steps, not time)
        System.out.println("two abandoned searches took " + (System.nanoTime() - t0) / 1000 + " us");
    }
}
