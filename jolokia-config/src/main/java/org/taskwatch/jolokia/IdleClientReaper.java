package org.taskwatch.jolokia;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.management.NotificationListener;
import org.jolokia.server.core.http.BackChannel;
import org.jolokia.server.core.service.notification.Client;
import org.jolokia.server.core.service.notification.ListenerRegistration;
import org.jolokia.server.core.service.notification.NotificationSubscription;
import org.jolokia.server.core.util.jmx.MBeanServerAccess;
import org.jolokia.server.core.util.jmx.SingleMBeanServerAccess;

/**
 * Unregisters Jolokia notification clients that went away without unregistering. Jolokia's
 * notification protocol asks a client to ping from time to time "in order to avoid being cleaned
 * up automatically" (a pull counts as a ping), but Jolokia 2.6 never cleans up: a client that
 * crashed or forgot keeps its subscriptions, its pull store and its SSE heartbeat thread for the
 * life of the agent, and taskwatch keeps a mailbox thread feeding each subscription.
 *
 * <p>Every {@code timeout / 4} (at most a minute) it unregisters, as the client's own {@code
 * unregister} would, every client that has neither pinged nor pulled for {@code timeout} and has
 * no open SSE stream (a live stream is a live client; a closed one is noticed by Jolokia's
 * heartbeat within 20 s). A timeout of 0 expires nobody, and the rounds run once a minute. After
 * each round a hook runs: the agent ends the watches of the clients gone ({@link #clients}).
 *
 * <p>Jolokia offers no API for this. Its clients are found through the handbacks of their
 * subscriptions to taskwatch's MBeans (Jolokia's public {@link ListenerRegistration}); from a
 * subscription's callback on, reflection finds the {@link NotificationSubscription} (public:
 * the client and its last ping), and Jolokia's listener, whose own {@code unregister} is called.
 * Fields are found by type, not name. Should a Jolokia upgrade change those, the reaper says so
 * once and stops, and clients are kept as before; a test of the agent fails on it.
 *
 * <p>Threads: one daemon thread, {@code taskwatch-jolokia-expiry}. Jolokia's client table is a
 * plain map that its HTTP threads change without a lock; this thread changes it too, at most
 * once a round, through the same method an unregister request runs.
 */
final class IdleClientReaper implements AutoCloseable {
    private static final Duration MAX_PERIOD = Duration.ofMinutes(1);

    private final Supplier<? extends Collection<?>> handbacks;
    private final long timeoutMillis;
    private final Consumer<String> log;
    private final MBeanServerAccess access = new SingleMBeanServerAccess(ManagementFactory.getPlatformMBeanServer());
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "taskwatch-jolokia-expiry");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean broken;
    private volatile Runnable afterRound = () -> {};

    /**
     * @param handbacks the handbacks of the listeners now registered on the MBeans Jolokia serves
     *     notifications of (one {@link ListenerRegistration} per Jolokia subscription)
     * @param timeout how long a client may go without a ping or a pull
     * @param log where to say what was expired, or that expiry does not work with this Jolokia
     */
    IdleClientReaper(Supplier<? extends Collection<?>> handbacks, Duration timeout, Consumer<String> log) {
        this.handbacks = handbacks;
        this.timeoutMillis = timeout.toMillis();
        this.log = log;
        long period = timeoutMillis == 0 ? MAX_PERIOD.toMillis()
                : Math.max(1000, Math.min(timeoutMillis / 4, MAX_PERIOD.toMillis()));
        timer.scheduleWithFixedDelay(this::reapQuietly, period, period, TimeUnit.MILLISECONDS);
    }

    /** {@code r} runs on this thread after each round (whether or not a client expired). */
    void afterEachRound(Runnable r) {
        afterRound = r;
    }

    private void reapQuietly() {
        try {
            if (timeoutMillis != 0) {
                reap(System.currentTimeMillis() - timeoutMillis);
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // a change in Jolokia: say so, then keep out of its way
            broken = true;
            log.accept("cannot expire idle Jolokia notification clients with this Jolokia version: " + e);
        }
        try {
            afterRound.run();
        } catch (RuntimeException e) {
            log.accept("after the Jolokia client check: " + e);
        }
    }

    /**
     * The ids of the notification clients with a subscription now (to the MBeans whose handbacks
     * this reaper sees).
     *
     * @throws IllegalStateException when this Jolokia version's clients cannot be told
     */
    Set<String> clients() {
        Set<String> ids = new HashSet<>();
        try {
            for (Object h : handbacks.get()) {
                if (h instanceof ListenerRegistration r) {
                    ids.add(fieldOfType(r.getCallback(), NotificationSubscription.class).getClient().getId());
                }
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            throw new IllegalStateException("cannot tell Jolokia's notification clients with this Jolokia version: " + e, e);
        }
        return ids;
    }

    /** Unregisters the clients idle since before {@code oldest} (epoch millis). */
    private void reap(long oldest) throws ReflectiveOperationException {
        if (broken) {
            return;
        }
        Map<String, NotificationSubscription> idle = new HashMap<>(); // one subscription of each idle client
        for (Object h : handbacks.get()) {
            if (h instanceof ListenerRegistration r) {
                NotificationSubscription s = fieldOfType(r.getCallback(), NotificationSubscription.class);
                Client c = s.getClient();
                if (c.getLastRefresh() < oldest && !streaming(c)) {
                    idle.putIfAbsent(c.getId(), s);
                }
            }
        }
        for (NotificationSubscription s : idle.values()) {
            expire(s);
        }
    }

    private static boolean streaming(Client c) {
        BackChannel sse = c.getBackChannel("sse");
        return sse != null && !sse.isClosed();
    }

    /** Unregisters the client of {@code s} through Jolokia's listener, as its own unregister request would. */
    private void expire(NotificationSubscription s) throws ReflectiveOperationException {
        Client c = s.getClient();
        int subscriptions = c.getHandles().size();
        long idleSeconds = (System.currentTimeMillis() - c.getLastRefresh()) / 1000;
        NotificationListener jolokia = fieldOfType(s, NotificationListener.class);
        Method unregister = jolokia.getClass().getDeclaredMethod("unregister", MBeanServerAccess.class, String.class);
        unregister.setAccessible(true);
        try {
            unregister.invoke(jolokia, access, c.getId());
        } catch (InvocationTargetException e) {
            // it unregistered itself meanwhile (no such client), or an MBean of its went away:
            // the next round looks again
            return;
        }
        log.accept("jolokia: notification client " + c.getId() + " expired after " + idleSeconds
                + " s without a ping or pull; its " + subscriptions + " subscription(s) removed");
    }

    /** The value of the one field of {@code o}'s class whose type is a {@code type}. */
    private static <T> T fieldOfType(Object o, Class<T> type) throws ReflectiveOperationException {
        for (Field f : o.getClass().getDeclaredFields()) {
            if (type.isAssignableFrom(f.getType())) {
                f.setAccessible(true);
                return type.cast(f.get(o));
            }
        }
        throw new NoSuchFieldException(o.getClass().getName() + " has no field of type " + type.getName());
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
