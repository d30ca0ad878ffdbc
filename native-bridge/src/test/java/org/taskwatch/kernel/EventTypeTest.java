package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link EventType}: the comma-separated event lists of the command line and the MBean
 * ({@link EventType#parseList}, {@link EventType#toList}), and the kernel event-type mask each
 * list needs ({@link EventType#kernelMask}).
 */
class EventTypeTest {
    private static int bits(EventType... types) {
        int m = 0;
        for (EventType t : types) {
            m |= t.bit();
        }
        return m;
    }

    @Test
    void everyTypeHasItsOwnBit() {
        int seen = 0;
        for (EventType t : EventType.values()) {
            assertEquals(1, Integer.bitCount(t.bit()), t.name());
            assertEquals(0, seen & t.bit(), t.name());
            seen |= t.bit();
            assertTrue(t.in(t.bit()));
            assertFalse(t.in(~t.bit()));
            assertEquals(t, EventType.of(t.ordinal()));
        }
        assertEquals(0x7FF, seen, "11 types");
        assertEquals(0x7FF, EventType.ALL);
    }

    @Test
    void parseSimpleLists() {
        assertEquals(bits(EventType.FORK, EventType.EXIT), EventType.parseList("fork,exit"));
        assertEquals(bits(EventType.FORK, EventType.EXEC), EventType.parseList(" FORK , exec "));
        assertEquals(bits(EventType.COMM), EventType.parseList("Comm"));
        assertEquals(bits(EventType.UID, EventType.GID, EventType.SID, EventType.PTRACE, EventType.COREDUMP),
                EventType.parseList("uid,gid,sid,ptrace,coredump"));
        assertEquals(bits(EventType.EXEC), EventType.parseList("exec,exec"), "repeats are harmless");
    }

    @Test
    void parseAll() {
        assertEquals(EventType.ALL, EventType.parseList("all"));
        assertEquals(EventType.ALL, EventType.parseList(" ALL "));
        assertEquals(EventType.ALL, EventType.parseList("fork,all"));
        for (EventType t : EventType.values()) {
            assertTrue(t.in(EventType.parseList("all")), t.name());
        }
    }

    @Test
    void threadMeansBothThreadTypes() {
        int m = EventType.parseList("thread");
        assertTrue(EventType.THREAD_CREATE.in(m));
        assertTrue(EventType.THREAD_EXIT.in(m));
        assertEquals(2, Integer.bitCount(m));
        assertEquals(bits(EventType.EXIT, EventType.THREAD_CREATE, EventType.THREAD_EXIT),
                EventType.parseList("exit,thread"));
    }

    @Test
    void emptyListsAreRejected() {
        for (String list : new String[] {"", "   ", null}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EventType.parseList(list));
            assertTrue(e.getMessage().contains("empty list"), e.getMessage());
            assertTrue(e.getMessage().contains(EventType.NAMES), "lists the accepted names: " + e.getMessage());
        }
    }

    @Test
    void unknownWordsAreNamed() {
        IllegalArgumentException bogus = assertThrows(IllegalArgumentException.class, () -> EventType.parseList("bogus"));
        assertTrue(bogus.getMessage().contains("unknown event 'bogus'"), bogus.getMessage());
        assertTrue(bogus.getMessage().contains("fork, exec, exit, thread"), bogus.getMessage());

        IllegalArgumentException mixed = assertThrows(IllegalArgumentException.class,
                () -> EventType.parseList("fork, Forks ,exit"));
        assertTrue(mixed.getMessage().contains("'Forks'"), mixed.getMessage());
        assertTrue(mixed.getMessage().contains("in 'fork, Forks ,exit'"), mixed.getMessage());

        IllegalArgumentException hole = assertThrows(IllegalArgumentException.class,
                () -> EventType.parseList("fork,,exit"));
        assertTrue(hole.getMessage().contains("unknown event ''"), hole.getMessage());

        IllegalArgumentException trailing = assertThrows(IllegalArgumentException.class,
                () -> EventType.parseList("fork,"));
        assertTrue(trailing.getMessage().contains("unknown event ''"), trailing.getMessage());

        // the enum constant name is not a list word
        assertThrows(IllegalArgumentException.class, () -> EventType.parseList("thread_create"));
    }

    @Test
    void toListWritesListWordsInDocumentedOrder() {
        assertEquals("fork,exit", EventType.toList(bits(EventType.EXIT, EventType.FORK)));
        assertEquals("thread", EventType.toList(bits(EventType.THREAD_CREATE, EventType.THREAD_EXIT)));
        assertEquals("exec,thread,coredump",
                EventType.toList(bits(EventType.COREDUMP, EventType.THREAD_EXIT, EventType.THREAD_CREATE, EventType.EXEC)));
        assertEquals("all", EventType.toList(0x7FF));
        assertEquals("all", EventType.toList(-1), "bits beyond the types do not matter");
    }

    @Test
    void toListRoundTrips() {
        for (String word : new String[] {"fork", "exec", "exit", "thread", "comm", "uid", "gid", "sid", "ptrace",
                "coredump", "all"}) {
            assertEquals(word, EventType.toList(EventType.parseList(word)));
        }
        assertEquals("fork,exec,exit,thread,comm,uid,gid,sid,ptrace",
                EventType.toList(EventType.parseList("ptrace,sid,gid,uid,comm,thread,exit,exec,fork")));
        Random rnd = new Random(42);
        int threads = bits(EventType.THREAD_CREATE, EventType.THREAD_EXIT);
        for (int i = 0; i < 2_000; i++) {
            int mask = rnd.nextInt(EventType.ALL + 1);
            mask = (mask & threads) != 0 ? mask | threads : mask; // a list names both thread types or neither
            if (mask == 0) {
                continue;
            }
            assertEquals(mask, EventType.parseList(EventType.toList(mask)), "mask 0x" + Integer.toHexString(mask));
        }
    }

    @Test
    void kernelMask() {
        assertEquals(0x80000000, EventType.kernelMask(EventType.parseList("exit")));
        assertEquals(0x00000001, EventType.kernelMask(EventType.parseList("fork")));
        assertEquals(0x00000002, EventType.kernelMask(EventType.parseList("exec")));
        assertEquals(0x80000001, EventType.kernelMask(EventType.parseList("thread")), "clones and exits");
        assertEquals(0x00000200, EventType.kernelMask(EventType.parseList("comm")));
        assertEquals(0x00000004, EventType.kernelMask(EventType.parseList("uid")));
        assertEquals(0x00000040, EventType.kernelMask(EventType.parseList("gid")));
        assertEquals(0x00000080, EventType.kernelMask(EventType.parseList("sid")));
        assertEquals(0x00000100, EventType.kernelMask(EventType.parseList("ptrace")));
        assertEquals(0x40000000, EventType.kernelMask(EventType.parseList("coredump")));
        assertEquals(0x80000003, EventType.kernelMask(EventType.parseList("fork,exec,exit")));
        // every kernel type, but not the NONZERO_EXIT filter flag (which would hide exits with status 0)
        assertEquals(0xC00003C7, EventType.kernelMask(EventType.ALL));
        assertEquals(0, EventType.kernelMask(0));
        assertEquals(0x80000000, EventType.kernelMask(EventType.THREAD_EXIT.bit()));
        assertEquals(0x00000001, EventType.kernelMask(EventType.THREAD_CREATE.bit()));
    }

    @Test
    void listNames() {
        assertEquals("thread", EventType.THREAD_CREATE.listName());
        assertEquals("thread", EventType.THREAD_EXIT.listName());
        assertEquals("coredump", EventType.COREDUMP.listName());
    }
}
