package org.taskwatch.monitor;

import org.taskwatch.kernel.EventFrame;

/** Records a matched event on the reader thread; must not block and should not allocate. */
interface FrameSink {
    void record(EventFrame frame);
}
