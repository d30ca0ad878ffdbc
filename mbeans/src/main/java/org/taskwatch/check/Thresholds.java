package org.taskwatch.check;

import java.math.BigDecimal;

/** A warning and a critical range, either may be absent; critical is checked first. */
public record Thresholds(Range warning, Range critical) {
    public static final Thresholds NONE = new Thresholds(null, null);

    public State state(BigDecimal value) {
        if (critical != null && critical.alerts(value)) {
            return State.CRITICAL;
        }
        if (warning != null && warning.alerts(value)) {
            return State.WARNING;
        }
        return State.OK;
    }

    public State state(long value) {
        return state(BigDecimal.valueOf(value));
    }

    /** These thresholds with defaults for whichever of the two the user did not give. */
    public Thresholds orDefaults(String defaultWarning, String defaultCritical) {
        return new Thresholds(warning != null || defaultWarning == null ? warning : Range.parse(defaultWarning),
                critical != null || defaultCritical == null ? critical : Range.parse(defaultCritical));
    }
}
