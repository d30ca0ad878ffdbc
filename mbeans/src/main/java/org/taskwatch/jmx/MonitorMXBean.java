package org.taskwatch.jmx;

import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;

/**
 * {@code org.taskwatch:type=Monitor}: register and remove watches, wait for exits, and read the
 * monitor's counters. Every attribute is a point-in-time value. Bad arguments fail with an
 * {@link IllegalArgumentException} that names the argument, and change nothing.
 */
public interface MonitorMXBean {
    long watch(int pid, String events);

    long watchTree(int pid, String events);

    long watchCommand(String regex, String events);

    /** Every process of a systemd unit (its cgroup and below), present and to come. */
    long watchUnit(String unit, String events);

    /** Every process in a cgroup and below it, present and to come. */
    long watchCgroup(String path, String events);

    boolean unwatch(long id);

    /**
     * The watch no longer ends with the client that made it (a remote JMX connection, or the
     * Jolokia client it was handed to): it stays until unwatched. False when there is no such watch.
     */
    boolean keep(long id);

    /**
     * The watch ends with the Jolokia notification client {@code jolokiaClient} (which must have a
     * subscription to this MBean): when it unregisters or expires. False when there is no such watch.
     */
    boolean endWith(long id, String jolokiaClient);

    CompositeData waitForExit(int pid, long timeoutMillis) throws InterruptedException;

    CompositeData summary(String commandRegex, int windowSeconds);

    CompositeData processStatus(int pid);

    CompositeData eventCounts(int windowSeconds);

    CompositeData health(int windowSeconds);

    /** A declared watch's state and counters, by name. */
    CompositeData watchState(String name);

    String getEventSource();

    String getKernelFilter();

    /** How the reader and delivery threads are scheduled: "nice -4", or why they are not boosted. */
    String getEventThreads();

    /**
     * How command watches name processes gone before their exec could be read: "taskstats (while
     * command watches exist)", or "none (why): ...".
     */
    String getExitNames();

    String getHealth();

    /** What the last load or reload (SIGHUP) of the configuration file did, or why it failed. */
    String getConfigStatus();

    /** The names of the declared watches. */
    String[] getDeclaredWatches();

    int getWatchCount();

    long getEventsReceived();

    long getEventsDelivered();

    long getEventsLost();

    long getNotificationsDropped();

    long getForkCount();

    long getExecCount();

    long getExitCount();

    long getNonZeroExitCount();

    long getThreadCreateCount();

    long getThreadExitCount();

    long getLatencyP50Micros();

    long getLatencyP99Micros();

    TabularData getWatches();

    /** Messages the push destinations (Zabbix, Icinga...) accepted, all destinations together. */
    long getPushSent();

    /** Push messages never sent: a queue overflowed while its destination was down, or they grew too old. */
    long getPushDropped();

    /** Push messages a destination answered "no" to (unknown host or item): not retried. */
    long getPushRefused();

    /** Push messages waiting now (point-in-time). */
    int getPushQueued();

    /**
     * How long the oldest push message still waiting has waited, in seconds, the longest of all
     * destinations (point-in-time; 0 while none waits): it grows while a destination is down or
     * unreachable, long before its queue overflows or its messages grow too old to send.
     */
    int getPushOldestWaitSeconds();

    /** One line per push destination: its counters and its last error with the server's answer; empty: no push. */
    String getPushStatus();
}
