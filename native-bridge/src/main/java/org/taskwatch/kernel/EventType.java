package org.taskwatch.kernel;

import java.util.Locale;

/**
 * What happened to a process, as taskwatch reports it. Unlike the kernel's {@code what}, process
 * and thread events are kept apart: a clone that makes a thread is {@link #THREAD_CREATE}, not
 * {@link #FORK}, and {@link #EXIT} is reported once per process, when its last thread is gone.
 *
 * <p>Each type has a bit for event masks; {@link #parseList} reads the command line's and the
 * MBean's comma-separated lists.
 */
public enum EventType {
    FORK("fork", ProcEventCodec.WHAT_FORK),
    EXEC("exec", ProcEventCodec.WHAT_EXEC),
    EXIT("exit", ProcEventCodec.WHAT_EXIT),
    THREAD_CREATE("thread", ProcEventCodec.WHAT_FORK),
    THREAD_EXIT("thread", ProcEventCodec.WHAT_EXIT),
    COMM("comm", ProcEventCodec.WHAT_COMM),
    UID("uid", ProcEventCodec.WHAT_UID),
    GID("gid", ProcEventCodec.WHAT_GID),
    SID("sid", ProcEventCodec.WHAT_SID),
    PTRACE("ptrace", ProcEventCodec.WHAT_PTRACE),
    COREDUMP("coredump", ProcEventCodec.WHAT_COREDUMP);

    /** Every type. */
    public static final int ALL = (1 << values().length) - 1;

    /** The names {@link #parseList} accepts, in the order the documentation gives them. */
    public static final String NAMES = "fork, exec, exit, thread, comm, uid, gid, sid, ptrace, coredump, all";

    private static final EventType[] VALUES = values();

    private final String listName;
    private final int kernelWhat;

    EventType(String listName, int kernelWhat) {
        this.listName = listName;
        this.kernelWhat = kernelWhat;
    }

    /** This type's bit in an event mask. */
    public int bit() {
        return 1 << ordinal();
    }

    /** The word used for it in event lists: {@code thread} stands for both thread types. */
    public String listName() {
        return listName;
    }

    /** The kernel's {@code what} that carries this type, for the kernel's event-type filter. */
    int kernelWhat() {
        return kernelWhat;
    }

    public boolean in(int mask) {
        return (mask & bit()) != 0;
    }

    static EventType of(int ordinal) {
        return VALUES[ordinal];
    }

    /**
     * Parses a comma-separated list such as {@code "fork,exit"} or {@code "all"} into a mask.
     *
     * @throws IllegalArgumentException naming the unknown word, for an empty list too
     */
    public static int parseList(String list) {
        if (list == null || list.isBlank()) {
            throw new IllegalArgumentException("events: empty list; expected a comma-separated subset of " + NAMES);
        }
        int mask = 0;
        for (String raw : list.split(",", -1)) {
            String word = raw.trim().toLowerCase(Locale.ROOT);
            if (word.equals("all")) {
                mask |= ALL;
                continue;
            }
            int bits = 0;
            for (EventType t : VALUES) {
                if (t.listName.equals(word)) {
                    bits |= t.bit();
                }
            }
            if (bits == 0) {
                throw new IllegalArgumentException("events: unknown event '" + raw.trim() + "' in '" + list
                        + "'; expected a comma-separated subset of " + NAMES);
            }
            mask |= bits;
        }
        return mask;
    }

    /** The list form of a mask, the inverse of {@link #parseList}: {@code all} when every type is in it. */
    public static String toList(int mask) {
        if ((mask & ALL) == ALL) {
            return "all";
        }
        StringBuilder sb = new StringBuilder();
        for (EventType t : VALUES) {
            if (t.in(mask) && t != THREAD_EXIT) {
                if (sb.length() > 0) {
                    sb.append(',');
                }
                sb.append(t.listName);
            }
        }
        return sb.toString();
    }

    /** The kernel event-type mask ({@code proc_input.event_type}) that carries every type in {@code mask}. */
    public static int kernelMask(int mask) {
        int what = 0;
        for (EventType t : VALUES) {
            if (t.in(mask)) {
                what |= t.kernelWhat;
            }
        }
        return what;
    }
}
