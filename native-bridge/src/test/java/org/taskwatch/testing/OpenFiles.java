package org.taskwatch.testing;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What this JVM holds open, as the kernel lists it in {@code /proc/self/fd}: pidfds, and proc
 * connector sockets (netlink sockets of protocol 11, NETLINK_CONNECTOR, found by inode in
 * {@code /proc/net/netlink}), taskstats listeners (protocol 16, NETLINK_GENERIC). An independent
 * check that a source released what it held.
 */
public final class OpenFiles {
    private static final int NETLINK_CONNECTOR = 11;
    private static final int NETLINK_GENERIC = 16;

    private OpenFiles() {}

    /** Open pidfds of this process. */
    public static int pidfds() throws IOException {
        int n = 0;
        for (String target : targets()) {
            if (target.contains("pidfd")) {
                n++;
            }
        }
        return n;
    }

    /** Open descriptors of this process. */
    public static int count() throws IOException {
        return targets().size();
    }

    /** Open descriptors of this process that name {@code target} (a file's path). */
    public static int named(String target) throws IOException {
        int n = 0;
        for (String t : targets()) {
            if (t.equals(target)) {
                n++;
            }
        }
        return n;
    }

    /** Open proc connector (NETLINK_CONNECTOR) sockets of this process. */
    public static int connectorSockets() throws IOException {
        return netlinkSockets(NETLINK_CONNECTOR);
    }

    /** Open generic netlink sockets (NETLINK_GENERIC: taskstats listeners) of this process. */
    public static int genericNetlinkSockets() throws IOException {
        return netlinkSockets(NETLINK_GENERIC);
    }

    private static int netlinkSockets(int protocol) throws IOException {
        Set<String> inodes = new HashSet<>();
        List<String> lines = Files.readAllLines(Path.of("/proc/net/netlink"));
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 10 && f[1].equals(Integer.toString(protocol))) {
                inodes.add(f[9]);
            }
        }
        int n = 0;
        for (String target : targets()) {
            if (target.startsWith("socket:[") && inodes.contains(target.substring(8, target.length() - 1))) {
                n++;
            }
        }
        return n;
    }

    private static List<String> targets() throws IOException {
        List<String> out = new java.util.ArrayList<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    out.add(Files.readSymbolicLink(fd).toString());
                } catch (IOException closedMeanwhile) {
                    // the directory stream's own fd, or one closed while we looked
                }
            }
        }
        return out;
    }
}
