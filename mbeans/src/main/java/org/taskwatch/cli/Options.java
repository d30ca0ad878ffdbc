package org.taskwatch.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A small command-line parser: {@code --name value}, {@code --flag}, and positional words. */
final class Options {
    /** A usage error; the message says which option and why. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    private final String[] args;
    private final Map<String, String> values = new HashMap<>();
    private final Map<String, List<String>> repeated = new HashMap<>();
    private final Set<String> flags = new HashSet<>();
    private final List<String> positional = new ArrayList<>();
    private boolean parsed;

    Options(String[] args) {
        this.args = args;
    }

    /** Parses with the given options that take a value and the given flags; anything else is an error. */
    Options parse(Set<String> withValue, Set<String> withoutValue) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (withValue.contains(a)) {
                if (i + 1 >= args.length) {
                    throw new UsageException(a + " needs a value");
                }
                values.put(a, args[++i]);
                repeated.computeIfAbsent(a, k -> new ArrayList<>()).add(values.get(a));
            } else if (withoutValue.contains(a)) {
                flags.add(a);
            } else if (a.startsWith("--") && a.contains("=") && withValue.contains(a.substring(0, a.indexOf('=')))) {
                String name = a.substring(0, a.indexOf('='));
                values.put(name, a.substring(a.indexOf('=') + 1));
                repeated.computeIfAbsent(name, k -> new ArrayList<>()).add(values.get(name));
            } else if (a.startsWith("-") && a.length() > 1 && !isNumber(a)) {
                throw new UsageException("unknown option " + a);
            } else {
                positional.add(a);
            }
        }
        parsed = true;
        return this;
    }

    private static boolean isNumber(String s) {
        try {
            Long.parseLong(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    String value(String name) {
        check();
        return values.get(name);
    }

    /** Every value of an option given more than once, in order (empty when absent). */
    List<String> values(String name) {
        check();
        return repeated.getOrDefault(name, List.of());
    }

    boolean flag(String name) {
        check();
        return flags.contains(name);
    }

    List<String> positional() {
        check();
        return positional;
    }

    /** An int option within [min, max], or {@code missing} when absent. */
    int intValue(String name, int missing, int min, int max) {
        String v = value(name);
        return v == null ? missing : parseInt(name, v, min, max);
    }

    static int parseInt(String what, String v, int min, int max) {
        try {
            long n = Long.parseLong(v.trim());
            if (n < min || n > max) {
                throw new UsageException(what + " must be " + min + " to " + max + ", got " + v);
            }
            return (int) n;
        } catch (NumberFormatException e) {
            throw new UsageException(what + " must be a whole number, got '" + v + "'");
        }
    }

    private void check() {
        if (!parsed) {
            throw new IllegalStateException("parse first");
        }
    }
}
