package org.taskwatch.nagios;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashSet;
import java.util.Set;
import org.taskwatch.check.Range;
import org.taskwatch.check.Thresholds;

/**
 * The command line, parsed the way getopt_long does for the C plugins: short options may be
 * bundled ({@code -vvv}) and take their value attached or as the next word ({@code -w10},
 * {@code -w 10}); long options take it as {@code --name=value} or {@code --name value}; {@code --}
 * ends the options. Anything unknown, missing or contradictory is a {@link UsageException}.
 */
final class Options {
    static final String DEFAULT_URL = "http://127.0.0.1:8778/jolokia/";
    static final int DEFAULT_TIMEOUT = 10;
    static final int DEFAULT_WINDOW = 300;
    static final int MAX_WINDOW = 86_400;
    /** {@code --push}: WARNING once a message has waited longer than this for its destination. */
    static final int DEFAULT_MAX_WAIT = 120;
    static final int MAX_RATE_WINDOW = 3_600;

    /** A bad command line; the message says which option and why. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    enum Mode {
        ALIVE("--alive"), PIDFILE("--pidfile"), COMMAND("--command"), EXITS("--exits"), RATE("--rate"), HEALTH("--health"),
        WATCH("--watch"), LIST_WATCHES("--list-watches"), PUSH("--push");

        final String option;

        Mode(String option) {
            this.option = option;
        }
    }

    Mode mode;
    int pid;
    String pidfile;
    String regex;
    boolean nonzero;
    Integer window;
    Integer maxWait;
    String rateType;
    String watchName;
    URI url;
    String user;
    String password;
    int timeoutSeconds = DEFAULT_TIMEOUT;
    Range warning;
    Range critical;
    int verbosity;
    boolean raw;
    boolean rawState;
    boolean help;
    boolean version;

    private final Set<String> seen = new HashSet<>();

    private Options() {}

    static Options parse(String... args) throws UsageException {
        Options o = new Options();
        o.read(args);
        if (!o.help && !o.version) {
            o.validate();
        }
        return o;
    }

    private void read(String[] args) throws UsageException {
        for (int k = 0; k < args.length; k++) {
            String a = args[k];
            if (a.equals("--")) {
                if (k + 1 < args.length) {
                    throw new UsageException("unexpected argument '" + args[k + 1] + "'");
                }
                return;
            }
            if (a.startsWith("--")) {
                int eq = a.indexOf('=');
                String name = eq < 0 ? a.substring(2) : a.substring(2, eq);
                String attached = eq < 0 ? null : a.substring(eq + 1);
                if (takesValue(name)) {
                    String v = attached;
                    if (v == null) {
                        if (k + 1 >= args.length) {
                            throw new UsageException("option '--" + name + "' needs a value");
                        }
                        v = args[++k];
                    }
                    set(name, v);
                } else if (isFlag(name)) {
                    if (attached != null) {
                        throw new UsageException("option '--" + name + "' takes no value");
                    }
                    flag(name);
                } else {
                    throw new UsageException("unknown option '--" + name + "'");
                }
            } else if (a.startsWith("-") && a.length() > 1) {
                for (int j = 1; j < a.length(); j++) {
                    char c = a.charAt(j);
                    String name = shortName(c);
                    if (name == null) {
                        throw new UsageException("unknown option '-" + c + "'");
                    }
                    if (takesValue(name)) {
                        String v;
                        if (j + 1 < a.length()) {
                            v = a.substring(j + 1);
                        } else if (k + 1 < args.length) {
                            v = args[++k];
                        } else {
                            throw new UsageException("option '-" + c + "' needs a value");
                        }
                        set(name, v);
                        break;
                    }
                    flag(name);
                }
            } else {
                throw new UsageException("unexpected argument '" + a + "'");
            }
            if (help || version) {
                return; // like the C plugins: help and version act at once
            }
        }
    }

    private static String shortName(char c) {
        switch (c) {
            case 'U': return "url";
            case 't': return "timeout";
            case 'w': return "warning";
            case 'c': return "critical";
            case 'v': return "verbose";
            case 'h': return "help";
            case 'V': return "version";
            default: return null;
        }
    }

    private static boolean takesValue(String name) {
        switch (name) {
            case "url": case "timeout": case "warning": case "critical": case "alive": case "pidfile":
            case "command": case "exits": case "window": case "rate": case "user": case "password": case "watch":
            case "max-wait":
                return true;
            default:
                return false;
        }
    }

    private static boolean isFlag(String name) {
        switch (name) {
            case "nonzero": case "health": case "raw": case "raw-state": case "list-watches": case "push": case "verbose": case "help":
            case "version":
                return true;
            default:
                return false;
        }
    }

    private void once(String name) throws UsageException {
        if (!seen.add(name)) {
            throw new UsageException("option '--" + name + "' given twice");
        }
    }

    private void set(String name, String v) throws UsageException {
        once(name);
        switch (name) {
            case "url": url = url(v); break;
            case "timeout": timeoutSeconds = whole("--timeout", v, 1, 3600); break;
            case "warning": warning = range("--warning", v); break;
            case "critical": critical = range("--critical", v); break;
            case "alive": mode(Mode.ALIVE); pid = whole("--alive", v, 1, Integer.MAX_VALUE); break;
            case "pidfile":
                mode(Mode.PIDFILE);
                if (v.isEmpty()) {
                    throw new UsageException("--pidfile needs a file name");
                }
                pidfile = v;
                break;
            case "command": mode(Mode.COMMAND); regex = pattern("--command", v); break;
            case "exits": mode(Mode.EXITS); regex = pattern("--exits", v); break;
            case "window": window = whole("--window", v, 1, MAX_WINDOW); break;
            case "max-wait": maxWait = whole("--max-wait", v, 1, MAX_WINDOW); break;
            case "rate":
                mode(Mode.RATE);
                if (!v.equals("fork") && !v.equals("exec") && !v.equals("exit")) {
                    throw new UsageException("--rate takes fork, exec or exit, got '" + v + "'");
                }
                rateType = v;
                break;
            case "watch":
                mode(Mode.WATCH);
                if (!v.matches("[A-Za-z0-9_-]{1,64}")) {
                    throw new UsageException("--watch takes the name of a watch declared in the agent's configuration"
                            + " (letters, digits, '_' and '-'), got '" + v + "'");
                }
                watchName = v;
                break;
            case "user": user = v; break;
            case "password": password = v; break;
            default: throw new IllegalStateException(name);
        }
    }

    private void flag(String name) throws UsageException {
        switch (name) {
            case "verbose": verbosity = Math.min(3, verbosity + 1); return;
            case "help": help = true; return;
            case "version": version = true; return;
            default: break;
        }
        once(name);
        switch (name) {
            case "nonzero": nonzero = true; break;
            case "health": mode(Mode.HEALTH); break;
            case "raw": raw = true; break;
            case "raw-state": rawState = true; break;
            case "list-watches": mode(Mode.LIST_WATCHES); break;
            case "push": mode(Mode.PUSH); break;
            default: throw new IllegalStateException(name);
        }
    }

    private void mode(Mode m) throws UsageException {
        if (mode != null) {
            throw new UsageException(mode.option + " and " + m.option + " cannot be combined: choose one mode");
        }
        mode = m;
    }

    private void validate() throws UsageException {
        if (mode == null) {
            throw new UsageException("choose one mode: --alive PID, --pidfile FILE, --command REGEX, --exits REGEX,"
                    + " --rate fork|exec|exit, --health, --watch NAME, --list-watches or --push");
        }
        if (raw && rawState) {
            throw new UsageException("--raw and --raw-state cannot be combined: --raw prints the value, --raw-state the state");
        }
        if (mode == Mode.LIST_WATCHES && (warning != null || critical != null || window != null)) {
            throw new UsageException("--list-watches takes no -w/-c or --window: it lists the declared watches' names");
        }
        if (maxWait != null && mode != Mode.PUSH) {
            throw new UsageException("--max-wait only applies to --push");
        }
        if (mode == Mode.PUSH && window != null) {
            throw new UsageException("--window does not apply to --push: its counts are since the agent started");
        }
        boolean process = mode == Mode.ALIVE || mode == Mode.PIDFILE;
        if (process && (warning != null || critical != null)) {
            throw new UsageException(mode.option + " takes no -w/-c: it is CRITICAL when the process is gone");
        }
        if (process && window != null) {
            throw new UsageException("--window does not apply to " + mode.option);
        }
        if (nonzero && mode != Mode.EXITS) {
            throw new UsageException("--nonzero only applies to --exits");
        }
        if (mode == Mode.RATE && window != null && window > MAX_RATE_WINDOW) {
            throw new UsageException("--window for --rate must be 1 to " + MAX_RATE_WINDOW + ", got " + window);
        }
        if ((user == null) != (password == null)) {
            throw new UsageException("--user and --password go together");
        }
        if (url == null) {
            url = url(DEFAULT_URL);
        }
    }

    int maxWait() {
        return maxWait == null ? DEFAULT_MAX_WAIT : maxWait;
    }

    int window() {
        return window == null ? DEFAULT_WINDOW : window;
    }

    Thresholds thresholds() {
        return new Thresholds(warning, critical);
    }

    private static int whole(String option, String v, int min, int max) throws UsageException {
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageException(option + " needs a whole number, got '" + v + "'");
        }
        if (n < min || n > max) {
            throw new UsageException(option + " must be " + min + " to " + max + ", got " + v);
        }
        return (int) n;
    }

    private static Range range(String option, String v) throws UsageException {
        try {
            return Range.parse(v);
        } catch (IllegalArgumentException e) {
            throw new UsageException(option + ": " + e.getMessage());
        }
    }

    private static String pattern(String option, String v) throws UsageException {
        if (v.isEmpty()) {
            throw new UsageException(option + " needs a regular expression");
        }
        return v;
    }

    static URI url(String v) throws UsageException {
        if (!v.startsWith("http://") && !v.startsWith("https://")) {
            throw new UsageException("--url must be an http:// or https:// URL, got '" + v + "'");
        }
        URI u;
        try {
            u = new URI(v);
        } catch (URISyntaxException e) {
            throw new UsageException("--url: '" + v + "' is not a URL: " + e.getReason());
        }
        if (u.getHost() == null) {
            throw new UsageException("--url has no host: '" + v + "'");
        }
        if (u.getRawUserInfo() != null) {
            throw new UsageException("--url must not hold credentials: use --user and --password");
        }
        return u;
    }
}
