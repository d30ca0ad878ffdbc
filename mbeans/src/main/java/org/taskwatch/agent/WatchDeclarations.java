package org.taskwatch.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.taskwatch.kernel.CgroupPattern;
import org.taskwatch.kernel.EventType;
import org.taskwatch.monitor.Expectation;
import org.taskwatch.monitor.ServiceSpec;

/**
 * The {@code watch.NAME.PROPERTY} keys of the configuration file: one declared watch per NAME.
 * The fixed keys are {@link ConfigKey}'s; this family is parsed and checked here, with the same
 * rule: a bad name, kind, regex or range fails with the key, the bad value and what would be
 * right. The README's "Declared watches" table lists the same properties (a test keeps it so).
 */
final class WatchDeclarations {
    static final String PREFIX = "watch.";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /** Every property of a declared watch, with its default ("" for none) and meaning. */
    enum Property {
        MATCH("match", "", "what to follow: command:REGEX (every process whose comm, exe path or command line matches,"
                + " found in /proc at start, then at exec; their forks too), pidfile:PATH (the process the file names;"
                + " followed when it names another), pid:N, tree:PID (a process and its descendants), unit:NAME (every"
                + " process of a systemd unit, such as unit:nginx.service) or cgroup:PATH (every process in a cgroup and"
                + " below it, such as cgroup:/system.slice/nginx.service). Required"),
        EVENTS("events", "", "the events notified for it, as for watch(): at least exit, and exec for a command, unit"
                + " or cgroup watch (the counters need them). Default: exec,exit for those, exit for the others"),
        EXPECT("expect", "1:", "running processes expected, a Nagios range: 1:8, 1: (at least one), 0: (any),"
                + " @0 (not 0); outside it the state is critical"),
        DESCENDANTS("descendants", "false", "pidfile: also follow the process's descendants (its workers)"),
        RESTART_WITHIN_SECONDS("restartWithinSeconds", "60", "a start this soon after an exit of the same watch counts"
                + " as a restart"),
        CRASH_LOOP_RESTARTS("crashLoopRestarts", "5", "this many restarts within crashLoopWindowSeconds is a crash loop"
                + " (state critical)"),
        CRASH_LOOP_WINDOW_SECONDS("crashLoopWindowSeconds", "300", "the crash loop's window"),
        EXIT_WARNING_SECONDS("exitWarningSeconds", "300", "after a non-zero exit the state is a warning this long"
                + " (0: never)");

        final String key;
        final String defaultValue;
        final String meaning;

        Property(String key, String defaultValue, String meaning) {
            this.key = key;
            this.defaultValue = defaultValue;
            this.meaning = meaning;
        }

        static Property of(String key) {
            for (Property p : values()) {
                if (p.key.equals(key)) {
                    return p;
                }
            }
            return null;
        }
    }

    private WatchDeclarations() {}

