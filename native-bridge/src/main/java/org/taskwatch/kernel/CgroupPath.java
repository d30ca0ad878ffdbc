package org.taskwatch.kernel;

/**
 * Whose process it is, as its cgroup path tells: the path itself, the systemd unit it derives
 * from, and a container id where the path shows one. Pure: derived from the text alone, so it
 * is the same on a pure v2 server, a hybrid machine and a test's recorded line.
 *
 * <p>The unit is the one {@code systemctl status PID} and {@code ps -o unit} name (systemd's
 * {@code cg_path_get_unit}): the first path component that is not a slice, when it is a unit
 * name ({@code /system.slice/nginx.service} gives {@code nginx.service}, {@code
 * /user.slice/user-1000.slice/session-3.scope} gives {@code session-3.scope}, and everything
 * under {@code user@1000.service} gives {@code user@1000.service}). Unit names stay as systemd
 * writes them, escapes and all ({@code systemd-fsck@dev-disk-by\x2dlabel-root.service}).
 *
 * <p>The container id is the innermost component that is a 64-hex-digit id, bare or as {@code
 * docker-ID.scope} (Docker), {@code libpod-ID.scope} (Podman), {@code crio-ID.scope} (CRI-O) or
 * {@code cri-containerd-ID.scope} (containerd, Kubernetes pods); a runtime's monitor beside the
 * container ({@code libpod-conmon-ID.scope}, {@code crio-conmon-ID.scope}) is not the container.
 *
 * @param path the cgroup path ("" when unknown)
 * @param unit the systemd unit ("" when the path names none)
 * @param container the container id ("" when the path shows none)
 */
public record CgroupPath(String path, String unit, String container) {
    /** Nothing known: the process was gone, or the machine has no cgroups. */
    public static final CgroupPath NONE = new CgroupPath("", "", "");

    private static final String[] UNIT_SUFFIXES = {".service", ".scope", ".slice", ".socket", ".mount",
        ".automount", ".swap", ".target", ".path", ".timer", ".device"};
    private static final String[] RUNTIME_PREFIXES = {"docker-", "libpod-", "crio-", "cri-containerd-"};

    public CgroupPath {
        path = path == null ? "" : path;
        unit = unit == null ? "" : unit;
        container = container == null ? "" : container;
    }

    /** The unit and container that {@code path} shows; {@link #NONE} for null or "". */
    public static CgroupPath of(String path) {
        if (path == null || path.isEmpty()) {
            return NONE;
        }
        String[] parts = path.split("/");
        String unit = "";
        for (String p : parts) {
            if (p.isEmpty() || p.endsWith(".slice")) {
                continue;
            }
            unit = isUnitName(p) ? p : "";
            break;
        }
        String container = "";
        for (int i = parts.length - 1; i >= 0 && container.isEmpty(); i--) {
            container = containerId(parts[i]);
        }
        return new CgroupPath(path, unit, container);
    }

    /** Whether a path component is a systemd unit name: unit characters and a unit type's suffix. */
    public static boolean isUnitName(String s) {
        boolean suffix = false;
        for (String x : UNIT_SUFFIXES) {
            if (s.length() > x.length() && s.endsWith(x)) {
                suffix = true;
                break;
            }
        }
        if (!suffix) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == ':' || c == '-' || c == '_' || c == '.' || c == '\\' || c == '@';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static String containerId(String part) {
        String s = part.endsWith(".scope") ? part.substring(0, part.length() - ".scope".length()) : part;
        for (String prefix : RUNTIME_PREFIXES) {
            if (s.startsWith(prefix)) {
                s = s.substring(prefix.length());
                break;
            }
        }
        return isContainerId(s) ? s : "";
    }

    private static boolean isContainerId(String s) {
        if (s.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }
}
