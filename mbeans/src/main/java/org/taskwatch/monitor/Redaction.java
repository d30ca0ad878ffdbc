package org.taskwatch.monitor;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What the agent masks in every text it sends or serves that may carry a command line
 * (notifications, push messages, metrics, status texts): the matches of one regular expression.
 * Where the expression has capturing groups, only what they captured is masked (so
 * {@code --password=hunter2} keeps its option name and reads {@code --password=***}); without
 * groups the whole match is.
 *
 * <p>Immutable and thread-safe; {@link #apply} allocates only when something is masked or there
 * is a rule at all.
 */
public final class Redaction {
    /** What a masked part reads as. */
    public static final String MASK = "***";
    /** Nothing masked. */
    public static final Redaction NONE = new Redaction(null);
    /**
     * The default rule: the value after a word naming a secret (password, passwd, secret, token,
     * api key, credentials, auth) and '=', ':' or spaces, as in {@code --password hunter2},
     * {@code PGPASSWORD=x}, {@code token:abc}.
     */
    public static final String DEFAULT_RULE =
            "(?i)(?:pass(?:word|wd)?|secret|token|api[-_]?key|credentials?|auth)[=: ] *([^ '\"]+)";

    private final Pattern pattern;

    private Redaction(Pattern pattern) {
        this.pattern = pattern;
    }

    /**
     * The rule {@code regex}; empty: nothing masked.
     *
     * @throws IllegalArgumentException saying what is wrong with the expression
     */
    public static Redaction of(String regex) {
        if (regex == null || regex.isBlank()) {
            return NONE;
        }
        try {
            return new Redaction(Pattern.compile(regex));
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("not a regular expression: " + e.getDescription() + " near index "
                    + e.getIndex(), e);
        }
    }

    /** {@code text} with every match masked; null stays null. */
    public String apply(String text) {
        if (pattern == null || text == null || text.isEmpty()) {
            return text;
        }
        Matcher m = pattern.matcher(text);
        if (!m.find()) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int copied = 0;
        do {
            if (m.groupCount() == 0) {
                out.append(text, copied, m.start()).append(MASK);
                copied = m.end();
            } else {
                for (int g = 1; g <= m.groupCount(); g++) {
                    if (m.start(g) >= copied) {
                        out.append(text, copied, m.start(g)).append(MASK);
                        copied = m.end(g);
                    }
                }
            }
        } while (m.find());
        return out.append(text, copied, text.length()).toString();
    }

    /** Whether anything is masked at all. */
    public boolean active() {
        return pattern != null;
    }

    /** Equal rules: the same expression with the same flags (a settings record compares them). */
    @Override
    public boolean equals(Object o) {
        return o instanceof Redaction r && (pattern == null ? r.pattern == null
                : r.pattern != null && pattern.pattern().equals(r.pattern.pattern()) && pattern.flags() == r.pattern.flags());
    }

    @Override
    public int hashCode() {
        return pattern == null ? 0 : pattern.pattern().hashCode();
    }

    @Override
    public String toString() {
        return pattern == null ? "(none)" : pattern.pattern();
    }
}
