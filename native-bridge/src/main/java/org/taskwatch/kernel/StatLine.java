package org.taskwatch.kernel;

import java.nio.ByteBuffer;

/**
 * Reading a {@code /proc/PID/stat} line held in a buffer: {@code pid (comm) state ppid ...}.
 * comm may hold spaces and parentheses, so it runs from the first '(' to the last ')', and the
 * space-separated fields start after that (field 3, the state, two bytes on). Allocates nothing.
 */
final class StatLine {
    private StatLine() {}

    /** Where the '(' before comm is in the first {@code len} bytes, or -1. */
    static int commOpen(ByteBuffer b, int len) {
        for (int i = 0; i < len; i++) {
            if (b.get(i) == '(') {
                return i;
            }
        }
        return -1;
    }

    /** Where the last ')' after {@code open} is, or -1. */
    static int commClose(ByteBuffer b, int len, int open) {
        for (int i = len - 1; i > open; i--) {
            if (b.get(i) == ')') {
                return i;
            }
        }
        return -1;
    }

    /** Where the field starting at {@code from} ends (a space, the newline, or {@code len}). */
    static int fieldEnd(ByteBuffer b, int from, int len) {
        int end = from;
        while (end < len && b.get(end) != ' ' && b.get(end) != '\n') {
            end++;
        }
        return end;
    }

    /**
     * Where field {@code field} (numbered from 1 as in proc(5); 3 is the state) of the line in the
     * first {@code len} bytes starts, or -1 when the line has no such field or no comm.
     */
    static int fieldStart(ByteBuffer b, int len, int field) {
        int open = commOpen(b, len);
        int close = open < 0 ? -1 : commClose(b, len, open);
        if (close < 0 || field < 3) {
            return -1;
        }
        int pos = close + 2;
        for (int f = 3; f < field; f++) {
            pos = fieldEnd(b, pos, len) + 1;
        }
        return pos < len ? pos : -1;
    }

    /** Decimal digits in [from, to) as a non-negative long, or -1. */
    static long parseUnsigned(ByteBuffer b, int from, int to) {
        if (from >= to || to - from > 18) {
            return -1;
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            int c = b.get(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
