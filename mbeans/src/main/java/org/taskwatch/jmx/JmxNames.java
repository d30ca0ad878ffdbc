package org.taskwatch.jmx;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/** The ObjectNames taskwatch registers. */
public final class JmxNames {
    private JmxNames() {}

    public static ObjectName monitor() {
        return of(Monitor.NAME);
    }

    public static ObjectName watch(long id) {
        return of("org.taskwatch:type=Watch,id=" + id);
    }

    /** A declared watch: {@code org.taskwatch:type=Watch,name=NAME} (names are [A-Za-z0-9_-]: no quoting). */
    public static ObjectName watch(String name) {
        return of("org.taskwatch:type=Watch,name=" + name);
    }

    static ObjectName of(String name) {
        try {
            return new ObjectName(name);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