    /**
     * The declared watches of {@code keys} (every key starts with {@value #PREFIX}), sorted by name.
     *
     * @throws IllegalArgumentException naming the first bad key, its value and the fix
     */
    static List<ServiceSpec> parse(Map<String, String> keys, int maxPatternLength) {
        Map<String, Map<Property, String>> byName = new TreeMap<>();
        for (Map.Entry<String, String> e : keys.entrySet()) {
            String key = e.getKey().trim();
            String rest = key.substring(PREFIX.length());
            int dot = rest.lastIndexOf('.');
            if (dot <= 0) {
                throw new IllegalArgumentException(key + ": a declared watch's key is watch.NAME.PROPERTY, e.g."
                        + " watch.nginx.match = command:^/usr/sbin/nginx");
            }
            String name = rest.substring(0, dot);
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(key + ": the watch name '" + name + "' may only have letters, digits,"
                        + " '_' and '-' (at most 64): it names an MBean and Zabbix items");
            }
            Property p = Property.of(rest.substring(dot + 1));
            if (p == null) {
                throw new IllegalArgumentException(key + ": unknown property '" + rest.substring(dot + 1) + "'; a declared"
                        + " watch has " + propertyList());
            }
            byName.computeIfAbsent(name, n -> new TreeMap<>()).put(p, e.getValue().trim());
        }
        List<ServiceSpec> out = new ArrayList<>();
        for (Map.Entry<String, Map<Property, String>> e : byName.entrySet()) {
            out.add(spec(e.getKey(), e.getValue(), maxPatternLength));
        }
        return out;
    }

    private static String propertyList() {
        List<String> names = new ArrayList<>();
        for (Property p : Property.values()) {
            names.add(p.key);
        }
        return String.join(", ", names);
    }

    private static ServiceSpec spec(String name, Map<Property, String> v, int maxPatternLength) {
        String prefix = PREFIX + name + ".";
        String match = v.get(Property.MATCH);
        if (match == null || match.isEmpty()) {
            throw new IllegalArgumentException(prefix + "match: missing; every declared watch needs one, e.g. "
                    + prefix + "match = command:^/usr/sbin/nginx or pidfile:/run/nginx.pid");
        }
        int colon = match.indexOf(':');
        String word = colon < 0 ? "" : match.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String target = colon < 0 ? "" : match.substring(colon + 1).trim();
        ServiceSpec.Kind kind = switch (word) {
            case "command" -> ServiceSpec.Kind.COMMAND;
            case "pidfile" -> ServiceSpec.Kind.PIDFILE;
            case "pid" -> ServiceSpec.Kind.PID;
            case "tree" -> ServiceSpec.Kind.TREE;
            case "unit" -> ServiceSpec.Kind.UNIT;
            case "cgroup" -> ServiceSpec.Kind.CGROUP;
            default -> throw new IllegalArgumentException(prefix + "match: must be command:REGEX, pidfile:PATH, pid:N,"
                    + " tree:PID, unit:NAME or cgroup:PATH, got '" + match + "'");
        };
        switch (kind) {
            case COMMAND -> checkRegex(prefix + "match", target, maxPatternLength);
            case UNIT, CGROUP -> {
                try {
                    target = (kind == ServiceSpec.Kind.UNIT ? CgroupPattern.unit(target) : CgroupPattern.cgroup(target))
                            .target();
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(prefix + "match: " + e.getMessage(), e);
                }
            }
            case PIDFILE -> {
                if (!target.startsWith("/")) {
                    throw new IllegalArgumentException(prefix + "match: the pid file must be an absolute path, e.g."
                            + " pidfile:/run/nginx.pid, got '" + match + "'");
                }
            }
            default -> {
                long pid = number(prefix + "match", target, kind == ServiceSpec.Kind.TREE ? 2 : 1, Integer.MAX_VALUE);
                target = Long.toString(pid);
            }
        }
        if (v.containsKey(Property.DESCENDANTS) && kind != ServiceSpec.Kind.PIDFILE) {
            throw new IllegalArgumentException(prefix + "descendants: only for pidfile watches (a tree watch follows"
                    + " descendants anyway)");
        }
        String d = v.getOrDefault(Property.DESCENDANTS, "false");
        if (!d.equalsIgnoreCase("true") && !d.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException(prefix + "descendants: must be true or false, got '" + d + "'");
        }
        int required = ServiceSpec.requiredMask(kind);
        int mask = required;
        String events = v.get(Property.EVENTS);
        if (events != null) {
            try {
                mask = EventType.parseList(events);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(prefix + "events: " + e.getMessage(), e);
            }
            if ((mask & required) != required) {
                throw new IllegalArgumentException(prefix + "events: must include " + EventType.toList(required)
                        + " (the watch's counters and state need them), got '" + events + "'");
            }
        }
        Expectation expect;
        try {
            expect = Expectation.parse(v.getOrDefault(Property.EXPECT, Property.EXPECT.defaultValue));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(prefix + "expect: " + e.getMessage(), e);
        }
        return new ServiceSpec(name, kind, target, Boolean.parseBoolean(d), mask, expect,
                (int) number(prefix, v, Property.RESTART_WITHIN_SECONDS, 1, 86_400),
                (int) number(prefix, v, Property.CRASH_LOOP_RESTARTS, 1, 1000),
                (int) number(prefix, v, Property.CRASH_LOOP_WINDOW_SECONDS, 1, 7 * 86_400),
                (int) number(prefix, v, Property.EXIT_WARNING_SECONDS, 0, 7 * 86_400));
    }

    private static void checkRegex(String key, String regex, int maxPatternLength) {
        if (regex.isEmpty()) {
            throw new IllegalArgumentException(key + ": empty regex; give a pattern such as command:^/usr/sbin/nginx");
        }
        if (regex.length() > maxPatternLength) {
            throw new IllegalArgumentException(key + ": the regex has " + regex.length() + " characters, more than "
                    + ConfigKey.MAX_PATTERN_LENGTH.key() + " = " + maxPatternLength);
        }
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(key + ": invalid regex '" + regex + "': " + e.getDescription()
                    + " near index " + e.getIndex(), e);
        }
    }

    private static long number(String prefix, Map<Property, String> v, Property p, long min, long max) {
        return number(prefix + p.key, v.getOrDefault(p, p.defaultValue), min, max);
    }

    private static long number(String key, String text, long min, long max) {
        try {
            long n = Long.parseLong(text);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException(key + ": must be a whole number from " + min + " to " + max + ", got '"
                + text + "'");
    }
}
