package org.taskwatch.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Readers for {@code /proc/PID/...}, for enrichment and for finding processes that were alive
 * before taskwatch started. A process can vanish between any two reads: every reader answers
 * {@code null} (or -1, or an empty list) for a process that is gone or unreadable, and never
 * throws for that. Thread-safe (stateless).
 */
public final class ProcFs {
    private final Path root;

    /** The real {@code /proc}. */
    public static final ProcFs SYSTEM = new ProcFs(Paths.get("/proc"));

    ProcFs(Path root) {
        this.root = root;
    }

    /**
     * A reader of another tree laid out as /proc: for tests, a temporary directory with
     * {@code PID/stat}, {@code PID/comm}, {@code PID/cmdline}, {@code PID/exe} (a symbolic link)
     * and {@code PID/status} files written by hand.
     */
    public static ProcFs at(Path root) {
        return new ProcFs(root);
    }

    /** {@code /proc/PID/comm} without its newline, or null. */
    public String comm(int pid) {
        String s = readSmall(root.resolve(pid + "/comm"));
        return s == null ? null : stripNewline(s);
    }

    /** The target of {@code /proc/PID/exe}, or null (gone, a kernel thread, or no permission). */
    public String exe(int pid) {
        try {
            return Files.readSymbolicLink(root.resolve(pid + "/exe")).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** {@code /proc/PID/cmdline} with its NUL separators turned into spaces, or null. */
    public String cmdline(int pid) {
        String s = readSmall(root.resolve(pid + "/cmdline"));
        if (s == null) {
            return null;
        }
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '\0') {
            end--;
        }
        return s.substring(0, end).replace('\0', ' ');
    }

    /** The parent's pid from {@code /proc/PID/status}, or -1. */
    public int ppid(int pid) {
        return statusField(pid, "PPid:");
    }

    /** The real uid from {@code /proc/PID/status}, or -1. */
    public int uid(int pid) {
        return statusField(pid, "Uid:");
    }

    /** The thread group id of a task (a thread's process), or -1. */
    public int tgid(int pid) {
        return statusField(pid, "Tgid:");
    }

    /**
     * The start time of a process in clock ticks since boot (field 22 of {@code /proc/PID/stat}),
     * or -1. Together with the pid it names one process for ever: a reused pid has a later start.
     */
    public long startTime(int pid) {
        String s = readSmall(root.resolve(pid + "/stat"));
        if (s == null) {
            return -1;
        }
        int close = s.lastIndexOf(')'); // comm may hold spaces and parentheses
        if (close < 0) {
            return -1;
        }
        String[] f = s.substring(close + 2).split(" ");
        // after "pid (comm) ", f[0] is field 3 (state): field 22 is f[19]
        try {
            return f.length > 19 ? Long.parseLong(f[19]) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The wait status of a process that has exited and not yet been reaped (a zombie: field 52
     * of {@code /proc/PID/stat}), or {@link ExitStatus#UNKNOWN_WAIT_STATUS} when it is not a zombie or gone.
     */
    public int zombieWaitStatus(int pid) {
        String s = readSmall(root.resolve(pid + "/stat"));
        int close = s == null ? -1 : s.lastIndexOf(')');
        if (close < 0 || close + 2 >= s.length() || s.charAt(close + 2) != 'Z') {
            return ExitStatus.UNKNOWN_WAIT_STATUS;
        }
        String[] f = s.substring(close + 2).split(" ");
        // after "pid (comm) ", f[0] is field 3: field 52 (exit_code) is f[49]
        try {
            return f.length > 49 ? Integer.parseInt(f[49].trim()) : ExitStatus.UNKNOWN_WAIT_STATUS;
        } catch (NumberFormatException e) {
            return ExitStatus.UNKNOWN_WAIT_STATUS;
        }
    }

    /** The state letter from {@code /proc/PID/stat} ('R', 'S', 'Z', ...), or 0 when gone. */
    public char state(int pid) {
        String s = readSmall(root.resolve(pid + "/stat"));
        if (s == null) {
            return 0;
        }
        int close = s.lastIndexOf(')');
        return close >= 0 && close + 2 < s.length() ? s.charAt(close + 2) : 0;
    }

    public boolean exists(int pid) {
        return Files.isDirectory(root.resolve(Integer.toString(pid)));
    }

    /** Every process now alive (the numeric entries of /proc). */
    public List<Integer> pids() {
        return numericEntries(root);
    }

    /** The thread ids of a process, or an empty list when it is gone. */
    public List<Integer> tasks(int pid) {
        return numericEntries(root.resolve(pid + "/task"));
    }

    private static List<Integer> numericEntries(Path dir) {
        List<Integer> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                int n = parsePid(p.getFileName().toString());
                if (n > 0) {
                    out.add(n);
                }
            }
        } catch (IOException | RuntimeException e) {
            // the directory went away while we read it: what we have is all there is
        }
        return out;
    }

    private static int parsePid(String name) {
        if (name.isEmpty() || name.length() > 10) {
            return -1;
        }
        int n = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    private int statusField(int pid, String key) {
        String s = readSmall(root.resolve(pid + "/status"));
        if (s == null) {
            return -1;
        }
        for (String line : s.split("\n")) {
            if (line.startsWith(key)) {
                String v = line.substring(key.length()).trim();
                int space = v.indexOf('\t') >= 0 ? v.indexOf('\t') : v.indexOf(' ');
                try {
                    return Integer.parseInt(space >= 0 ? v.substring(0, space) : v);
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    private static String readSmall(Path p) {
        try {
            return new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String stripNewline(String s) {
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }
}
