package org.taskwatch.agent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.management.MBeanServerConnection;
import javax.management.Notification;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * What a client of a live agent receives from the Monitor MBean, kept so a test can wait for a
 * process's exit: as a remote JMX listener ({@link #listen}) or by pulling a Jolokia notification
 * subscription ({@link #awaitPulledExit}).
 */
final class MonitorNotifications implements NotificationListener {
    private final List<Notification> received = new ArrayList<>(); // guarded by this

    private MonitorNotifications() {}

    /** Listens to the Monitor over {@code mbs} from now on. */
    static MonitorNotifications listen(MBeanServerConnection mbs) throws Exception {
        MonitorNotifications n = new MonitorNotifications();
        mbs.addNotificationListener(AgentProcess.objectName("org.taskwatch:type=Monitor"), n, null, null);
        return n;
    }

    @Override
    public synchronized void handleNotification(Notification n, Object handback) {
        received.add(n);
        notifyAll();
    }

    /** The exit notification of {@code pid}; fails the test when none came within {@code within}. */
    synchronized Notification awaitExit(int pid, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            for (Notification n : received) {
                if (n.getType().equals("taskwatch.process.exit") && ((CompositeData) n.getUserData()).get("pid").equals(pid)) {
                    return n;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no JMX exit notification for " + pid + " within " + within.toSeconds() + " s: "
                        + received);
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    /** The exit notification's data of {@code pid}, within {@code within}. */
    CompositeData awaitExitData(int pid, Duration within) throws InterruptedException {
        return (CompositeData) awaitExit(pid, within).getUserData();
    }

    /**
     * Pulls Jolokia's pull-mode subscription {@code handle} of {@code client} until a notification
     * about {@code pid} comes, and returns its text; fails the test after {@code within}.
     */
    static String awaitPulledExit(JolokiaClient j, String client, String handle, int pid, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        StringBuilder all = new StringBuilder();
        // the store's name carries Jolokia's agent id
        String store = ((List<?>) JolokiaClient.value(j.get("search/jolokia:type=NotificationStore,*"))).get(0).toString();
        while (System.nanoTime() < deadline) {
            Map<String, Object> reply = j.post("{\"type\":\"exec\",\"mbean\":\"" + store + "\","
                    + "\"operation\":\"pull\",\"arguments\":[\"" + client + "\",\"" + handle + "\"]}");
            String s = JolokiaClient.value(reply).toString();
            all.append(s);
            for (String part : s.split("\\{\"sequenceNumber\"|\\{\"type\"")) {
                if (part.contains("\"pid\":" + pid + ",") || part.contains("pid=" + pid + ",")) {
                    return part;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no pulled exit for " + pid + " within " + within.toSeconds() + " s: " + all);
    }
}
