package org.taskwatch.monitor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Who a watch ends with. A watch made by a remote client belongs to that client (a JMX
 * connection, a Jolokia notification client) and ends when the client ends, as kmonitor's
 * registrations went with the descriptor of their monitor; a watch without an owner (made
 * in-process, or kept) stays until it is unwatched or its processes are gone. An owned watch
 * ends only with its owner: nothing here ends a watch whose owner is alive.
 *
 * <p>Each kind of owner is added by the endpoint that knows such clients, with a way to list
 * the ones alive now. Giving a watch to a client and ending a client's watches run under one
 * lock, and the endpoint drops a client from its list before it reports the end, so a watch
 * given to a client that is ending meanwhile is never left behind: either it was owned before
 * the end was handled (and ends with the rest), or the client was no longer listed when it was
 * given (and it ends at once).
 *
 * <p>Threads: callers' threads (operations), the JMX connector's notification thread and the
 * Jolokia expiry thread (ends). {@link #lock} guards every write of {@link Watch#owner}.
 */
public final class WatchOwners {
    /** Remote JMX connections, by the connector's connection id. */
    public static final String JMX = "JMX connection";
    /** Jolokia notification clients, by the id Jolokia's {@code register} gave them. */
    public static final String JOLOKIA = "Jolokia client";

    /** One client: its kind ({@link #JMX}, {@link #JOLOKIA}) and its id there. */
    public record Owner(String kind, String id) {
        @Override
        public String toString() {
            return kind + " " + id;
        }
    }

    private final TaskMonitor monitor;
    private final Object lock = new Object();
    /** Each kind's clients alive now. */
    private final Map<String, Supplier<? extends Collection<String>>> kinds = new ConcurrentHashMap<>();

    WatchOwners(TaskMonitor monitor) {
        this.monitor = monitor;
    }

    /** Clients of {@code kind} may own watches; {@code alive} lists those alive now. */
    public void addKind(String kind, Supplier<? extends Collection<String>> alive) {
        kinds.put(kind, alive);
    }

    private boolean alive(Owner o) {
        Supplier<? extends Collection<String>> alive = kinds.get(o.kind());
        return alive != null && alive.get().contains(o.id());
    }

    /**
     * A watch its caller just made: from now on it ends with {@code owner}; when that client is
     * gone already (it ended while the call ran), the watch ends at once. Where no endpoint
     * reports the ends of that kind of client (a connector server started without the agent),
     * the watch stays without an owner: nothing would ever end it.
     */
    public void claim(Watch w, Owner owner) {
        if (!kinds.containsKey(owner.kind())) {
            return;
        }
        synchronized (lock) {
            if (alive(owner)) {
                w.owner(owner);
                return;
            }
            monitor.unwatch(w.id());
        }
    }

    /**
     * Hands a watch over to {@code owner}, with whose end it ends from now on.
     *
     * @return false when there is no such watch
     * @throws IllegalArgumentException when no such client is alive (nothing changes)
     */
    public boolean handOver(long id, Owner owner) {
        synchronized (lock) {
            Watch w = visible(id);
            if (w == null) {
                return false;
            }
            if (!alive(owner)) {
                throw new IllegalArgumentException("no " + owner + " is alive" + (owner.kind().equals(JOLOKIA)
                        ? " (register it and add a subscription to org.taskwatch:type=Monitor first)" : ""));
            }
            w.owner(owner);
            return true;
        }
    }

    /** The watch no longer ends with its client: it stays until unwatched. False when there is no such watch. */
    public boolean keep(long id) {
        synchronized (lock) {
            Watch w = visible(id);
            if (w == null) {
                return false;
            }
            w.owner(null);
            return true;
        }
    }

    private Watch visible(long id) {
        Watch w = monitor.watchById(id);
        if (w != null && w.name() != null) {
            throw new IllegalArgumentException("watch " + id + " is the declared watch '" + w.name()
                    + "': it has no owner and lives as long as the agent's configuration file declares it");
        }
        return w == null || w.internal() ? null : w;
    }

    /** {@code owner} has ended (closed, failed, expired): its watches end. Returns them. */
    public List<Watch> ended(Owner owner) {
        synchronized (lock) {
            return endWhere(w -> owner.equals(w.owner()));
        }
    }

    /** Ends the watches of every client of {@code kind} that is not alive now; returns them. */
    public List<Watch> check(String kind) {
        Supplier<? extends Collection<String>> alive = kinds.get(kind);
        if (alive == null) {
            return List.of();
        }
        synchronized (lock) {
            if (monitor.watches().stream().noneMatch(w -> w.owner() != null && w.owner().kind().equals(kind))) {
                return List.of(); // nothing to ask the endpoint about
            }
            Collection<String> now = alive.get();
            return endWhere(w -> w.owner() != null && w.owner().kind().equals(kind) && !now.contains(w.owner().id()));
        }
    }

    private List<Watch> endWhere(java.util.function.Predicate<Watch> gone) {
        List<Watch> ended = new ArrayList<>();
        for (Watch w : monitor.watches()) {
            if (gone.test(w) && monitor.unwatch(w.id())) {
                ended.add(w);
            }
        }
        return ended;
    }
}
