package org.taskwatch.kernel;

/**
 * An open-addressing map from positive int keys (pids) to ints, with linear probing and
 * backward-shift deletion: no boxing, and no allocation except when it grows. Not thread-safe:
 * each instance is owned by one thread.
 */
public final class IntIntMap {
    private static final int EMPTY = 0;

    private int[] keys;
    private int[] values;
    private int size;
    private int mask;

    public IntIntMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new int[cap];
        values = new int[cap];
        mask = cap - 1;
    }

    public int size() {
        return size;
    }

    /** The value for {@code key}, or {@code missing}. */
    public int get(int key, int missing) {
        if (key <= 0) {
            return missing; // 0 marks an empty slot: never a key
        }
        int i = slot(key);
        while (true) {
            int k = keys[i];
            if (k == key) {
                return values[i];
            }
            if (k == EMPTY) {
                return missing;
            }
            i = (i + 1) & mask;
        }
    }

    public boolean containsKey(int key) {
        if (key <= 0) {
            return false;
        }
        int i = slot(key);
        while (true) {
            int k = keys[i];
            if (k == key) {
                return true;
            }
            if (k == EMPTY) {
                return false;
            }
            i = (i + 1) & mask;
        }
    }

    /** Sets {@code key} to {@code value}; returns the previous value or {@code missing}. */
    public int put(int key, int value, int missing) {
        if (key <= 0) {
            throw new IllegalArgumentException("key must be positive: " + key);
        }
        int i = slot(key);
        while (true) {
            int k = keys[i];
            if (k == key) {
                int old = values[i];
                values[i] = value;
                return old;
            }
            if (k == EMPTY) {
                keys[i] = key;
                values[i] = value;
                if (++size * 2 > keys.length) {
                    grow();
                }
                return missing;
            }
            i = (i + 1) & mask;
        }
    }

    /** Removes {@code key}; returns its value or {@code missing}. */
    public int remove(int key, int missing) {
        int i = slot(key);
        while (true) {
            int k = keys[i];
            if (k == EMPTY) {
                return missing;
            }
            if (k == key) {
                int old = values[i];
                shiftBack(i);
                size--;
                return old;
            }
            i = (i + 1) & mask;
        }
    }

    /** Removes every entry whose value is {@code value}; returns how many. O(capacity). */
    public int removeValue(int value) {
        int removed = 0;
        int i = 0;
        while (i < keys.length) {
            if (keys[i] != EMPTY && values[i] == value) {
                shiftBack(i);
                size--;
                removed++;
                // slot i now holds a shifted entry (or is empty): look at it again
            } else {
                i++;
            }
        }
        return removed;
    }

    public void clear() {
        java.util.Arrays.fill(keys, EMPTY);
        size = 0;
    }

    /** Calls {@code action} for each entry; the map must not change meanwhile. */
    public void forEach(IntIntConsumer action) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != EMPTY) {
                action.accept(keys[i], values[i]);
            }
        }
    }

    @FunctionalInterface
    public interface IntIntConsumer {
        void accept(int key, int value);
    }

    private int slot(int key) {
        int h = key * 0x9E3779B9; // Fibonacci hashing spreads sequential pids
        return (h ^ (h >>> 16)) & mask;
    }

    private void shiftBack(int hole) {
        int i = hole;
        while (true) {
            i = (i + 1) & mask;
            int k = keys[i];
            if (k == EMPTY) {
                break;
            }
            int home = slot(k);
            // move k into the hole unless its home lies cyclically in (hole, i]
            boolean between = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
            if (!between) {
                keys[hole] = k;
                values[hole] = values[i];
                hole = i;
            }
        }
        keys[hole] = EMPTY;
        values[hole] = 0;
    }

    private void grow() {
        int[] oldKeys = keys;
        int[] oldValues = values;
        keys = new int[oldKeys.length * 2];
        values = new int[oldKeys.length * 2];
        mask = keys.length - 1;
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                put(oldKeys[i], oldValues[i], 0);
            }
        }
    }
}
