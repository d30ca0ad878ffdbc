package org.taskwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What the command line answers before any event source is opened: help, version, usage errors. */
class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void eachCommandsHelpPrintsTheUsageOnStdoutAndSucceeds() {
        for (String command : new String[] {"agent", "events", "wait"}) {
            out.reset();
            assertEquals(0, run(command, "--help"), command);
            assertTrue(out().startsWith("Usage: taskwatch COMMAND"), command + ": " + out());
            out.reset();
            assertEquals(0, run(command, "--json", "-h"), command);
            assertTrue(out().startsWith("Usage: taskwatch COMMAND"), command + ": " + out());
        }
        assertEquals("", err());
    }

    @Test
    void anUnknownCommandIsAUsageErrorEvenWithHelp() {
        assertEquals(Main.USAGE, run("evnets", "--help"));
        assertTrue(err().contains("unknown command 'evnets'"), err());
        assertEquals("", out());
    }

    @Test
    void anUnknownOptionIsNamed() {
        assertEquals(Main.USAGE, run("events", "--jsn"));
        assertTrue(err().contains("taskwatch events: unknown option --jsn"), err());
        assertTrue(err().contains("Run 'taskwatch --help' for usage."), err());
    }

    @Test
    void noArgumentsPrintsTheUsageAsAnError() {
        assertEquals(Main.USAGE, run());
        assertTrue(err().startsWith("Usage: taskwatch COMMAND"), err());
    }

    @Test
    void versionAndTopLevelHelp() {
        assertEquals(0, run("--version"));
        assertTrue(out().startsWith("taskwatch "), out());
        out.reset();
        assertEquals(0, run("--help"));
        assertTrue(out().startsWith("Usage: taskwatch COMMAND"), out());
    }
}
