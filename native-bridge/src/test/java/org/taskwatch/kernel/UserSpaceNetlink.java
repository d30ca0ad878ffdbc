package org.taskwatch.kernel;

import com.sun.jna.Native;

/**
 * Test helper: a netlink connector socket in user space that sends datagrams to another
 * socket's port, as a local program could (root may; others need CAP_NET_ADMIN). It never
 * subscribes to the proc connector, so it has nothing to IGNORE before it closes: an IGNORE
 * from it would lower the kernel's listener count for somebody else's LISTEN.
 */
final class UserSpaceNetlink implements AutoCloseable {
    static {
        Native.register(UserSpaceNetlink.class, "c");
    }

    private static native long sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrLen);

    private final int fd;

    UserSpaceNetlink() throws NativeException {
        this.fd = Syscalls.netlinkConnectorSocket();
    }

    /** Sends {@code datagram} to the netlink socket bound to {@code portId}. */
    void sendTo(int portId, byte[] datagram) throws NativeException {
        byte[] addr = new byte[12]; // struct sockaddr_nl: u16 family, u16 pad, u32 pid, u32 groups
        addr[0] = (byte) Syscalls.AF_NETLINK;
        java.nio.ByteBuffer.wrap(addr).order(java.nio.ByteOrder.nativeOrder()).putInt(4, portId);
        if (sendto(fd, datagram, datagram.length, 0, addr, addr.length) != datagram.length) {
            throw new NativeException("sendto(netlink port " + portId + ")", Native.getLastError());
        }
    }

    @Override
    public void close() {
        Syscalls.close(fd);
    }
}
