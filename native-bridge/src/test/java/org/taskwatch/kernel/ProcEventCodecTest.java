package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * {@link ProcEventCodec}: datagrams laid out by hand exactly as the kernel sends them
 * ({@link ProcMessageBuilder}, docs/kernel.md, Message layout), every field of every event type checked against the
 * value written, malformed messages rejected with the right status, and the byte layout of the
 * LISTEN/IGNORE control messages.
 */
class ProcEventCodecTest {
    /** Every byte distinct, and the high bit of the low byte set: a torn or misplaced read shows. */
    private static final long TS = 0x0123456789ABCDEFL;
    private static final int CPU = 5;
    private static final int SEQ = 0x00C0FFEE;

    private static int decode(ByteBuffer buf, EventFrame frame) {
        return ProcEventCodec.decode(buf, 0, buf.capacity(), frame);
    }

    private static int decode(ProcMessageBuilder msg, EventFrame frame) {
        return decode(msg.build(), frame);
    }

    private static int decodeStatus(ProcMessageBuilder msg) {
        return decode(msg, new EventFrame());
    }

    /** The proc_event header fields common to all events. */
    private static void assertHeader(EventFrame f, int what) {
        assertEquals(what, f.kernelWhat());
        assertEquals(CPU, f.cpu());
        assertEquals(TS, f.timestampNanos());
        assertEquals(SEQ, f.sequence());
    }

    // ---------------------------------------------------------------- every event type

    @Test
    void fork() {
        EventFrame f = new EventFrame();
        assertEquals(76, decode(ProcMessageBuilder.fork(1200, 1201, 3400, 3401).header(CPU, TS, SEQ), f));
        assertHeader(f, 0x1);
        assertEquals(EventType.FORK, f.type());
        assertEquals(1200, f.pid());
        assertEquals(1201, f.tgid());
        assertEquals(3400, f.childPid());
        assertEquals(3401, f.childTgid());
        assertEquals(0, f.ppid());
        assertEquals(new ProcEvent.Fork(CPU, TS, 1200, 1201, 0, 3400, 3401), f.toEvent());
    }

    @Test
    void exec() {
        EventFrame f = new EventFrame();
        // bytes past the exec data are not exec's: garbage there must not show up anywhere
        ProcMessageBuilder msg = ProcMessageBuilder.exec(4321, 4320).header(CPU, TS, SEQ).fillData(60, 76, (byte) 0x5A);
        assertEquals(76, decode(msg, f));
        assertHeader(f, 0x2);
        assertEquals(EventType.EXEC, f.type());
        assertEquals(4321, f.pid());
        assertEquals(4320, f.tgid());
        assertEquals(0, f.childPid());
        assertEquals(0, f.waitStatus());
        assertEquals(0, f.realId());
        assertEquals("", f.comm());
        assertEquals(new ProcEvent.Exec(CPU, TS, 4321, 4320, 0), f.toEvent());
    }

    @Test
    void uid() {
        EventFrame f = new EventFrame();
        assertEquals(76, decode(ProcMessageBuilder.uid(77, 78, 1000, 0).header(CPU, TS, SEQ), f));
        assertHeader(f, 0x4);
        assertEquals(EventType.UID, f.type());
        assertEquals(77, f.pid());
        assertEquals(78, f.tgid());
        assertEquals(1000, f.realId());
        assertEquals(0, f.effectiveId());
        assertEquals(new ProcEvent.Uid(CPU, TS, 77, 78, 0, 1000, 0), f.toEvent());
    }

    @Test
    void uidAboveSignedRange() {
        // uid_t is unsigned: (uid_t) -1 arrives as 0xffffffff and is kept bit for bit
        EventFrame f = new EventFrame();
        assertEquals(76, decode(ProcMessageBuilder.uid(77, 77, 0xFFFFFFFF, 65534).header(CPU, TS, SEQ), f));
        assertEquals(-1, f.realId());
        assertEquals(65534, f.effectiveId());
    }

