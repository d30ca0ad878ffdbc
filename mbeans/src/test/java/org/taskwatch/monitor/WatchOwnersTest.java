package org.taskwatch.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.taskwatch.kernel.EventSourceSettings;

/**
 * The ownership rules on a real monitor (the /proc poller: no privileges needed), with clients
 * that are alive or gone as the test says: a watch ends only with its owner, a watch given to a
 * client already gone ends at once, a kept watch stays, a bad hand-over changes nothing.
 * Command watches never end by themselves, so only these rules can end them.
 */
class WatchOwnersTest {
    private static final String KIND = WatchOwners.JOLOKIA;
    private static final Set<String> ALIVE = ConcurrentHashMap.newKeySet();
    private static TaskMonitor monitor;

    @BeforeAll
    static void start() throws Exception {
        monitor = TaskMonitor.start(MonitorSettings.defaults().withEventSource(
                EventSourceSettings.defaults().withMode(EventSourceSettings.Mode.PROCFS)));
        monitor.owners().addKind(KIND, () -> Set.copyOf(ALIVE));
    }

    @AfterAll
    static void stop() {
        if (monitor != null) {
            monitor.close();
        }
    }

    private static Watch watch(String name) {
        return monitor.watchCommand("^owners-test-" + name + "$", "exec");
    }

    private static boolean exists(Watch w) {
        return monitor.watchById(w.id()) != null;
    }

    @Test
    void aWatchEndsWithItsOwnerOnly() {
        ALIVE.addAll(List.of("a", "b"));
        WatchOwners.Owner a = new WatchOwners.Owner(KIND, "a");
        Watch ofA = watch("of-a");
        Watch ofB = watch("of-b");
        Watch kept = watch("kept");
        Watch unowned = watch("unowned");
        monitor.owners().claim(ofA, a);
        monitor.owners().claim(ofB, new WatchOwners.Owner(KIND, "b"));
        monitor.owners().claim(kept, a);
        assertSame(a, ofA.owner());
        assertTrue(monitor.owners().keep(kept.id()));
        assertNull(kept.owner());

        assertEquals(List.of(), monitor.owners().check(KIND), "nobody is gone: nothing ends");
        ALIVE.remove("a");
        assertEquals(List.of(ofA), monitor.owners().ended(a));
        assertFalse(exists(ofA));
        assertTrue(exists(ofB) && exists(kept) && exists(unowned), "the others' watches, the kept and the unowned stay");

        ALIVE.remove("b");
        assertEquals(List.of(ofB), monitor.owners().check(KIND), "a gone client found by the check");
        assertTrue(exists(kept) && exists(unowned));
        monitor.unwatch(kept.id());
        monitor.unwatch(unowned.id());
    }

    @Test
    void aWatchGivenToAClientAlreadyGoneEndsAtOnce() {
        Watch w = watch("late");
        monitor.owners().claim(w, new WatchOwners.Owner(KIND, "gone-before-its-call-returned"));
        assertFalse(exists(w));
    }

    @Test
    void withoutAnEndpointForItsKindAWatchStaysUnowned() {
        Watch w = watch("no-endpoint");
        monitor.owners().claim(w, new WatchOwners.Owner("no such kind", "x"));
        assertTrue(exists(w));
        assertNull(w.owner());
        monitor.unwatch(w.id());
    }

    @Test
    void aHandOverToAClientThatIsNotAliveIsRefusedAndChangesNothing() {
        ALIVE.add("c");
        Watch w = watch("hand-over");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> monitor.owners().handOver(w.id(), new WatchOwners.Owner(KIND, "nobody")));
        assertTrue(e.getMessage().contains("no Jolokia client nobody is alive"), e.getMessage());
        assertNull(w.owner());
        assertTrue(monitor.owners().handOver(w.id(), new WatchOwners.Owner(KIND, "c")));
        assertEquals("Jolokia client c", w.owner().toString());
        assertFalse(monitor.owners().handOver(987_654, new WatchOwners.Owner(KIND, "c")), "no such watch");
        assertFalse(monitor.owners().keep(987_654), "no such watch");
        ALIVE.remove("c");
        assertEquals(List.of(w), monitor.owners().check(KIND));
    }
}
