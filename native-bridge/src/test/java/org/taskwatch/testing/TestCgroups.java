package org.taskwatch.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.taskwatch.kernel.CgroupLayout;

/**
 * Real cgroups for tests: v2 children under a cgroup the test owns, in the cgroup2 mount that
 * /proc/self/mountinfo names (pure v2 or hybrid), made by {@link #create}, filled by {@link
 * #move} (a pid written to {@code cgroup.procs}), and removed by {@link #close} (what is left in
 * them goes back to the root first). Needs root and a cgroup2 mount: {@link #require} fails in
 * CI, skips elsewhere.
 */
public final class TestCgroups implements AutoCloseable {
    private final CgroupLayout layout = CgroupLayout.system();
    private final List<String> made = new ArrayList<>();

    /** Fails (CI) or skips unless cgroups can be made here. */
    public static void require() {
        KernelTests.require(KernelTests.isRoot(), "making cgroups needs root");
        KernelTests.require(CgroupLayout.system().hierarchy() == CgroupLayout.Hierarchy.UNIFIED,
                "no cgroup v2 mount in /proc/self/mountinfo");
    }

    /** Makes cgroup {@code path} ({@code /test.slice/a.service}) and its parents; returns the path. */
    public String create(String path) throws IOException {
        List<String> fresh = new ArrayList<>();
        for (String rel = path; !rel.isEmpty() && !Files.isDirectory(layout.directory(rel)); rel = parent(rel)) {
            fresh.add(rel);
        }
        Files.createDirectories(layout.directory(path));
        made.addAll(fresh);
        return path;
    }

    private static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "" : path.substring(0, slash);
    }

    /** Moves process {@code pid} into cgroup {@code path}. */
    public void move(String path, long pid) throws IOException {
        Files.writeString(layout.directory(path).resolve("cgroup.procs"), pid + "\n");
    }

    /** The v2 line of {@code /proc/PID/cgroup}: what the kernel says. */
    public static String of(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
            if (line.startsWith("0::")) {
                return line.substring(3);
            }
        }
        throw new AssertionError("no 0:: line in /proc/" + pid + "/cgroup");
    }

    /** Removes what it made, deepest first, once the processes left in them are moved out. */
    @Override
    public void close() throws IOException {
        made.sort(Comparator.comparingInt(String::length).reversed());
        for (String path : made) {
            Path dir = layout.directory(path);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            for (String pid : Files.readAllLines(dir.resolve("cgroup.procs"))) {
                Files.writeString(layout.directory("/").resolve("cgroup.procs"), pid + "\n");
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (true) {
                try {
                    Files.delete(dir);
                    break;
                } catch (IOException busy) { // a process that just exited holds it for a moment
                    if (System.nanoTime() > deadline) {
                        throw busy;
                    }
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw busy;
                    }
                }
            }
        }
        made.clear();
    }
}
