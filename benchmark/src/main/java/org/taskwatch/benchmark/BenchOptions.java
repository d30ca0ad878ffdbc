package org.taskwatch.benchmark;

import java.util.HashMap;
import java.util.Map;

/** The {@code --option value} pairs the benchmark scripts pass to their Java drivers. */
final class BenchOptions {
    private BenchOptions() {}

    static Map<String, String> parse(String[] args) {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --option value, got '" + args[i] + "'");
            }
            opts.put(args[i], args[i + 1]);
        }
        return opts;
    }

    static String required(Map<String, String> opts, String key) {
        String v = opts.get(key);
        if (v == null) {
            throw new IllegalArgumentException("missing " + key);
        }
        return v;
    }
}