    @Test
    void gid() {
        EventFrame f = new EventFrame();
        assertEquals(76, decode(ProcMessageBuilder.gid(91, 90, 100, 27).header(CPU, TS, SEQ), f));
        assertHeader(f, 0x40);
        assertEquals(EventType.GID, f.type());
        assertEquals(91, f.pid());
        assertEquals(90, f.tgid());
        assertEquals(100, f.realId());
        assertEquals(27, f.effectiveId());
        assertEquals(new ProcEvent.Gid(CPU, TS, 91, 90, 0, 100, 27), f.toEvent());
    }

    @Test
    void sid() {
        EventFrame f = new EventFrame();
        ProcMessageBuilder msg = ProcMessageBuilder.sid(5150, 5151).header(CPU, TS, SEQ).fillData(60, 76, (byte) 0xA5);
        assertEquals(76, decode(msg, f));
        assertHeader(f, 0x80);
        assertEquals(EventType.SID, f.type());
        assertEquals(5150, f.pid());
        assertEquals(5151, f.tgid());
        assertEquals(0, f.realId());
        assertEquals(0, f.ppid());
        assertEquals(new ProcEvent.Sid(CPU, TS, 5150, 5151, 0), f.toEvent());
    }

    @Test
    void ptrace() {
        EventFrame f = new EventFrame();
        assertEquals(76, decode(ProcMessageBuilder.ptrace(600, 601, 700, 701).header(CPU, TS, SEQ), f));
        assertHeader(f, 0x100);
        assertEquals(EventType.PTRACE, f.type());
        assertEquals(600, f.pid());
        assertEquals(601, f.tgid());
        assertEquals(700, f.tracerPid());
        assertEquals(701, f.tracerTgid());
        assertEquals(new ProcEvent.Ptrace(CPU, TS, 600, 601, 0, 700, 701), f.toEvent());
    }

    @Test
    void commShortNameIsCutAtItsNul() {
        EventFrame f = new EventFrame();
        assertEquals(76, decode(ProcMessageBuilder.comm(812, 811, "worker-7").header(CPU, TS, SEQ), f));
        assertHeader(f, 0x200);
        assertEquals(EventType.COMM, f.type());
        assertEquals(812, f.pid());
        assertEquals(811, f.tgid());
        assertEquals("worker-7", f.comm());
        assertEquals(new ProcEvent.Comm(CPU, TS, 812, 811, 0, "worker-7"), f.toEvent());
    }

    @Test
    void commOfSixteenBytesWithoutNul() {
        EventFrame f = new EventFrame();
        assertEquals(76, decode(ProcMessageBuilder.comm(9, 9, "abcdefghijklmnop").header(CPU, TS, SEQ), f));
        assertEquals("abcdefghijklmnop", f.comm());
        assertEquals(new ProcEvent.Comm(CPU, TS, 9, 9, 0, "abcdefghijklmnop"), f.toEvent());
    }

    @Test
    void commStopsAtTheFirstNulEvenWithBytesAfterIt() {
        byte[] raw = new byte[16];
        byte[] ab = "ab".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(ab, 0, raw, 0, 2);
        raw[3] = 'z'; // "ab\0z" followed by NULs
        EventFrame f = new EventFrame();
        assertEquals(76, decode(new ProcMessageBuilder(0x200).u32(0, 9).u32(1, 9).comm(raw), f));
        assertEquals("ab", f.comm());
    }

    @Test
    void commUtf8AndEmpty() {
        EventFrame f = new EventFrame();
        assertEquals(76, decode(ProcMessageBuilder.comm(9, 9, "t\u00e2che"), f));
        assertEquals("t\u00e2che", f.comm());
        assertEquals(76, decode(ProcMessageBuilder.comm(9, 9, ""), f));
        assertEquals("", f.comm());
    }

    @Test
    void shortCommAfterLongCommInTheSameFrame() {
        EventFrame f = new EventFrame();
        assertEquals(76, decode(ProcMessageBuilder.comm(9, 9, "abcdefghijklmnop"), f));
        assertEquals(76, decode(ProcMessageBuilder.comm(9, 9, "xy"), f));
        assertEquals("xy", f.comm());
    }

