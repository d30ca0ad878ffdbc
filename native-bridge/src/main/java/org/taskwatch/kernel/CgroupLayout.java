package org.taskwatch.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Which cgroup hierarchy names a process's cgroup on this machine, found once from {@code
 * /proc/self/mountinfo}: the unified (v2) hierarchy where cgroup2 is mounted (pure v2 at {@code
 * /sys/fs/cgroup}, or hybrid at {@code /sys/fs/cgroup/unified}); else the v1 {@code name=systemd}
 * hierarchy, where that is all there is; else none, and processes have no cgroup here.
 *
 * <p>Its line in {@code /proc/PID/cgroup} is {@code 0::PATH} (v2) or {@code N:name=systemd:PATH};
 * the path is relative to the mount point (and to the reader's cgroup namespace). Immutable.
 *
 * @param hierarchy which line names a process's cgroup
 * @param mountPoint where that hierarchy is mounted ("" for none): PATH is a directory below it
 * @param systemd whether systemd manages this machine ({@code /run/systemd/system} exists, as
 *     {@code sd_booted()} checks)
 */
public record CgroupLayout(Hierarchy hierarchy, String mountPoint, boolean systemd) {
    /** Which line of {@code /proc/PID/cgroup} to read. */
    public enum Hierarchy {
        /** cgroup v2: the {@code 0::} line. */
        UNIFIED,
        /** cgroup v1's {@code name=systemd} hierarchy (no cgroup2 mount). */
        NAME_SYSTEMD,
        /** neither: no cgroup is reported. */
        NONE
    }

    /** A machine without cgroups (or a test's /proc tree without them). */
    public static final CgroupLayout NONE = new CgroupLayout(Hierarchy.NONE, "", false);

    private static volatile CgroupLayout system;

    /** This machine's, read once from {@code /proc/self/mountinfo} (NONE when that cannot be read). */
    public static CgroupLayout system() {
        CgroupLayout l = system;
        if (l == null) {
            String mountinfo;
            try {
                mountinfo = Files.readString(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8);
            } catch (IOException e) {
                mountinfo = "";
            }
            system = l = fromMountinfo(mountinfo, Files.isDirectory(Path.of("/run/systemd/system")));
        }
        return l;
    }

    /**
     * The layout that {@code mountinfo} (the text of {@code /proc/self/mountinfo}) shows: the
     * first cgroup2 mount, else the first {@code name=systemd} cgroup mount, else {@link #NONE}.
     */
    public static CgroupLayout fromMountinfo(String mountinfo, boolean systemd) {
        String v1 = null;
        for (String line : mountinfo.split("\n")) {
            // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
            int dash = line.indexOf(" - ");
            if (dash < 0) {
                continue;
            }
            String[] before = line.substring(0, dash).split(" ");
            String[] after = line.substring(dash + 3).split(" ");
            if (before.length < 5 || after.length < 1) {
                continue;
            }
            String mount = unescape(before[4]);
            if (after[0].equals("cgroup2")) {
                return new CgroupLayout(Hierarchy.UNIFIED, mount, systemd);
            }
            if (v1 == null && after[0].equals("cgroup") && after.length >= 3
                    && (after[2] + ",").contains("name=systemd,")) {
                v1 = mount;
            }
        }
        return v1 == null ? new CgroupLayout(Hierarchy.NONE, "", systemd)
                : new CgroupLayout(Hierarchy.NAME_SYSTEMD, v1, systemd);
    }

    /** mountinfo writes space, tab, newline and backslash as octal escapes ({@code \040}). */
    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1)) {
                out.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }

    /** Whether processes have a cgroup here. */
    public boolean available() {
        return hierarchy != Hierarchy.NONE;
    }

    /** Why there is no cgroup here ("" when there is): for the refusal of a unit or cgroup watch. */
    public String unavailableReason() {
        return available() ? "" : "this machine has no cgroup v2 mount and no cgroup v1 name=systemd hierarchy"
                + " (/proc/self/mountinfo shows neither)";
    }

    /**
     * The path of this layout's hierarchy in {@code text} (the contents of a {@code
     * /proc/PID/cgroup}), or null when it has no such line. A cgroup removed while the process
     * still showed it (a zombie) loses the kernel's " (deleted)" mark.
     */
    public String pathIn(String text) {
        if (!available()) {
            return null;
        }
        for (String line : text.split("\n")) {
            int first = line.indexOf(':');
            int second = first < 0 ? -1 : line.indexOf(':', first + 1);
            if (second < 0) {
                continue;
            }
            if (isLine(line, first, second)) {
                return clean(line.substring(second + 1));
            }
        }
        return null;
    }

    private boolean isLine(String line, int first, int second) {
        if (hierarchy == Hierarchy.UNIFIED) {
            return first == 1 && line.charAt(0) == '0' && second == 2;
        }
        return line.substring(first + 1, second).equals("name=systemd");
    }

    static final String DELETED = " (deleted)";

    private static String clean(String path) {
        return path.endsWith(DELETED) ? path.substring(0, path.length() - DELETED.length()) : path;
    }

    /**
     * Whether a cgroup named {@code name} (a directory of that name, at any depth) exists under
     * the mount point: whether a unit of that name can have processes on a machine without systemd.
     */
    public boolean hasCgroupNamed(String name) {
        if (!available() || name.isEmpty() || name.contains("/")) {
            return false;
        }
        try (java.util.stream.Stream<Path> dirs = Files.walk(Path.of(mountPoint), 16)) {
            return dirs.anyMatch(d -> Files.isDirectory(d) && d.getFileName() != null
                    && d.getFileName().toString().equals(name));
        } catch (IOException | java.io.UncheckedIOException e) {
            return false; // a cgroup removed while walked: unreadable is no proof it exists
        }
    }

    /** The directory of cgroup {@code path} ({@code /system.slice/nginx.service}) under the mount point. */
    public Path directory(String path) {
        return Path.of(mountPoint, path.startsWith("/") ? path.substring(1) : path);
    }
}
