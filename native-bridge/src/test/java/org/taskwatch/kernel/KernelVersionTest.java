package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link KernelVersion}: parsing of kernel release strings and the 6.6 feature check. */
class KernelVersionTest {
    @Test
    void vendorRelease() {
        KernelVersion v = KernelVersion.parse("6.18.44-fc-v782");
        assertEquals(6, v.major());
        assertEquals(18, v.minor());
        assertEquals("6.18.44-fc-v782", v.release());
        assertTrue(v.hasEventTypeFilter());
    }

    @Test
    void exactlySixSix() {
        KernelVersion v = KernelVersion.parse("6.6.0");
        assertEquals(6, v.major());
        assertEquals(6, v.minor());
        assertTrue(v.hasEventTypeFilter());
    }

    @Test
    void distributionRelease() {
        KernelVersion v = KernelVersion.parse("5.15.0-91-generic");
        assertEquals(5, v.major());
        assertEquals(15, v.minor());
        assertEquals("5.15.0-91-generic", v.release());
        assertFalse(v.hasEventTypeFilter());
    }

    @Test
    void otherShapes() {
        assertEquals(new KernelVersion(6, 5, "6.5.13"), KernelVersion.parse("6.5.13"));
        assertFalse(KernelVersion.parse("6.5.13").hasEventTypeFilter());
        assertEquals(new KernelVersion(7, 0, "7.0-rc1"), KernelVersion.parse("7.0-rc1"));
        assertTrue(KernelVersion.parse("7.0-rc1").hasEventTypeFilter());
        assertEquals(new KernelVersion(6, 10, "6.10+deb13-amd64"), KernelVersion.parse("6.10+deb13-amd64"));
        assertEquals(new KernelVersion(6, 0, "6"), KernelVersion.parse("6"));
        assertFalse(KernelVersion.parse("6").hasEventTypeFilter());
    }

    @Test
    void garbage() {
        for (String s : new String[] {"garbage", "", "v6.6", "x.y.z", "6.x", "-6.6"}) {
            KernelVersion v = KernelVersion.parse(s);
            assertEquals(0, v.major(), s);
            assertEquals(0, v.minor(), s);
            assertEquals(s, v.release());
            assertFalse(v.hasEventTypeFilter(), s);
        }
    }

    @Test
    void atLeast() {
        KernelVersion v = KernelVersion.parse("6.6.0");
        assertTrue(v.atLeast(6, 6));
        assertTrue(v.atLeast(6, 5));
        assertTrue(v.atLeast(5, 19));
        assertFalse(v.atLeast(6, 7));
        assertFalse(v.atLeast(7, 0));
        assertTrue(KernelVersion.parse("10.0").atLeast(6, 6), "a major above wins over any minor");
    }

    @Test
    void runningKernelParses() {
        KernelVersion v = KernelVersion.running();
        assertTrue(v.major() >= 3, v.release());
        assertFalse(v.release().isEmpty());
    }
}
