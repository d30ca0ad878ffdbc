package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link IntIntMap}: the basic operations, growth, {@code removeValue}, and a seeded differential
 * test against {@link HashMap} with many removals and deliberately colliding keys, which is what
 * exercises the backward-shift deletion.
 */
class IntIntMapTest {
    private static final int MISSING = -7;

    @Test
    void putGetRemove() {
        IntIntMap m = new IntIntMap(16);
        assertEquals(0, m.size());
        assertEquals(MISSING, m.get(42, MISSING));
        assertFalse(m.containsKey(42));

        assertEquals(MISSING, m.put(42, 1000, MISSING));
        assertEquals(1, m.size());
        assertTrue(m.containsKey(42));
        assertEquals(1000, m.get(42, MISSING));

        assertEquals(1000, m.put(42, 2000, MISSING), "put returns the previous value");
        assertEquals(1, m.size());
        assertEquals(2000, m.get(42, MISSING));

        assertEquals(MISSING, m.put(43, 0, MISSING));
        assertEquals(0, m.get(43, MISSING), "0 is a value like any other");
        assertTrue(m.containsKey(43));

        assertEquals(2000, m.remove(42, MISSING));
        assertEquals(MISSING, m.remove(42, MISSING));
        assertFalse(m.containsKey(42));
        assertEquals(MISSING, m.get(42, MISSING));
        assertEquals(1, m.size());
        assertEquals(0, m.get(43, MISSING));
    }

    @Test
    void keysMustBePositive() {
        IntIntMap m = new IntIntMap(4);
        assertThrows(IllegalArgumentException.class, () -> m.put(0, 1, MISSING));
        assertThrows(IllegalArgumentException.class, () -> m.put(-5, 1, MISSING));
        assertEquals(0, m.size());
        assertEquals(MISSING, m.get(-5, MISSING));
        assertFalse(m.containsKey(-5));
        assertEquals(MISSING, m.remove(-5, MISSING));
        assertEquals(MISSING, m.remove(0, MISSING));
    }

    @Test
    void growsPastItsInitialCapacity() {
        IntIntMap m = new IntIntMap(2);
        for (int k = 1; k <= 50_000; k++) {
            assertEquals(MISSING, m.put(k, k * 3, MISSING));
        }
        assertEquals(50_000, m.size());
        for (int k = 1; k <= 50_000; k++) {
            assertEquals(k * 3, m.get(k, MISSING), "key " + k);
        }
        assertFalse(m.containsKey(50_001));
        assertEquals(MISSING, m.get(Integer.MAX_VALUE, MISSING));
        m.put(Integer.MAX_VALUE, 1, MISSING);
        assertEquals(1, m.get(Integer.MAX_VALUE, MISSING));
    }

    @Test
    void clearEmptiesTheMap() {
        IntIntMap m = new IntIntMap(8);
        for (int k = 1; k <= 20; k++) {
            m.put(k, k, MISSING);
        }
        m.clear();
        assertEquals(0, m.size());
        for (int k = 1; k <= 20; k++) {
            assertFalse(m.containsKey(k));
            assertEquals(MISSING, m.get(k, MISSING));
        }
        m.put(5, 55, MISSING);
        assertEquals(55, m.get(5, MISSING));
        assertEquals(1, m.size());
    }

    @Test
    void removeValue() {
        IntIntMap m = new IntIntMap(4);
        for (int k = 1; k <= 3_000; k++) {
            m.put(k, k % 3, MISSING);
        }
        assertEquals(1_000, m.removeValue(1));
        assertEquals(2_000, m.size());
        for (int k = 1; k <= 3_000; k++) {
            if (k % 3 == 1) {
                assertFalse(m.containsKey(k), "key " + k);
            } else {
                assertEquals(k % 3, m.get(k, MISSING), "key " + k);
            }
        }
        assertEquals(0, m.removeValue(1));
        assertEquals(0, m.removeValue(99));
        assertEquals(1_000, m.removeValue(0));
        assertEquals(1_000, m.removeValue(2));
        assertEquals(0, m.size());
    }

    @Test
    void forEachVisitsEveryEntryOnce() {
        IntIntMap m = new IntIntMap(4);
        Map<Integer, Integer> expected = new HashMap<>();
        for (int k = 7; k < 700; k += 7) {
            m.put(k, -k, MISSING);
            expected.put(k, -k);
        }
        Map<Integer, Integer> seen = new HashMap<>();
        m.forEach((k, v) -> assertEquals(null, seen.put(k, v), "key " + k + " twice"));
        assertEquals(expected, seen);
    }

    // ---------------------------------------------------------------- colliding keys

    /** The home slot of {@code key} in a table of {@code capacity}: the map's Fibonacci hash, copied here. */
    private static int home(int key, int capacity) {
        int h = key * 0x9E3779B9;
        return (h ^ (h >>> 16)) & (capacity - 1);
    }

    /** The first {@code n} positive keys whose home slot in a 16-slot table is {@code slot}. */
    private static List<Integer> keysWithHome(int slot, int n) {
        List<Integer> keys = new ArrayList<>();
        for (int k = 1; keys.size() < n; k++) {
            if (home(k, 16) == slot) {
                keys.add(k);
            }
        }
        return keys;
    }

