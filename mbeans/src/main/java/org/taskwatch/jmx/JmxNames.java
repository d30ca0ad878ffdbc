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

    static ObjectName of(String name) {
        try {
            return new ObjectName(name);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
