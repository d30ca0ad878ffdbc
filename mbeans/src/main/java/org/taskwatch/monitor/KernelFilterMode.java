package org.taskwatch.monitor;

import java.util.Locale;

/**
 * The {@code kernelFilter} setting: whether the kernel may drop events no watch needs, and on
 * what terms.
 */
public enum KernelFilterMode {
    /** Every event is read. */
    OFF,
    /**
     * The kernel counts every event first ({@link org.taskwatch.kernel.KernelCounts}: eBPF,
     * CAP_BPF), so the system-wide counters and {@code waitForExit} after the fact stay true, and
     * then filters; where it cannot count, every event is read. The default.
     */
    COUNTED,
    /** A classic BPF filter without counting (no privilege needed): the counters count only what passes. */
    AUTO;

    /** The setting's word. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the setting and the words it takes */
    public static KernelFilterMode parse(String word) {
        for (KernelFilterMode m : values()) {
            if (m.word().equalsIgnoreCase(word == null ? "" : word.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("kernelFilter: expected off, counted or auto, got '" + word + "'");
    }
}
