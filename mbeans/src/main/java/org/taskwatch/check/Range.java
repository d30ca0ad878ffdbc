package org.taskwatch.check;

import java.math.BigDecimal;

/**
 * A threshold range in the monitoring-plugins syntax {@code [@]start:end}: alert when the value
 * is outside start..end (both inclusive), or inside it with {@code @}. {@code 10} is {@code 0:10};
 * {@code 10:} has no end; {@code ~:10} has no start. Start must not exceed end.
 */
public final class Range {
    private final BigDecimal start; // null: negative infinity
    private final BigDecimal end; // null: positive infinity
    private final boolean inside;

    private Range(BigDecimal start, BigDecimal end, boolean inside) {
        this.start = start;
        this.end = end;
        this.inside = inside;
    }

    /** Parses a range; the message of the exception says what is wrong with it. */
    public static Range parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("empty range");
        }
        String s = text;
        boolean inside = s.charAt(0) == '@';
        if (inside) {
            s = s.substring(1);
        }
        int colon = s.indexOf(':');
        BigDecimal start;
        BigDecimal end;
        if (colon < 0) {
            start = BigDecimal.ZERO;
            end = number(s, text);
        } else {
            if (s.indexOf(':', colon + 1) >= 0) {
                throw new IllegalArgumentException(new StringBuilder("range '").append(text).append("' has more than one ':'")
                        .toString());
            }
            String a = s.substring(0, colon);
            String b = s.substring(colon + 1);
            start = a.equals("~") ? null : a.isEmpty() ? BigDecimal.ZERO : number(a, text);
            end = b.isEmpty() ? null : number(b, text);
            if (start == null && end == null) {
                throw new IllegalArgumentException(new StringBuilder("range '").append(text)
                        .append("' has neither a start nor an end").toString());
            }
        }
        if (start != null && end != null && start.compareTo(end) > 0) {
            throw new IllegalArgumentException(new StringBuilder("range '").append(text).append("': start ")
                    .append(start.toPlainString()).append(" is greater than end ").append(end.toPlainString()).toString());
        }
        return new Range(start, end, inside);
    }

    private static BigDecimal number(String s, String range) {
        // digits with an optional sign and fraction; no exponent, no infinity words
        int i = 0;
        int n = s.length();
        if (i < n && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
            i++;
        }
        int digits = 0;
        boolean dot = false;
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                digits++;
            } else if (c == '.' && !dot) {
                dot = true;
            } else {
                digits = -1;
                break;
            }
        }
        if (digits <= 0) {
            throw new IllegalArgumentException(new StringBuilder("range '").append(range).append("': '").append(s)
                    .append("' is not a number (ranges are [@]start:end, start may be ~)").toString());
        }
        return new BigDecimal(s);
    }

    /** Whether {@code value} raises an alert for this range. */
    public boolean alerts(double value) {
        return alerts(BigDecimal.valueOf(value));
    }

    public boolean alerts(BigDecimal value) {
        boolean within = (start == null || value.compareTo(start) >= 0) && (end == null || value.compareTo(end) <= 0);
        return inside == within;
    }

    /** The range in canonical syntax, as perfdata carries it: {@code 10}, {@code 10:}, {@code ~:10}, {@code @10:20}. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        if (inside) {
            b.append('@');
        }
        if (start == null) {
            b.append("~:");
        } else if (start.signum() != 0 || end == null) {
            b.append(start.toPlainString()).append(':');
        }
        if (end != null) {
            b.append(end.toPlainString());
        }
        return b.toString();
    }
}
