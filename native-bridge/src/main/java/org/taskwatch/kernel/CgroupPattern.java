package org.taskwatch.kernel;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * What a unit or cgroup watch follows: every process in a cgroup and below it. {@code
 * unit:NAME} matches a path with a component equal to NAME (a unit's cgroup is named after it
 * wherever it sits: {@code /system.slice/nginx.service}, or a user's unit under {@code
 * user@1000.service}); {@code cgroup:PATH} matches PATH and the paths below it. Tested on the
 * bytes of a /proc read as well as on a string, allocating nothing. Immutable.
 */
public final class CgroupPattern {
    /** {@code unit} or {@code cgroup}. */
    public enum Kind {
        UNIT, CGROUP;

        public String word() {
            return this == UNIT ? "unit" : "cgroup";
        }
    }

    private final Kind kind;
    private final String target;
    private final byte[] bytes;

    private CgroupPattern(Kind kind, String target) {
        this.kind = kind;
        this.target = target;
        this.bytes = target.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A unit watch's pattern.
     *
     * @throws IllegalArgumentException when {@code name} is not a systemd unit name
     */
    public static CgroupPattern unit(String name) {
        String n = name == null ? "" : name.trim();
        if (!CgroupPath.isUnitName(n)) {
            throw new IllegalArgumentException("unit: '" + n + "' is not a systemd unit name; give one with its type,"
                    + " such as nginx.service, session-3.scope, user@1000.service or system.slice");
        }
        return new CgroupPattern(Kind.UNIT, n);
    }

    /**
     * A cgroup watch's pattern; a trailing '/' is dropped.
     *
     * @throws IllegalArgumentException when {@code path} is not an absolute cgroup path
     */
    public static CgroupPattern cgroup(String path) {
        String p = path == null ? "" : path.trim();
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (!p.startsWith("/") || p.contains("//") || p.contains("\n") || p.contains("/../") || p.endsWith("/..")) {
            throw new IllegalArgumentException("cgroup: '" + path + "' is not a cgroup path; give it as /proc/PID/cgroup"
                    + " shows it, such as /system.slice/nginx.service");
        }
        return new CgroupPattern(Kind.CGROUP, p);
    }

    public Kind kind() {
        return kind;
    }

    /** The unit name or the path. */
    public String target() {
        return target;
    }

    /** As a watch target and a declaration write it: {@code unit:nginx.service}, {@code cgroup:/system.slice}. */
    @Override
    public String toString() {
        return kind.word() + ":" + target;
    }

    /** Whether a process in cgroup {@code path} is in it. */
    public boolean matches(String path) {
        if (path == null || path.isEmpty()) {
            return false;
        }
        byte[] b = path.getBytes(StandardCharsets.UTF_8);
        return matches(ByteBuffer.wrap(b), 0, b.length);
    }

    /** Whether the path in {@code b} from {@code from} to {@code to} (exclusive) is in it; allocates nothing. */
    public boolean matches(ByteBuffer b, int from, int to) {
        if (kind == Kind.CGROUP) {
            int n = bytes.length;
            if (to - from < n || !equal(b, from, bytes, 0, n)) {
                return false;
            }
            // the cgroup itself, or below it (and "/" holds everything)
            return to - from == n || b.get(from + n) == '/' || n == 1;
        }
        int start = from;
        for (int i = from; i <= to; i++) {
            if (i == to || b.get(i) == '/') {
                if (i - start == bytes.length && equal(b, start, bytes, 0, bytes.length)) {
                    return true;
                }
                start = i + 1;
            }
        }
        return false;
    }

    private static boolean equal(ByteBuffer b, int at, byte[] x, int xFrom, int n) {
        for (int i = 0; i < n; i++) {
            if (b.get(at + i) != x[xFrom + i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CgroupPattern p && p.kind == kind && p.target.equals(target);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + target.hashCode();
    }
}
