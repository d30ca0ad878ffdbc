package org.taskwatch.monitor;

/**
 * How many processes a declared watch expects, in the monitoring-plugins range syntax
 * {@code [@]start:end} over whole numbers: {@code 1:8} is 1 to 8, {@code 1:} at least one,
 * {@code ~:3} at most 3, {@code 5} is 0 to 5, {@code @0} anything but 0.
 *
 * <p>The same syntax as {@code check_taskwatch}'s {@code Range}, parsed here again on purpose:
 * the plugin depends on nothing but the JDK (no agent jar on a Nagios host), and the agent
 * needs whole numbers only.
 */
public record Expectation(long start, long end, boolean inside, String text) {
    /** @throws IllegalArgumentException saying what is wrong, with the syntax */
    public static Expectation parse(String text) {
        String s = text == null ? "" : text.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty range (write e.g. 1:8, 1: or ~:3)");
        }
        boolean inside = s.charAt(0) == '@';
        String body = inside ? s.substring(1) : s;
        int colon = body.indexOf(':');
        long start;
        long end;
        if (colon < 0) {
            start = 0;
            end = number(body, s);
        } else {
            if (body.indexOf(':', colon + 1) >= 0) {
                throw new IllegalArgumentException("range '" + s + "' has more than one ':'");
            }
            String a = body.substring(0, colon);
            String b = body.substring(colon + 1);
            start = a.equals("~") ? Long.MIN_VALUE : a.isEmpty() ? 0 : number(a, s);
            end = b.isEmpty() ? Long.MAX_VALUE : number(b, s);
        }
        if (start > end) {
            throw new IllegalArgumentException("range '" + s + "': start " + start + " is greater than end " + end);
        }
        return new Expectation(start, end, inside, s);
    }

    private static long number(String n, String range) {
        try {
            return Long.parseLong(n);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("range '" + range + "': '" + n + "' is not a whole number"
                    + " (ranges are [@]start:end; start may be ~, an empty end has no bound)", e);
        }
    }

    /** Whether {@code value} is outside what is expected. */
    public boolean alerts(long value) {
        boolean within = value >= start && value <= end;
        return inside == within;
    }

    /**
     * -1 when {@code value} is below what is expected, 1 when above, 0 when as expected (for
     * Zabbix's "fewer" and "more" triggers). A value inside an {@code @} range is "more": such a
     * range forbids a band, and the band's end is the nearest way out of it upwards.
     */
    public int compare(long value) {
        if (!alerts(value)) {
            return 0;
        }
        return !inside && value < start ? -1 : 1;
    }

    @Override
    public String toString() {
        return text;
    }
}
