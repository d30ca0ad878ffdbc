package org.taskwatch.kernel;

import java.io.IOException;

/** A libc call failed: the message names the call, its arguments and the errno. */
public final class NativeException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    NativeException(String call, int errno) {
        super(call + " failed: " + Errno.name(errno) + " (" + LibC.strerror(errno) + ")");
        this.call = call;
        this.errno = errno;
    }

    /** The call with its arguments, for example {@code bind(fd=5, groups=1)}. */
    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }
}
