package org.taskwatch.jolokia;

/**
 * How deeply JSON text nests, counted without parsing it. Jolokia's parser descends one Java
 * stack frame per level, so an array nested 10,000 deep ends in a StackOverflowError; this
 * count is taken first, in a loop, and deep text never reaches the parser.
 *
 * <p>Brackets inside strings do not count. The count agrees with the parser up to where the
 * parser would fail: a quote outside a string either opens one, as here, or is a syntax error.
 */
final class JsonDepth {
    private JsonDepth() {}

    /** The deepest nesting of arrays and objects in {@code text}, or {@code limit + 1} once it goes beyond {@code limit}. */
    static int of(CharSequence text, int limit) {
        int depth = 0;
        int deepest = 0;
        boolean inString = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++; // the escaped character, whatever it is
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '[' || c == '{') {
                depth++;
                if (depth > deepest) {
                    deepest = depth;
                    if (deepest > limit) {
                        return limit + 1;
                    }
                }
            } else if (c == ']' || c == '}') {
                depth--;
            }
        }
        return deepest;
    }
}
