package org.taskwatch.kernel;

/**
 * A string whose characters may be read only so many times: a regex search over it stops
 * (with {@link #EXCEEDED}) once it has taken {@code budget} steps, so a pattern with
 * catastrophic backtracking such as {@code (a+)+b} cannot hang the reader thread on a long
 * command line. Java's regex engine reads its input only through {@link #charAt}, which makes
 * this count a fair measure of its work.
 *
 * <p>One instance per {@link CommandRule}, reused for every search: no allocation per match.
 */
final class BudgetedText implements CharSequence {
    /** Thrown when a search has used its budget; shared and without a stack trace (cheap). */
    static final RuntimeException EXCEEDED = new RuntimeException("regex step budget exceeded", null, false, false) {
        private static final long serialVersionUID = 1L;
    };

    private final long budget;
    private String text = "";
    private long left;

    BudgetedText(long budget) {
        this.budget = budget;
    }

    /** Points at {@code s} with a full budget. */
    BudgetedText reset(String s) {
        text = s;
        left = budget;
        return this;
    }

    @Override
    public char charAt(int index) {
        if (--left < 0) {
            throw EXCEEDED;
        }
        return text.charAt(index);
    }

    @Override
    public int length() {
        return text.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return text.subSequence(start, end); // only for groups of a finished match: not counted
    }

    @Override
    public String toString() {
        return text;
    }
}
