package org.taskwatch.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanNotificationInfo;
import javax.management.MBeanServer;
import javax.management.MBeanServerConnection;
import javax.management.MBeanServerFactory;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.ObjectName;
import javax.management.StandardEmitterMBean;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.Test;
import org.taskwatch.agent.JmxRemote;

/**
 * The JDK connector's notification buffer is called on the sender's thread (no mailbox of its
 * own), every other listener from its mailbox; a real remote client still gets every
 * notification, in order.
 */
class ConnectorBufferInlineTest {
    public interface EmitterMBean {
        int getMailboxes();
    }

    @Test
    void aRemoteClientIsFedWithoutAMailboxAndALocalListenerWithOne() throws Exception {
        IsolatingBroadcaster broadcaster = new IsolatingBroadcaster(1000,
                new MBeanNotificationInfo(new String[] {"test.event"}, Notification.class.getName(), "test"));
        ObjectName name = new ObjectName("test:type=Emitter");
        MBeanServer mbs = MBeanServerFactory.newMBeanServer();
        EmitterMBean impl = broadcaster::mailboxes;
        mbs.registerMBean(new StandardEmitterMBean(impl, EmitterMBean.class, (NotificationEmitter) broadcaster), name);
        JmxRemote remote = JmxRemote.start(mbs, "127.0.0.1", 0);
        try (JMXConnector client = JMXConnectorFactory.connect(new JMXServiceURL(remote.url()))) {
            MBeanServerConnection c = client.getMBeanServerConnection();
            List<Long> remoteGot = new ArrayList<>();
            c.addNotificationListener(name, recorder(remoteGot), null, null);
            int count = 200;
            for (int i = 1; i <= count; i++) {
                broadcaster.sendNotification(new Notification("test.event", name, i));
            }
            assertEquals(sequence(count), await(remoteGot, count), "every notification, once, in order");
            assertEquals(0, broadcaster.mailboxes(), "the connector's buffer was called without a mailbox");

            List<Long> localGot = new ArrayList<>();
            mbs.addNotificationListener(name, recorder(localGot), null, name); // an ObjectName handback, as the buffer's
            broadcaster.sendNotification(new Notification("test.event", name, count + 1));
            assertEquals(List.of((long) count + 1), await(localGot, 1));
            assertEquals(1, broadcaster.mailboxes(), "any other listener has its mailbox");
            assertEquals(count + 1, await(remoteGot, count + 1).size());
        } finally {
            remote.close();
        }
    }

    private static NotificationListener recorder(List<Long> into) {
        return (n, hb) -> {
            synchronized (into) {
                into.add(n.getSequenceNumber());
                into.notifyAll();
            }
        };
    }

    private static List<Long> await(List<Long> got, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        synchronized (got) {
            while (got.size() < expected && System.nanoTime() < deadline) {
                got.wait(100);
            }
            return new ArrayList<>(got);
        }
    }

    private static List<Long> sequence(int count) {
        List<Long> out = new ArrayList<>();
        for (long i = 1; i <= count; i++) {
            out.add(i);
        }
        return out;
    }
}