    @Test
    void coredump() {
        EventFrame f = new EventFrame();
        assertEquals(76, decode(ProcMessageBuilder.coredump(2222, 2220, 1999, 1998).header(CPU, TS, SEQ), f));
        assertHeader(f, 0x40000000);
        assertEquals(EventType.COREDUMP, f.type());
        assertEquals(2222, f.pid());
        assertEquals(2220, f.tgid());
        assertEquals(1998, f.ppid(), "ppid is the parent's tgid");
        assertEquals(new ProcEvent.Coredump(CPU, TS, 2222, 2220, 1998), f.toEvent());
    }

    @Test
    void exitWithExitCode() {
        EventFrame f = new EventFrame();
        assertEquals(76, decode(ProcMessageBuilder.exit(3003, 3002, 0x300, 17, 2999, 2998).header(CPU, TS, SEQ), f));
        assertHeader(f, 0x80000000);
        assertEquals(EventType.EXIT, f.type());
        assertEquals(3003, f.pid());
        assertEquals(3002, f.tgid());
        assertEquals(0x300, f.waitStatus());
        assertEquals(17, f.exitSignal());
        assertEquals(2998, f.ppid(), "ppid is the parent's tgid, at offset 72");
        ProcEvent.Exit e = (ProcEvent.Exit) f.toEvent();
        assertEquals(new ProcEvent.Exit(CPU, TS, 3003, 3002, 2998, new ExitStatus(3, 0, false)), e);
        assertEquals(3, e.status().exitCode());
        assertEquals("exit 3", e.status().describe());
    }

    @Test
    void exitKilledBySigkill() {
        EventFrame f = new EventFrame();
        assertEquals(76, decode(ProcMessageBuilder.exit(40, 40, 0x9, 17, 1, 1).header(CPU, TS, SEQ), f));
        ProcEvent.Exit e = (ProcEvent.Exit) f.toEvent();
        assertEquals(new ExitStatus(0, 9, false), e.status());
        assertEquals("killed by SIGKILL", e.status().describe());
    }

    @Test
    void exitOfThreadWithCoreDumpAndNoParent() {
        EventFrame f = new EventFrame();
        assertEquals(76, decode(ProcMessageBuilder.exit(41, 40, 0x8b, -1, 0, 0).header(CPU, TS, SEQ), f));
        assertEquals(0x8b, f.waitStatus());
        assertEquals(-1, f.exitSignal());
        assertEquals(0, f.ppid());
        // not through the tracker: the frame still carries the kernel type
        ProcEvent.Exit e = (ProcEvent.Exit) f.toEvent();
        assertEquals(new ExitStatus(0, 11, true), e.status());
        assertEquals("killed by SIGSEGV (core dumped)", e.status().describe());
    }

    @Test
    void ack() {
        EventFrame f = new EventFrame();
        ProcMessageBuilder msg = ProcMessageBuilder.ack(0).header(CPU, TS, SEQ);
        msg.cnAck = 0x1235;
        assertEquals(ProcEventCodec.ACK, decode(msg, f));
        assertEquals(0, f.kernelWhat());
        assertEquals(0, f.ackError());
        assertEquals(0x1235, f.cnAck);
        assertEquals(SEQ, f.sequence());
        assertNull(f.type(), "an ack is no event");
    }

    @Test
    void ackWithError() {
        EventFrame f = new EventFrame();
        assertEquals(ProcEventCodec.ACK, decode(ProcMessageBuilder.ack(22), f));
        assertEquals(22, f.ackError());
    }

    // ---------------------------------------------------------------- the timestamp

    @Test
    void timestampIsReadWholeFromTheUnalignedOffset44() {
        for (long ts : new long[] {TS, 0xFEDCBA9876543210L, 0x00000000FFFFFFFFL, 0xFFFFFFFF00000000L, 1L}) {
            EventFrame f = new EventFrame();
            assertEquals(76, decode(ProcMessageBuilder.exec(1, 1).header(0, ts, 0), f));
            assertEquals(ts, f.timestampNanos(), Long.toHexString(ts));
        }
    }

