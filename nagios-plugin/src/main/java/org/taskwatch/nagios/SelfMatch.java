package org.taskwatch.nagios;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.taskwatch.kernel.CommandRule;

/**
 * The plugin's own processes, as the agent would match them against a command pattern. A check
 * like {@code --command nginx} run on the agent's host is itself a process whose command line
 * holds "nginx": the agent counts it (and, for {@code --exits}, counts its exit). This class
 * applies the agent's own rule, {@link CommandRule} (copied into the plugin's jar at build from
 * native-bridge, without JNA), to this JVM and to the ancestors that are part of the same
 * invocation (a {@code sh -c '.../check_taskwatch ...'} that runs it), so the checks can leave
 * themselves out. The /proc reads are the plugin's own (Java's file API: no JNA here).
 * Only when the agent is on this host (a loopback URL); elsewhere the plugin is not among the
 * agent's processes.
 */
final class SelfMatch {
    private static final int MAX_ANCESTORS = 4;

    private SelfMatch() {}

    /** How many of the plugin's own processes the agent behind {@code url} counts for {@code regex}. */
    static int count(URI url, String regex) {
        if (!isLoopback(url.getHost())) {
            return 0;
        }
        Pattern p;
        try {
            p = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            return 0; // the agent rejects it, with its own message
        }
        CommandRule rule = new CommandRule();
        long pid = ProcessHandle.current().pid();
        int n = 0;
        for (int level = 0; level <= MAX_ANCESTORS && pid > 1; level++) {
            String cmdline = cmdline(pid);
            if (cmdline == null || (level > 0 && !cmdline.contains("check_taskwatch"))) {
                break; // not part of this check's invocation
            }
            if (rule.matches(p, comm(pid), exe(pid), cmdline)) {
                n++;
            }
            pid = parent(pid);
        }
        return n;
    }

    static boolean isLoopback(String host) {
        return host != null && (host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]"));
    }

    private static String read(long pid, String file) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/" + file)), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String comm(long pid) {
        String s = read(pid, "comm");
        return s == null ? null : s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    private static String exe(long pid) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/" + pid + "/exe")).toString();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String cmdline(long pid) {
        String s = read(pid, "cmdline");
        if (s == null) {
            return null;
        }
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '\0') {
            end--;
        }
        return s.substring(0, end).replace('\0', ' ');
    }

    /** The parent from /proc/PID/stat (after the comm, which may hold spaces and parentheses), or 0. */
    private static long parent(long pid) {
        String stat = read(pid, "stat");
        if (stat == null) {
            return 0;
        }
        int close = stat.lastIndexOf(')');
        // ") S PPID ..."
        int start = close + 4;
        int end = stat.indexOf(' ', start);
        if (close < 0 || start >= stat.length() || end < 0) {
            return 0;
        }
        try {
            return Long.parseLong(stat.substring(start, end));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
