package org.taskwatch.benchmark;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;
import org.taskwatch.kernel.ProcEventCodec;

/**
 * Commons Pool 2 against a plain queue, for the one place the issue names as its natural fit:
 * a bounded set of reusable native receive/batch buffers (16 direct buffers of 64 KiB) that
 * the reader fills and the delivery thread gives back.
 *
 * <p>Single thread: acquire, fill (one long: the receive itself costs the same either way and
 * is left out so that the difference shows), release. {@code ArrayDeque} is the plain choice
 * for one thread, {@code ArrayBlockingQueue} for a free list shared between threads.
 *
 * <p>Two threads ({@code @Group}): the reader acquires a buffer, fills it and hands it to the
 * delivery thread over a bounded handoff of {@value #HANDOFF} (the same lock-free ring for
 * both variants); the delivery thread reads it and releases it. With at most {@value #HANDOFF}
 * buffers queued and one held by each thread, acquiring never has to wait, so the numbers are
 * the pool's and the queue's own cost; a full handoff or an empty one is spun on (then
 * yielded on), and both sides watch {@link Control#stopMeasurement} so that neither waits for
 * a partner that has stopped.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BufferPoolBenchmark {
    static final int BUFFERS = 16;
    static final int BUFFER_BYTES = 64 * 1024;
    static final int HANDOFF = 8;

    /** Creates the direct buffers a pool lends out. */
    static final class BufferFactory extends BasePooledObjectFactory<ByteBuffer> {
        @Override
        public ByteBuffer create() {
            return ProcEventCodec.newBuffer(BUFFER_BYTES);
        }

        @Override
        public PooledObject<ByteBuffer> wrap(ByteBuffer buffer) {
            return new DefaultPooledObject<>(buffer);
        }
    }

    static GenericObjectPool<ByteBuffer> newPool() throws Exception {
        GenericObjectPoolConfig<ByteBuffer> config = new GenericObjectPoolConfig<>();
        config.setMaxTotal(BUFFERS);
        config.setMaxIdle(BUFFERS);
        config.setJmxEnabled(false); // the pool's own MBean would only be noise here
        GenericObjectPool<ByteBuffer> pool = new GenericObjectPool<>(new BufferFactory(), config);
        pool.addObjects(BUFFERS);
        return pool;
    }

    static ArrayBlockingQueue<ByteBuffer> newFreeQueue() {
        ArrayBlockingQueue<ByteBuffer> q = new ArrayBlockingQueue<>(BUFFERS);
        for (int i = 0; i < BUFFERS; i++) {
            q.add(ProcEventCodec.newBuffer(BUFFER_BYTES));
        }
        return q;
    }

    // ---- one thread ----

    @State(Scope.Thread)
    public static class OneThread {
        GenericObjectPool<ByteBuffer> pool;
        ArrayDeque<ByteBuffer> deque;
        ArrayBlockingQueue<ByteBuffer> queue;
        long sequence;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            pool = newPool();
            queue = newFreeQueue();
            deque = new ArrayDeque<>(queue);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            pool.close();
        }
    }

    @Benchmark
    public long pool(OneThread s) throws Exception {
        ByteBuffer b = s.pool.borrowObject();
        b.putLong(0, ++s.sequence);
        s.pool.returnObject(b);
        return b.getLong(0);
    }

    @Benchmark
    public long arrayDeque(OneThread s) {
        ByteBuffer b = s.deque.pollFirst();
        b.putLong(0, ++s.sequence);
        s.deque.addFirst(b);
        return b.getLong(0);
    }

    @Benchmark
    public long arrayBlockingQueue(OneThread s) {
        ByteBuffer b = s.queue.poll();
        b.putLong(0, ++s.sequence);
        s.queue.offer(b);
        return b.getLong(0);
    }

    // ---- reader and delivery threads ----

    /**
     * The handoff from reader to delivery, the same for both variants: a single-producer,
     * single-consumer ring that takes no lock, so that contention on the handoff itself (an
     * ArrayBlockingQueue's lock, parked and woken) does not drown the difference between the
     * two ways of keeping free buffers.
     */
    static final class SpscRing {
        private final ByteBuffer[] slots = new ByteBuffer[HANDOFF];
        private final AtomicLong head = new AtomicLong(); // next to take; written by the consumer
        private final AtomicLong tail = new AtomicLong(); // next to fill; written by the producer

        boolean offer(ByteBuffer b) {
            long t = tail.get();
            if (t - head.get() == HANDOFF) {
                return false;
            }
            slots[(int) (t % HANDOFF)] = b;
            tail.lazySet(t + 1); // publishes the slot
            return true;
        }

        ByteBuffer poll() {
            long h = head.get();
            if (h == tail.get()) {
                return null;
            }
            int i = (int) (h % HANDOFF);
            ByteBuffer b = slots[i];
            slots[i] = null;
            head.lazySet(h + 1);
            return b;
        }
    }

    /** What the two threads share: the free buffers and the handoff between them. */
    public abstract static class Handoff {
        final SpscRing handoff = new SpscRing();
        long sequence; // reader thread only

        abstract ByteBuffer acquire() throws Exception;

        abstract void release(ByteBuffer b);

        void read(ByteBuffer b, Control control) throws Exception {
            b.putLong(0, ++sequence);
            for (int spins = 0; !handoff.offer(b); spins++) {
                if (control.stopMeasurement) {
                    release(b);
                    return;
                }
                backOff(spins);
            }
        }

        long deliver(Control control) {
            ByteBuffer b;
            for (int spins = 0; (b = handoff.poll()) == null; spins++) {
                if (control.stopMeasurement) {
                    return 0;
                }
                backOff(spins);
            }
            long v = b.getLong(0);
            release(b);
            return v;
        }
    }

    /**
     * Spins a little, then yields: on a machine with as many busy threads as cores a pure spin
     * can burn a whole time slice waiting for a partner that is not running.
     */
    static void backOff(int spins) {
        if (spins < 100) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
    }

    @State(Scope.Group)
    public static class PoolHandoff extends Handoff {
        GenericObjectPool<ByteBuffer> pool;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            pool = newPool();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            pool.close();
        }

        @Override
        ByteBuffer acquire() throws Exception {
            return pool.borrowObject(); // never waits: see the class comment
        }

        @Override
        void release(ByteBuffer b) {
            pool.returnObject(b);
        }
    }

    @State(Scope.Group)
    public static class QueueHandoff extends Handoff {
        final ArrayBlockingQueue<ByteBuffer> free = newFreeQueue();

        @Override
        ByteBuffer acquire() {
            ByteBuffer b = free.poll();
            if (b == null) {
                throw new IllegalStateException("no free buffer: more than " + HANDOFF + " in flight");
            }
            return b;
        }

        @Override
        void release(ByteBuffer b) {
            free.offer(b);
        }
    }

    @Benchmark
    @Group("poolTwoThreads")
    @GroupThreads(1)
    public void poolReader(PoolHandoff s, Control control) throws Exception {
        s.read(s.acquire(), control);
    }

    @Benchmark
    @Group("poolTwoThreads")
    @GroupThreads(1)
    public long poolDelivery(PoolHandoff s, Control control) {
        return s.deliver(control);
    }

    @Benchmark
    @Group("queueTwoThreads")
    @GroupThreads(1)
    public void queueReader(QueueHandoff s, Control control) throws Exception {
        s.read(s.acquire(), control);
    }

    @Benchmark
    @Group("queueTwoThreads")
    @GroupThreads(1)
    public long queueDelivery(QueueHandoff s, Control control) {
        return s.deliver(control);
    }
}
