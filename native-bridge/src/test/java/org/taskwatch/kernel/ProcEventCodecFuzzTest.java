package org.taskwatch.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of {@link ProcEventCodec#decode}: random bytes, random datagrams with plausible
 * headers, and valid messages with one byte changed or cut short. Decoding must never throw,
 * never read outside {@code [offset, offset + available)} (each case gets a buffer that ends
 * exactly there), and must return a message length, {@link ProcEventCodec#ACK} or one of the
 * {@code E_*} codes. Unmutated messages must decode exactly to the values written.
 */
class ProcEventCodecFuzzTest {
    private static final long SEED = 0x7A5C_0D3CL;
    private static final int CASES = 20_000;

    private static final int[] WHATS = {0x0, 0x1, 0x2, 0x4, 0x40, 0x80, 0x100, 0x200, 0x40000000, 0x80000000};

    /** One random valid message and the field values the decoder must find in it. */
    private static final class Expected {
        final ProcMessageBuilder msg;
        final int what;
        final int cpu;
        final int seq;
        final long ts;
        final int[] u = new int[6];
        String comm = "";

        Expected(Random rnd) {
            what = WHATS[rnd.nextInt(WHATS.length)];
            cpu = rnd.nextInt(1024);
            seq = rnd.nextInt();
            ts = rnd.nextLong();
            msg = new ProcMessageBuilder(what).header(cpu, ts, seq);
            msg.cnAck = rnd.nextInt();
            msg.nlSeq = rnd.nextInt();
            msg.nlFlags = rnd.nextInt(0x10000);
            msg.cnFlags = rnd.nextInt(0x10000);
            for (int i = 0; i < 6; i++) {
                u[i] = rnd.nextInt();
                msg.u32(i, u[i]);
            }
            if (what == 0x200) {
                int n = rnd.nextInt(17); // 0..16 printable ASCII bytes
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < n; i++) {
                    sb.append((char) (0x21 + rnd.nextInt(0x5E)));
                }
                comm = sb.toString();
                msg.comm(comm.getBytes(StandardCharsets.US_ASCII));
            }
        }

        void assertDecoded(EventFrame f, String ctx) {
            assertEquals(what, f.kernelWhat(), ctx);
            assertEquals(cpu, f.cpu(), ctx);
            assertEquals(seq, f.sequence(), ctx);
            assertEquals(ts, f.timestampNanos(), ctx);
            assertEquals(msg.cnAck, f.cnAck, ctx);
            if (what == 0) {
                assertNull(f.type(), ctx);
                assertEquals(u[0], f.ackError(), ctx);
                return;
            }
            assertEquals(u[0], f.pid(), ctx);
            assertEquals(u[1], f.tgid(), ctx);
            int childPid = 0;
            int childTgid = 0;
            int ppid = 0;
            int status = 0;
            int exitSignal = 0;
            int realId = 0;
            int effectiveId = 0;
            int tracerPid = 0;
            int tracerTgid = 0;
            String expectedComm = "";
            EventType type;
            switch (what) {
                case 0x1: type = EventType.FORK; childPid = u[2]; childTgid = u[3]; break;
                case 0x2: type = EventType.EXEC; break;
                case 0x4: type = EventType.UID; realId = u[2]; effectiveId = u[3]; break;
                case 0x40: type = EventType.GID; realId = u[2]; effectiveId = u[3]; break;
                case 0x80: type = EventType.SID; break;
                case 0x100: type = EventType.PTRACE; tracerPid = u[2]; tracerTgid = u[3]; break;
                case 0x200: type = EventType.COMM; expectedComm = comm; break;
                case 0x40000000: type = EventType.COREDUMP; ppid = u[3]; break;
                case 0x80000000: type = EventType.EXIT; status = u[2]; exitSignal = u[3]; ppid = u[5]; break;
                default: throw new AssertionError(ctx);
            }
            assertEquals(type, f.type(), ctx);
            assertEquals(childPid, f.childPid(), ctx);
            assertEquals(childTgid, f.childTgid(), ctx);
            assertEquals(ppid, f.ppid(), ctx);
            assertEquals(status, f.waitStatus(), ctx);
            assertEquals(exitSignal, f.exitSignal(), ctx);
            assertEquals(realId, f.realId(), ctx);
            assertEquals(effectiveId, f.effectiveId(), ctx);
            assertEquals(tracerPid, f.tracerPid(), ctx);
            assertEquals(tracerTgid, f.tracerTgid(), ctx);
            assertEquals(expectedComm, f.comm(), ctx);
            assertEquals(0, f.ackError(), ctx);
        }

        int expectedResult() {
            return what == 0 ? ProcEventCodec.ACK : 76;
        }
    }

    /** Copies {@code bytes[0, available)} into a buffer that ends exactly at {@code offset + available}. */
    private static ByteBuffer place(byte[] bytes, int offset, int available) {
        ByteBuffer buf = ProcEventCodec.newBuffer(offset + available);
        for (int i = 0; i < offset; i++) {
            buf.put(i, (byte) 0xCC);
        }
        for (int i = 0; i < available; i++) {
            buf.put(offset + i, bytes[i]);
        }
        return buf;
    }

    /** Decodes and checks the result is one of the allowed values; returns it. */
    private static int decodeChecked(byte[] bytes, int offset, int available, EventFrame f, String ctx) {
        ByteBuffer buf = place(bytes, offset, available);
        int r;
        try {
            r = ProcEventCodec.decode(buf, offset, available, f);
        } catch (RuntimeException e) {
            throw new AssertionError(ctx + ": decode threw", e);
        }
        if (r > 0) {
            // a message step is its nlmsg_len, 4-aligned: at least the 52 header bytes and within the
            // datagram; the kernel's datagrams are 4-aligned, so then it is <= available too
            assertTrue(r >= 52 && r % 4 == 0 && r - 3 <= available, ctx + ": step " + r);
            if (available % 4 == 0) {
                assertTrue(r <= available, ctx + ": step " + r);
            }
        } else if (r != ProcEventCodec.ACK && r != ProcEventCodec.E_SHORT && r != ProcEventCodec.E_TRUNCATED
                && r != ProcEventCodec.E_FOREIGN && r != ProcEventCodec.E_LENGTH
                && r != ProcEventCodec.E_UNKNOWN_WHAT) {
            fail(ctx + ": unexpected status " + r);
        }
        return r;
    }

    @Test
    void randomBytes() {
        Random rnd = new Random(SEED);
        EventFrame f = new EventFrame();
        int decoded = 0;
        for (int c = 0; c < CASES; c++) {
            int available = rnd.nextInt(161);
            byte[] bytes = new byte[available];
            rnd.nextBytes(bytes);
            if (c % 2 == 1 && available >= 52) {
                // a plausible header so the deeper checks are reached, with random lengths and what
                ByteBuffer h = ProcEventCodec.newBuffer(52);
                h.putInt(0, rnd.nextBoolean() ? available - rnd.nextInt(4) : rnd.nextInt(200));
                h.putShort(4, (short) 3);
                h.putInt(16, 1);
                h.putInt(20, 1);
                h.putShort(32, (short) (rnd.nextBoolean() ? rnd.nextInt(64) : rnd.nextInt(0x10000)));
                h.putInt(36, rnd.nextInt(4) == 0 ? rnd.nextInt() : WHATS[rnd.nextInt(WHATS.length)]);
                for (int i = 0; i < 52; i++) {
                    if (i < 8 || (i >= 16 && i < 24) || (i >= 32 && i < 40)) {
                        bytes[i] = h.get(i);
                    }
                }
            }
            int r = decodeChecked(bytes, rnd.nextInt(3) * 4 + (c & 3), available, f, "random case " + c);
            if (r >= 0) {
                decoded++;
            }
        }
        assertTrue(decoded > 100, "the plausible headers reached the decoding paths: " + decoded);
    }

    @Test
    void validMessagesDecodeExactly() {
        Random rnd = new Random(SEED + 1);
        EventFrame f = new EventFrame();
        for (int c = 0; c < CASES; c++) {
            Expected e = new Expected(rnd);
            byte[] bytes = e.msg.bytes();
            String ctx = "valid case " + c + " what 0x" + Integer.toHexString(e.what);
            assertEquals(e.expectedResult(), decodeChecked(bytes, rnd.nextInt(4), 76, f, ctx), ctx);
            e.assertDecoded(f, ctx);
        }
    }

    @Test
    void singleByteMutations() {
        Random rnd = new Random(SEED + 2);
        EventFrame f = new EventFrame();
        for (int c = 0; c < CASES; c++) {
            Expected e = new Expected(rnd);
            byte[] bytes = e.msg.bytes();
            int pos = rnd.nextInt(76);
            byte old = bytes[pos];
            byte b;
            do {
                b = (byte) rnd.nextInt(256);
            } while (b == old);
            bytes[pos] = b;
            String ctx = "mutation case " + c + " what 0x" + Integer.toHexString(e.what) + " byte " + pos;
            int r = decodeChecked(bytes, 0, 76, f, ctx);
            if ((pos >= 4 && pos < 6) || (pos >= 16 && pos < 24)) {
                assertEquals(ProcEventCodec.E_FOREIGN, r, ctx + ": nlmsg_type, cn idx or cn val changed");
            } else if ((pos >= 6 && pos < 16) || (pos >= 34 && pos < 36)) {
                // nlmsg flags/seq/pid and cn flags are not decoded: the event is unchanged
                assertEquals(e.expectedResult(), r, ctx);
                e.assertDecoded(f, ctx);
            } else if (pos >= 36 && pos < 40) {
                assertTrue(r == ProcEventCodec.E_UNKNOWN_WHAT || r == ProcEventCodec.E_LENGTH
                        || r == 76 || r == ProcEventCodec.ACK, ctx + ": " + r);
            }
        }
    }

    @Test
    void truncations() {
        Random rnd = new Random(SEED + 3);
        EventFrame f = new EventFrame();
        for (int c = 0; c < CASES; c++) {
            Expected e = new Expected(rnd);
            byte[] bytes = e.msg.bytes();
            int available = rnd.nextInt(76);
            String ctx = "truncation case " + c + " to " + available;
            int r = decodeChecked(bytes, rnd.nextInt(4), available, f, ctx);
            assertEquals(available < 52 ? ProcEventCodec.E_SHORT : ProcEventCodec.E_TRUNCATED, r, ctx);
        }
    }

    @Test
    void mutationPlusTruncation() {
        Random rnd = new Random(SEED + 4);
        EventFrame f = new EventFrame();
        for (int c = 0; c < CASES; c++) {
            Expected e = new Expected(rnd);
            byte[] bytes = e.msg.bytes();
            bytes[rnd.nextInt(76)] = (byte) rnd.nextInt(256);
            if (rnd.nextBoolean()) {
                bytes[rnd.nextInt(4)] = (byte) rnd.nextInt(256); // nlmsg_len
            } else {
                bytes[32 + rnd.nextInt(2)] = (byte) rnd.nextInt(256); // cn len
            }
            decodeChecked(bytes, rnd.nextInt(4), 40 + rnd.nextInt(37), f, "mutated+truncated case " + c);
        }
    }

    @Test
    void noStateLeaksFromOneDecodeToTheNext() {
        Random rnd = new Random(SEED + 5);
        EventFrame f = new EventFrame();
        for (int c = 0; c < 2_000; c++) {
            // a valid event with every field set, then garbage, then another valid event
            Expected first = new Expected(rnd);
            decodeChecked(first.msg.bytes(), 0, 76, f, "first " + c);
            byte[] garbage = new byte[rnd.nextInt(100)];
            rnd.nextBytes(garbage);
            decodeChecked(garbage, 0, garbage.length, f, "garbage " + c);
            Expected second = new Expected(rnd);
            String ctx = "second " + c + " what 0x" + Integer.toHexString(second.what) + " after 0x"
                    + Integer.toHexString(first.what);
            assertEquals(second.expectedResult(), decodeChecked(second.msg.bytes(), 0, 76, f, ctx), ctx);
            second.assertDecoded(f, ctx); // fields the second type does not set are all 0 again
        }
    }

    @Test
    void execAfterRejectedCommAndForkLeavesNothingBehind() {
        EventFrame f = new EventFrame();
        assertEquals(76, ProcEventCodec.decode(ProcMessageBuilder.comm(7, 7, "abcdefghijklmnop").build(), 0, 76, f));
        assertEquals(76, ProcEventCodec.decode(ProcMessageBuilder.exit(8, 8, 0x8b, 17, 6, 5).build(), 0, 76, f));
        ProcMessageBuilder bad = ProcMessageBuilder.fork(1, 1, 2, 2);
        bad.cnIdx = 9;
        assertEquals(ProcEventCodec.E_FOREIGN, ProcEventCodec.decode(bad.build(), 0, 76, f));
        assertEquals(76, ProcEventCodec.decode(ProcMessageBuilder.exec(40, 41).build(), 0, 76, f));
        assertEquals(EventType.EXEC, f.type());
        assertEquals(40, f.pid());
        assertEquals(41, f.tgid());
        assertEquals(0, f.ppid());
        assertEquals(0, f.waitStatus());
        assertEquals(0, f.exitSignal());
        assertEquals("", f.comm());
        assertEquals(new ProcEvent.Exec(0, 0L, 40, 41, 0), f.toEvent());
    }
}