    @Test
    void literalLittleEndianDatagram() {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "the literal below is little-endian");
        // an exit message as a hex dump: what recvfrom would hand over on x86_64 or arm64
        byte[] bytes = HexFormat.of().parseHex(""
                + "4c000000" + "0300" + "0000" + "45230100" + "00000000"     // nlmsghdr: len 76, NLMSG_DONE
                + "01000000" + "01000000" + "07000000" + "00000000" + "2800" + "0000" // cn_msg: 1/1, seq 7, len 40
                + "00000080" + "03000000" + "efcdab8967452301"               // EXIT, cpu 3, timestamp
                + "92100000" + "92100000" + "8b000000" + "11000000" + "09030000" + "08030000");
        assertEquals(76, bytes.length);
        ByteBuffer buf = ProcEventCodec.newBuffer(76);
        buf.put(0, bytes);
        EventFrame f = new EventFrame();
        assertEquals(76, decode(buf, f));
        assertEquals(EventType.EXIT, f.type());
        assertEquals(3, f.cpu());
        assertEquals(7, f.sequence());
        assertEquals(0x0123456789ABCDEFL, f.timestampNanos());
        assertEquals(4242, f.pid());
        assertEquals(4242, f.tgid());
        assertEquals(0x8b, f.waitStatus());
        assertEquals(17, f.exitSignal());
        assertEquals(776, f.ppid());
        // and the builder produces the very same bytes
        ProcMessageBuilder msg = ProcMessageBuilder.exit(4242, 4242, 0x8b, 17, 777, 776).header(3, 0x0123456789ABCDEFL, 7);
        msg.nlSeq = 0x12345;
        assertArrayEquals(bytes, msg.bytes());
    }

    // ---------------------------------------------------------------- malformed

    @Test
    void emptyAndShortDatagrams() {
        EventFrame f = new EventFrame();
        ByteBuffer buf = ProcMessageBuilder.exec(1, 1).build();
        assertEquals(ProcEventCodec.E_SHORT, ProcEventCodec.decode(buf, 0, 0, f));
        assertEquals(ProcEventCodec.E_SHORT, ProcEventCodec.decode(buf, 0, 16, f));
        assertEquals(ProcEventCodec.E_SHORT, ProcEventCodec.decode(buf, 0, 51, f));
        assertEquals(ProcEventCodec.E_SHORT, ProcEventCodec.decode(ProcEventCodec.newBuffer(0), 0, 0, f));
    }

    @Test
    void nlmsgLenBeyondTheDatagramIsTruncated() {
        ByteBuffer buf = ProcMessageBuilder.exit(1, 1, 0, 17, 1, 1).build();
        EventFrame f = new EventFrame();
        assertEquals(ProcEventCodec.E_TRUNCATED, ProcEventCodec.decode(buf, 0, 52, f));
        assertEquals(ProcEventCodec.E_TRUNCATED, ProcEventCodec.decode(buf, 0, 75, f));
        ProcMessageBuilder longer = ProcMessageBuilder.exit(1, 1, 0, 17, 1, 1);
        longer.nlLen = 80;
        assertEquals(ProcEventCodec.E_TRUNCATED, decodeStatus(longer));
    }

    @Test
    void nlmsgLenBelowTheHeadersIsShort() {
        for (int len : new int[] {0, 16, 36, 51}) {
            ProcMessageBuilder msg = ProcMessageBuilder.exec(1, 1);
            msg.nlLen = len;
            assertEquals(ProcEventCodec.E_SHORT, decodeStatus(msg), "nlmsg_len " + len);
        }
    }

    @Test
    void hugeNlmsgLenIsRejected() {
        // nlmsg_len is a u32: 0x80000000 and 0xffffffff are far beyond any datagram
        for (int len : new int[] {0x80000000, 0xFFFFFFFF}) {
            ProcMessageBuilder msg = ProcMessageBuilder.exec(1, 1);
            msg.nlLen = len;
            assertTrue(decodeStatus(msg) < 0, "nlmsg_len 0x" + Integer.toHexString(len));
        }
    }

    @Test
    void foreignMessages() {
        ProcMessageBuilder type = ProcMessageBuilder.exec(1, 1);
        type.nlType = 2; // NLMSG_ERROR
        assertEquals(ProcEventCodec.E_FOREIGN, decodeStatus(type));
        type.nlType = 0x0103; // the high byte counts too
        assertEquals(ProcEventCodec.E_FOREIGN, decodeStatus(type));
        type.nlType = 0xFFFF;
        assertEquals(ProcEventCodec.E_FOREIGN, decodeStatus(type));

        ProcMessageBuilder idx = ProcMessageBuilder.exec(1, 1);
        idx.cnIdx = 2;
        assertEquals(ProcEventCodec.E_FOREIGN, decodeStatus(idx));
        idx.cnIdx = 0x101;
        assertEquals(ProcEventCodec.E_FOREIGN, decodeStatus(idx));

        ProcMessageBuilder val = ProcMessageBuilder.exec(1, 1);
        val.cnVal = 2;
        assertEquals(ProcEventCodec.E_FOREIGN, decodeStatus(val));
        val.cnVal = 0;
        assertEquals(ProcEventCodec.E_FOREIGN, decodeStatus(val));
    }

    @Test
    void cnLenTooSmallForTheEventType() {
        // minimum cn_msg len = 16 (proc_event header) + the type's event data
        int[][] whatAndMinimum = {
            {0x0, 20}, {0x1, 32}, {0x2, 24}, {0x4, 32}, {0x40, 32}, {0x80, 24},
            {0x100, 32}, {0x200, 40}, {0x40000000, 32}, {0x80000000, 40},
        };
        for (int[] wm : whatAndMinimum) {
            String name = "what 0x" + Integer.toHexString(wm[0]) + " cn len ";
            ProcMessageBuilder msg = new ProcMessageBuilder(wm[0]);
            msg.cnLen = wm[1] - 1;
            assertEquals(ProcEventCodec.E_LENGTH, decodeStatus(msg), name + msg.cnLen);
            msg.cnLen = 0;
            assertEquals(ProcEventCodec.E_LENGTH, decodeStatus(msg), name + 0);
            msg.cnLen = wm[1];
            int expected = wm[0] == 0 ? ProcEventCodec.ACK : 76;
            assertEquals(expected, decodeStatus(msg), name + wm[1]);
        }
    }

    @Test
    void shortestValidMessagesDecode() {
        // an exec with exactly its 8 data bytes: nlmsg_len 60, cn len 24
        ProcMessageBuilder exec = ProcMessageBuilder.exec(321, 320).header(CPU, TS, SEQ);
        exec.nlLen = 60;
        exec.cnLen = 24;
        ByteBuffer buf = ProcEventCodec.newBuffer(60);
        ByteBuffer full = exec.build();
        for (int i = 0; i < 60; i++) {
            buf.put(i, full.get(i));
        }
        EventFrame f = new EventFrame();
        assertEquals(60, decode(buf, f));
        assertEquals(321, f.pid());
        assertEquals(320, f.tgid());
        assertEquals(TS, f.timestampNanos());

        // an ack with its 4 bytes: nlmsg_len 56, cn len 20
        ProcMessageBuilder ack = ProcMessageBuilder.ack(95);
        ack.nlLen = 56;
        ack.cnLen = 20;
        ByteBuffer ackBuf = ProcEventCodec.newBuffer(56);
        ByteBuffer ackFull = ack.build();
        for (int i = 0; i < 56; i++) {
            ackBuf.put(i, ackFull.get(i));
        }
        assertEquals(ProcEventCodec.ACK, decode(ackBuf, f));
        assertEquals(95, f.ackError());
    }

    @Test
    void cnLenBeyondNlmsgLenIsTruncated() {
        ProcMessageBuilder msg = ProcMessageBuilder.exit(1, 1, 0, 17, 1, 1);
        msg.cnLen = 41; // 16 + 20 + 41 = 77 > 76
        assertEquals(ProcEventCodec.E_TRUNCATED, decodeStatus(msg));
        msg.cnLen = 0xFFFF; // a u16: 65535, not -1
        assertEquals(ProcEventCodec.E_TRUNCATED, decodeStatus(msg));
        ProcMessageBuilder shorter = ProcMessageBuilder.exit(1, 1, 0, 17, 1, 1);
        shorter.nlLen = 72; // cn len 40 needs 76
        assertEquals(ProcEventCodec.E_TRUNCATED, decodeStatus(shorter));
    }

    @Test
    void unknownWhat() {
        for (int what : new int[] {0x400, 0x20000000, 0x3, 0x8, 0x10, 0x20, 0x80000001, 0xC0000000, -1}) {
            assertEquals(ProcEventCodec.E_UNKNOWN_WHAT, decodeStatus(new ProcMessageBuilder(what)),
                    "what 0x" + Integer.toHexString(what));
        }
    }

    @Test
    void errorNamesAreDistinct() {
        assertEquals("shorter than its headers", ProcEventCodec.errorName(ProcEventCodec.E_SHORT));
        assertEquals("truncated (nlmsg_len beyond the datagram)", ProcEventCodec.errorName(ProcEventCodec.E_TRUNCATED));
        assertEquals("not a proc connector message", ProcEventCodec.errorName(ProcEventCodec.E_FOREIGN));
        assertEquals("event data shorter than its type needs", ProcEventCodec.errorName(ProcEventCodec.E_LENGTH));
        assertEquals("unknown event type", ProcEventCodec.errorName(ProcEventCodec.E_UNKNOWN_WHAT));
        assertEquals("status -9", ProcEventCodec.errorName(-9));
    }

    // ---------------------------------------------------------------- several messages in one datagram

    @Test
    void twoMessagesInOneDatagram() {
        ByteBuffer buf = ProcEventCodec.newBuffer(152);
        ProcMessageBuilder.fork(10, 11, 12, 12).header(1, 111L, 1).writeTo(buf, 0);
        ProcMessageBuilder.exit(12, 12, 0x100, 17, 10, 11).header(2, 222L, 2).writeTo(buf, 76);
        EventFrame f = new EventFrame();
        int step = ProcEventCodec.decode(buf, 0, 152, f);
        assertEquals(76, step);
        assertEquals(EventType.FORK, f.type());
        assertEquals(12, f.childPid());
        assertEquals(111L, f.timestampNanos());
        assertEquals(76, ProcEventCodec.decode(buf, step, 152 - step, f));
        assertEquals(EventType.EXIT, f.type());
        assertEquals(12, f.pid());
        assertEquals(11, f.ppid());
        assertEquals(0x100, f.waitStatus());
        assertEquals(2, f.cpu());
        assertEquals(222L, f.timestampNanos());
    }

    @Test
    void unalignedMessageLengthStepsToTheAlignedOffset() {
        // an exec whose nlmsg_len is 74: padded to 76 in the datagram, the next message at 76
        ByteBuffer buf = ProcEventCodec.newBuffer(152);
        ProcMessageBuilder first = ProcMessageBuilder.exec(20, 20);
        first.nlLen = 74;
        first.cnLen = 38;
        first.writeTo(buf, 0);
        ProcMessageBuilder.sid(30, 31).writeTo(buf, 76);
        EventFrame f = new EventFrame();
        assertEquals(76, ProcEventCodec.decode(buf, 0, 152, f));
        assertEquals(20, f.pid());
        assertEquals(76, ProcEventCodec.decode(buf, 76, 76, f));
        assertEquals(EventType.SID, f.type());
        assertEquals(30, f.pid());
        assertEquals(31, f.tgid());
    }

    @Test
    void badSecondMessageDoesNotSpoilTheFirst() {
        ByteBuffer buf = ProcEventCodec.newBuffer(152);
        ProcMessageBuilder.exec(50, 50).writeTo(buf, 0);
        ProcMessageBuilder.exec(60, 60).writeTo(buf, 76); // but only 64 of its 76 bytes were received
        EventFrame f = new EventFrame();
        assertEquals(76, ProcEventCodec.decode(buf, 0, 140, f));
        assertEquals(50, f.pid());
        assertEquals(ProcEventCodec.E_TRUNCATED, ProcEventCodec.decode(buf, 76, 64, f));
    }

    // ---------------------------------------------------------------- control messages

    private static ByteBuffer dirtyBuffer() {
        ByteBuffer buf = ProcEventCodec.newBuffer(64);
        for (int i = 0; i < 64; i++) {
            buf.put(i, (byte) 0xEE);
        }
        return buf;
    }

    @Test
    void encodeLegacyListen() {
        ByteBuffer buf = dirtyBuffer();
        assertEquals(40, ProcEventCodec.encodeControl(buf, ProcEventCodec.OP_LISTEN, null, 5, 9));
        assertEquals(40, buf.getInt(0), "nlmsg_len");
        assertEquals(3, buf.getShort(4), "nlmsg_type NLMSG_DONE");
        assertEquals(0, buf.getShort(6), "nlmsg_flags");
        assertEquals(5, buf.getInt(8), "nlmsg_seq");
        assertEquals(0, buf.getInt(12), "nlmsg_pid");
        assertEquals(1, buf.getInt(16), "cn idx");
        assertEquals(1, buf.getInt(20), "cn val");
        assertEquals(5, buf.getInt(24), "cn seq");
        assertEquals(9, buf.getInt(28), "cn ack");
        assertEquals(4, buf.getShort(32), "cn len");
        assertEquals(0, buf.getShort(34), "cn flags");
        assertEquals(1, buf.getInt(36), "op LISTEN");
        assertEquals((byte) 0xEE, buf.get(40), "nothing written past the message");
    }

    @Test
    void encodeProcInputListenWithEventTypes() {
        ByteBuffer buf = dirtyBuffer();
        int mask = ProcEventCodec.WHAT_EXEC | ProcEventCodec.WHAT_EXIT;
        assertEquals(44, ProcEventCodec.encodeControl(buf, ProcEventCodec.OP_LISTEN, mask, 0, 0));
        assertEquals(44, buf.getInt(0), "nlmsg_len");
        assertEquals(3, buf.getShort(4));
        assertEquals(0, buf.getShort(6));
        assertEquals(0, buf.getInt(8));
        assertEquals(0, buf.getInt(12));
        assertEquals(1, buf.getInt(16));
        assertEquals(1, buf.getInt(20));
        assertEquals(0, buf.getInt(24));
        assertEquals(0, buf.getInt(28));
        assertEquals(8, buf.getShort(32), "cn len of struct proc_input");
        assertEquals(0, buf.getShort(34));
        assertEquals(1, buf.getInt(36), "mcast_op");
        assertEquals(0x80000002, buf.getInt(40), "event_type");
        assertEquals((byte) 0xEE, buf.get(44));
    }

    @Test
    void encodeIgnoreLiteralBytes() {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "the literals below are little-endian");
        ByteBuffer buf = dirtyBuffer();
        int len = ProcEventCodec.encodeControl(buf, ProcEventCodec.OP_IGNORE, null, 0, 0);
        byte[] out = new byte[len];
        buf.get(0, out);
        assertEquals("28000000" + "0300" + "0000" + "00000000" + "00000000"
                + "01000000" + "01000000" + "00000000" + "00000000" + "0400" + "0000"
                + "02000000", HexFormat.of().formatHex(out));

        len = ProcEventCodec.encodeControl(buf, ProcEventCodec.OP_LISTEN, ProcEventCodec.WHAT_ALL, 7, 8);
        out = new byte[len];
        buf.get(0, out);
        assertEquals("2c000000" + "0300" + "0000" + "07000000" + "00000000"
                + "01000000" + "01000000" + "07000000" + "08000000" + "0800" + "0000"
                + "01000000" + "c70300e0", HexFormat.of().formatHex(out));
    }
}
