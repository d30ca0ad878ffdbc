package org.taskwatch.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.InvalidKeyException;
import org.junit.jupiter.api.Test;
import org.taskwatch.kernel.CgroupPath;
import org.taskwatch.kernel.EventType;
import org.taskwatch.kernel.ExitStatus;
import org.taskwatch.kernel.ProcEvent;
import org.taskwatch.monitor.MonitorEvent;

/**
 * {@link EventData} is a {@link CompositeData} as the JDK's own is: every value fits its open
 * type (checked by {@link CompositeDataSupport}, which refuses one that does not), equality and
 * hash code agree with {@link CompositeDataSupport} both ways, and what goes over the wire is a
 * {@link CompositeDataSupport} with the same contents.
 */
class EventDataTest {
    private static ProcEvent sample(EventType t) {
        ExitStatus seven = ExitStatus.fromWaitStatus(7 << 8);
        switch (t) {
            case FORK: return new ProcEvent.Fork(1, 100, 10, 10, 1, 11, 11);
            case EXEC: return new ProcEvent.Exec(1, 100, 10, 10, 1);
            case EXIT: return new ProcEvent.Exit(1, 100, 10, 10, 1, seven);
            case THREAD_CREATE: return new ProcEvent.ThreadCreate(1, 100, 12, 10, 1);
            case THREAD_EXIT: return new ProcEvent.ThreadExit(1, 100, 12, 10, 1, seven);
            case COMM: return new ProcEvent.Comm(1, 100, 10, 10, 1, "renamed");
            case UID: return new ProcEvent.Uid(1, 100, 10, 10, 1, 1000, 0);
            case GID: return new ProcEvent.Gid(1, 100, 10, 10, 1, 1000, 0);
            case SID: return new ProcEvent.Sid(1, 100, 10, 10, 1);
            case PTRACE: return new ProcEvent.Ptrace(1, 100, 10, 10, 1, 20, 20);
            case COREDUMP: return new ProcEvent.Coredump(1, 100, 10, 10, 1);
            default: throw new AssertionError("a new event type: add a sample for " + t);
        }
    }

    private static List<CompositeData> everyType() {
        List<CompositeData> out = new ArrayList<>();
        for (EventType t : EventType.values()) {
            out.add(OpenTypes.event(new MonitorEvent(sample(t), new long[] {3, 4}, 1, "sh", "sh -c 'exit 7'", "/bin/sh",
                    false, new String[] {"web"}, CgroupPath.of("/system.slice/nginx.service"), false)));
        }
        out.add(OpenTypes.lost(5, "socket buffer"));
        return out;
    }

    /** The JDK's class with the same contents: refuses any value that does not fit its item's type. */
    private static CompositeDataSupport jdk(CompositeData d) throws Exception {
        CompositeType type = d.getCompositeType();
        Map<String, Object> items = new HashMap<>();
        for (String k : type.keySet()) {
            items.put(k, d.get(k));
        }
        return new CompositeDataSupport(type, items);
    }

    @Test
    void everyValueFitsItsTypeAndEqualityIsTheJdks() throws Exception {
        for (CompositeData d : everyType()) {
            CompositeDataSupport same = jdk(d);
            String what = d.getCompositeType().getTypeName();
            assertEquals(same, d, what);
            assertEquals(d, same, what);
            assertEquals(same.hashCode(), d.hashCode(), what);
            assertTrue(java.util.Arrays.deepEquals(same.values().toArray(), d.values().toArray()),
                    what + ": values in key order");
            assertTrue(d.getCompositeType().isValue(d), what);
        }
        CompositeData exit = everyType().get(EventType.EXIT.ordinal());
        assertEquals(7, exit.get("exitCode"));
        assertEquals("nginx.service", exit.get("unit"));
        assertTrue(exit.containsKey("recovered") && !exit.containsKey("childPid") && !exit.containsKey(""));
        assertThrows(InvalidKeyException.class, () -> exit.get("childPid"));
        Map<String, Object> other = new HashMap<>();
        for (String k : exit.getCompositeType().keySet()) {
            other.put(k, exit.get(k));
        }
        other.put("watchIds", new long[] {3, 5});
        CompositeDataSupport differs = new CompositeDataSupport(exit.getCompositeType(), other);
        assertNotEquals(exit, differs, "arrays compare by content");
        assertFalse(exit.equals(differs) || differs.equals(exit));
    }

    @Test
    void whatGoesOverTheWireIsTheJdksClass() throws Exception {
        for (CompositeData d : everyType()) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(d);
            }
            assertFalse(bytes.toString(java.nio.charset.StandardCharsets.ISO_8859_1).contains("EventData"),
                    "no trace of taskwatch's class in the stream");
            Object back;
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
                back = in.readObject();
            }
            assertInstanceOf(CompositeDataSupport.class, back);
            assertEquals(back, d);
            assertEquals(jdk(d), back);
        }
    }
}