    @Test
    void collidingKeysAroundTheTableEnd() {
        // new IntIntMap(8) has 16 slots and grows past 8 entries: stay at 8 so the clusters stay put.
        // Keys homed at 14 and 15 form one cluster that wraps around to slots 0, 1, ...; keys homed
        // at 0 and 1 join it. Every removal order must keep every other key reachable.
        List<Integer> keys = new ArrayList<>();
        keys.addAll(keysWithHome(14, 2));
        keys.addAll(keysWithHome(15, 3));
        keys.addAll(keysWithHome(0, 2));
        keys.addAll(keysWithHome(1, 1));
        Random rnd = new Random(7);
        for (int round = 0; round < 2_000; round++) {
            IntIntMap m = new IntIntMap(8);
            Map<Integer, Integer> ref = new HashMap<>();
            List<Integer> order = new ArrayList<>(keys);
            java.util.Collections.shuffle(order, rnd);
            for (int k : order) {
                m.put(k, k + 1, MISSING);
                ref.put(k, k + 1);
            }
            java.util.Collections.shuffle(order, rnd);
            for (int k : order) {
                assertEquals(k + 1, m.remove(k, MISSING), "round " + round + " key " + k);
                ref.remove(k);
                assertEquals(ref.size(), m.size());
                for (int other : keys) {
                    assertEquals(ref.getOrDefault(other, MISSING).intValue(), m.get(other, MISSING),
                            "round " + round + " key " + other + " after removing " + k);
                }
                if (rnd.nextInt(4) == 0) { // put one back now and then: reinsert into a shifted table
                    int back = keys.get(rnd.nextInt(keys.size()));
                    m.put(back, back + 1, MISSING);
                    ref.put(back, back + 1);
                }
            }
        }
    }

    @Test
    void removeValueAcrossTheTableEnd() {
        List<Integer> keys = new ArrayList<>();
        keys.addAll(keysWithHome(15, 4));
        keys.addAll(keysWithHome(0, 2));
        keys.addAll(keysWithHome(14, 2));
        Random rnd = new Random(11);
        for (int round = 0; round < 2_000; round++) {
            IntIntMap m = new IntIntMap(8);
            Map<Integer, Integer> ref = new HashMap<>();
            List<Integer> order = new ArrayList<>(keys);
            java.util.Collections.shuffle(order, rnd);
            for (int k : order) {
                int v = rnd.nextInt(3);
                m.put(k, v, MISSING);
                ref.put(k, v);
            }
            int value = rnd.nextInt(3);
            int expectedRemoved = 0;
            for (Iterator<Integer> it = ref.values().iterator(); it.hasNext(); ) {
                if (it.next() == value) {
                    it.remove();
                    expectedRemoved++;
                }
            }
            assertEquals(expectedRemoved, m.removeValue(value), "round " + round);
            assertEquals(ref.size(), m.size());
            for (int k : keys) {
                assertEquals(ref.getOrDefault(k, MISSING).intValue(), m.get(k, MISSING), "round " + round + " key " + k);
            }
        }
    }

    // ---------------------------------------------------------------- differential

    @Test
    void differentialAgainstHashMap() {
        Random rnd = new Random(0xD1FFL);
        IntIntMap m = new IntIntMap(16);
        Map<Integer, Integer> ref = new HashMap<>();
        // a small key range makes long probe chains and many hits on removal
        int keyRange = 3_000;
        for (int op = 0; op < 200_000; op++) {
            int key = 1 + rnd.nextInt(keyRange);
            int value = rnd.nextInt(50);
            int dice = rnd.nextInt(100);
            String ctx = "op " + op + " key " + key;
            if (dice < 45) {
                Integer old = ref.put(key, value);
                assertEquals(old == null ? MISSING : old, m.put(key, value, MISSING), ctx);
            } else if (dice < 85) {
                Integer old = ref.remove(key);
                assertEquals(old == null ? MISSING : old, m.remove(key, MISSING), ctx);
            } else if (dice < 95) {
                assertEquals(ref.containsKey(key), m.containsKey(key), ctx);
                assertEquals(ref.getOrDefault(key, MISSING).intValue(), m.get(key, MISSING), ctx);
            } else if (dice == 95) {
                int count = 0;
                for (Iterator<Integer> it = ref.values().iterator(); it.hasNext(); ) {
                    if (it.next() == value) {
                        it.remove();
                        count++;
                    }
                }
                assertEquals(count, m.removeValue(value), ctx + " removeValue " + value);
            } else {
                // drift the key range so the table fills up and drains again
                keyRange = 500 + rnd.nextInt(8_000);
            }
            if (op == 60_000 || op == 140_000) {
                m.clear();
                ref.clear();
            }
            assertEquals(ref.size(), m.size(), ctx);
            if (op % 10_000 == 0) {
                assertSameContent(ref, m, ctx);
            }
        }
        assertSameContent(ref, m, "end");
    }

    private static void assertSameContent(Map<Integer, Integer> ref, IntIntMap m, String ctx) {
        for (Map.Entry<Integer, Integer> e : ref.entrySet()) {
            assertEquals(e.getValue().intValue(), m.get(e.getKey(), MISSING), ctx + " key " + e.getKey());
        }
        Map<Integer, Integer> seen = new HashMap<>();
        m.forEach(seen::put);
        assertEquals(ref, seen, ctx);
    }
}
