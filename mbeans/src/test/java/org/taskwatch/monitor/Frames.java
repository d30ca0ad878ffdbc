package org.taskwatch.monitor;

import org.taskwatch.kernel.EventFrame;
import org.taskwatch.kernel.ProcEventCodec;
import org.taskwatch.kernel.ProcMessageBuilder;

/** Hand-built proc connector messages, decoded by the real codec into the frames the reader hands on. */
final class Frames {
    private Frames() {}

    static EventFrame fork(int parent, int child, long nanos) {
        return decode(ProcMessageBuilder.fork(parent, parent, child, child).header(0, nanos, 1));
    }

    static EventFrame exec(int pid, long nanos) {
        return decode(ProcMessageBuilder.exec(pid, pid).header(0, nanos, 1));
    }

    /** A process's exit with the wait status {@code waitStatus} ({@code code << 8}, or a signal number). */
    static EventFrame exit(int pid, int parent, int waitStatus, long nanos) {
        return decode(ProcMessageBuilder.exit(pid, pid, waitStatus, 17, parent, parent).header(0, nanos, 1));
    }

    private static EventFrame decode(ProcMessageBuilder m) {
        EventFrame f = new EventFrame();
        java.nio.ByteBuffer b = m.build();
        int n = ProcEventCodec.decode(b, 0, b.capacity(), f);
        if (n <= 0) {
            throw new IllegalStateException("the codec refused the hand-built message: " + n);
        }
        return f;
    }
}
