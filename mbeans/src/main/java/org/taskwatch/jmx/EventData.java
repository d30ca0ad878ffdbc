package org.taskwatch.jmx;

import java.io.ObjectStreamException;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenDataException;

/**
 * A notification's {@code userData}: the values of one of {@link OpenTypes}' event types in an
 * array, in the order of the type's (sorted) item names. {@link CompositeDataSupport} copies
 * every event into a tree map and checks each value against its type: per event that was a
 * sixth of the agent's CPU on the remote path, and the maps of the notifications that the JMX
 * connector keeps for its clients (16,384) filled the old generation and caused a full
 * collection every few seconds of a storm. Here the values are checked once, by the tests that
 * build every type; equality, hash code and item order are {@link CompositeDataSupport}'s.
 *
 * <p>Serialized as a {@link CompositeDataSupport} (writeReplace): a remote client receives the
 * JDK's class, never this one.
 */
final class EventData implements CompositeData, Serializable {
    private static final long serialVersionUID = 1L;

    private final CompositeType type;
    private final String[] names; // the type's item names, sorted (shared by every event of the type)
    private final Object[] values;

    private EventData(CompositeType type, String[] names, Object[] values) {
        this.type = type;
        this.names = names;
        this.values = values;
    }

    /** The item names of {@code type} in the order values are kept: sorted, as its keySet. */
    static String[] namesOf(CompositeType type) {
        return type.keySet().toArray(new String[0]);
    }

    /** Fills the values of one event by item name; {@link #build} checks that every item got one. */
    static final class Builder {
        private final CompositeType type;
        private final String[] names;
        private final Object[] values;

        Builder(CompositeType type, String[] names) {
            this.type = type;
            this.names = names;
            this.values = new Object[names.length];
        }

        Builder put(String name, Object value) {
            int i = Arrays.binarySearch(names, name);
            if (i < 0) {
                throw new IllegalArgumentException(type.getTypeName() + " has no item " + name);
            }
            values[i] = value;
            return this;
        }

        EventData build() {
            for (int i = 0; i < values.length; i++) {
                if (values[i] == null) {
                    throw new IllegalStateException(type.getTypeName() + ": no value for " + names[i]);
                }
            }
            return new EventData(type, names, values);
        }
    }

    @Override
    public CompositeType getCompositeType() {
        return type;
    }

    @Override
    public Object get(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("key: null or empty");
        }
        int i = Arrays.binarySearch(names, key);
        if (i < 0) {
            throw new javax.management.openmbean.InvalidKeyException("no item " + key + " in " + type.getTypeName());
        }
        return values[i];
    }

    @Override
    public Object[] getAll(String[] keys) {
        if (keys == null) {
            return new Object[0];
        }
        Object[] out = new Object[keys.length];
        for (int i = 0; i < keys.length; i++) {
            out[i] = get(keys[i]);
        }
        return out;
    }

    @Override
    public boolean containsKey(String key) {
        return key != null && !key.isEmpty() && Arrays.binarySearch(names, key) >= 0;
    }

    @Override
    public boolean containsValue(Object value) {
        return Arrays.asList(values).contains(value);
    }

    @Override
    public Collection<?> values() {
        return List.of(values);
    }

    /** As {@link CompositeDataSupport#equals}: the same type and equal values (arrays by content). */
    @Override
    public boolean equals(Object obj) {
        if (this == obj) {
            return true;
        }
        if (!(obj instanceof CompositeData other) || !type.equals(other.getCompositeType())) {
            return false;
        }
        for (int i = 0; i < names.length; i++) {
            if (!Arrays.deepEquals(new Object[] {values[i]}, new Object[] {other.get(names[i])})) {
                return false;
            }
        }
        return true;
    }

    /** As {@link CompositeDataSupport#hashCode}: the type's plus each value's (arrays by content). */
    @Override
    public int hashCode() {
        int h = type.hashCode();
        for (Object v : values) {
            h += v.getClass().isArray() ? Arrays.deepHashCode(new Object[] {v}) - 31 : v.hashCode();
        }
        return h;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(getClass().getName()).append("(compositeType=").append(type)
                .append(",contents={");
        for (int i = 0; i < names.length; i++) {
            if (i > 0) {
                b.append(", ");
            }
            Object v = values[i];
            String text = v.getClass().isArray() ? Arrays.deepToString(new Object[] {v}) : null;
            b.append(names[i]).append('=').append(text == null ? v : text.substring(1, text.length() - 1));
        }
        return b.append("})").toString();
    }

    /** What goes over the wire: the JDK's own class, so that no client needs this one. */
    private Object writeReplace() throws ObjectStreamException {
        try {
            return new CompositeDataSupport(type, names, values);
        } catch (OpenDataException e) {
            java.io.InvalidObjectException x = new java.io.InvalidObjectException(e.getMessage());
            x.initCause(e);
            throw x;
        }
    }
}
