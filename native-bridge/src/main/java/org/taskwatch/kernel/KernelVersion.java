package org.taskwatch.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;

/** The running kernel's release, for features that depend on it (the 6.6 event-type filter). */
public record KernelVersion(int major, int minor, String release) {
    public static KernelVersion running() {
        String r;
        try {
            r = Files.readString(Paths.get("/proc/sys/kernel/osrelease")).trim();
        } catch (IOException e) {
            r = System.getProperty("os.version", "0.0");
        }
        return parse(r);
    }

    static KernelVersion parse(String release) {
        String[] p = release.split("[.\\-+]");
        try {
            return new KernelVersion(Integer.parseInt(p[0]), p.length > 1 ? Integer.parseInt(p[1]) : 0, release);
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            return new KernelVersion(0, 0, release); // not a version: no feature depends on it
        }
    }

    public boolean atLeast(int wantMajor, int wantMinor) {
        return major > wantMajor || major == wantMajor && minor >= wantMinor;
    }

    /** Linux 6.6 added the 8-byte {@code proc_input} with an event-type filter, and unprivileged LISTEN. */
    public boolean hasEventTypeFilter() {
        return atLeast(6, 6);
    }
}
