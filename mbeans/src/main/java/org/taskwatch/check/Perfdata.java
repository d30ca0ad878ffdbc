package org.taskwatch.check;

/**
 * One performance data item, {@code 'label'=value[UOM];[warn];[crit];[min];[max]}, with the
 * trailing empty fields dropped as the guidelines allow.
 *
 * @param value already formatted (digits, an optional sign and fraction)
 * @param uom empty, or one of the guidelines' units ({@code s}, {@code %}, {@code B}, {@code c}, ...)
 */
public record Perfdata(String label, String value, String uom, Range warning, Range critical, String min, String max) {
    public static Perfdata of(String label, long value, Thresholds t, Long min, Long max) {
        return new Perfdata(label, Long.toString(value), "", t.warning(), t.critical(),
                min == null ? null : min.toString(), max == null ? null : max.toString());
    }

    public static Perfdata counter(String label, long value) {
        return new Perfdata(label, Long.toString(value), "c", null, null, null, null);
    }

    public String format() {
        StringBuilder b = new StringBuilder();
        b.append('\'').append(label.replace("'", "''")).append("'=").append(value).append(uom);
        String[] rest = {
            warning == null ? "" : warning.toString(),
            critical == null ? "" : critical.toString(),
            min == null ? "" : min,
            max == null ? "" : max,
        };
        int last = rest.length;
        while (last > 0 && rest[last - 1].isEmpty()) {
            last--;
        }
        for (int i = 0; i < last; i++) {
            b.append(';').append(rest[i]);
        }
        return b.toString();
    }
}
