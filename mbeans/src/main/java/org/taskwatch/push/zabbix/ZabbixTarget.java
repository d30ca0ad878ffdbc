package org.taskwatch.push.zabbix;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.taskwatch.monitor.ServiceWatch;
import org.taskwatch.push.PushMessage;
import org.taskwatch.push.PushTarget;

/**
 * One Zabbix server or proxy, told through its trapper (the sender protocol, {@link ZabbixProtocol}),
 * one connection per batch as zabbix_sender does. The items, all of type "Zabbix trapper" in the
 * shipped template:
 * <ul>
 * <li>{@code taskwatch.push.discovery}: the declared watches' names, as low-level discovery
 *     ({@code [{"{#WATCH}":"nginx"}]}), sent with each heartbeat and before the first value of a
 *     watch not sent yet, so the server makes the items below for a new watch by itself;
 * <li>{@code taskwatch.watch.exit[NAME]}: each exit's status as a shell gives it (the exit code,
 *     128+N when killed by signal N, -1 unknown), and {@code taskwatch.watch.exit.text[NAME]} how it
 *     ended in words ("pid 1234 exit 3", the command line only when push.commandLines is on);
 * <li>{@code taskwatch.watch.state[NAME]}: 0 ok, 1 warning, 2 critical, and
 *     {@code taskwatch.watch.reason[NAME]} why;
 * <li>{@code taskwatch.push.heartbeat}: the agent's clock (Unix seconds) every heartbeat.
 * </ul>
 * Each value carries the time it happened (clock, ns): a value queued while the server was down
 * arrives with its own time.
 *
 * <p>Threading: called by its queue's sender thread only.
 */
public final class ZabbixTarget implements PushTarget {
    static final String DISCOVERY = "taskwatch.push.discovery";
    static final String HEARTBEAT = "taskwatch.push.heartbeat";

    private final ZabbixSettings.Server server;
    private final ZabbixSettings settings;
    private final Supplier<List<String>> watchNames;
    private final Set<String> discovered = new HashSet<>(); // names in the last discovery value the server took

    /** @param watchNames the declared watches' names now, for the discovery value */
    public ZabbixTarget(ZabbixSettings.Server server, ZabbixSettings settings, Supplier<List<String>> watchNames) {
        this.server = server;
        this.settings = settings;
        this.watchNames = watchNames;
    }

    @Override
    public String name() {
        return "zabbix " + server;
    }

    @Override
    public Result send(List<PushMessage> batch) throws IOException {
        long now = System.currentTimeMillis();
        List<ZabbixProtocol.Value> values = new ArrayList<>(batch.size() * 2 + 1);
        Set<String> names = null;
        if (needsDiscovery(batch)) {
            names = new LinkedHashSet<>(watchNames.get());
            values.add(new ZabbixProtocol.Value(settings.host(), DISCOVERY, discovery(names), now));
        }
        for (PushMessage m : batch) {
            addValues(m, values);
        }
        ZabbixProtocol.Answer a;
        try {
            a = exchange(ZabbixProtocol.request(values, now));
        } catch (ZabbixProtocol.ProtocolException e) { // a wrong port or service: retrying would get the same
            return Result.allRefused(batch.size(), server + " answered: " + e.getMessage());
        }
        if (!a.success()) {
            return Result.allRefused(batch.size(), "server answered " + a.info());
        }
        if (names != null && a.failed() == 0) {
            discovered.clear();
            discovered.addAll(names);
        }
        if (a.failed() == 0) {
            return Result.allAccepted(batch.size());
        }
        // Zabbix says how many values failed, not which: count the messages' share, rounded up
        int refused = (int) Math.min(batch.size(), ((long) a.failed() * batch.size() + values.size() - 1) / values.size());
        return new Result(batch.size() - refused, refused, a.info() + " for host '" + settings.host() + "' (values "
                + keys(values) + "): " + refusalCauses(a, settings.tls() != null));
    }

    /**
     * What may have made the server refuse values, for the operator: it says only how many. When
     * it took some of the batch, the host is known and the connection acceptable, so only items
     * can be wrong; when it took none, the host too, or (Zabbix checks a host's "Connections from
     * host" per value) the connection's kind.
     */
    static String refusalCauses(ZabbixProtocol.Answer a, boolean tls) {
        String items = " (the template not linked, or a new watch's items not yet in its configuration cache)";
        if (a.processed() > 0) {
            return "these items are not trapper items of the host" + items;
        }
        return "the server does not know the host, or these items are not trapper items of it" + items
                + (tls ? ", or the host's certificate issuer or subject is not this agent's certificate's"
                        : ", or the host accepts only encrypted connections (its Connections from host) and zabbix.tls.connect"
                                + " is unencrypted");
    }

    private boolean needsDiscovery(List<PushMessage> batch) {
        for (PushMessage m : batch) {
            if (m.kind() == PushMessage.Kind.HEARTBEAT || !discovered.contains(m.watch())) {
                return true;
            }
        }
        return false;
    }

    static String discovery(Iterable<String> names) {
        StringBuilder j = new StringBuilder("[");
        for (String n : names) {
            j.append(j.length() == 1 ? "" : ",").append("{\"{#WATCH}\":");
            ZabbixProtocol.string(j, n);
            j.append('}');
        }
        return j.append(']').toString();
    }

    /** The values saying {@code m}: a text before its number, so a trigger firing on the number finds the text. */
    void addValues(PushMessage m, List<ZabbixProtocol.Value> out) {
        String h = settings.host();
        switch (m.kind()) {
            case EXIT -> {
                ServiceWatch.LastExit x = m.exit();
                out.add(new ZabbixProtocol.Value(h, "taskwatch.watch.exit.text[" + m.watch() + "]", exitText(x), m.timeMillis()));
                out.add(new ZabbixProtocol.Value(h, "taskwatch.watch.exit[" + m.watch() + "]",
                        Integer.toString(x.status().shellStatus()), m.timeMillis()));
            }
            case STATE -> {
                ServiceWatch.Snapshot s = m.snapshot();
                out.add(new ZabbixProtocol.Value(h, "taskwatch.watch.reason[" + m.watch() + "]",
                        s.state().name().toLowerCase(java.util.Locale.ROOT) + ": " + s.reason(), m.timeMillis()));
                out.add(new ZabbixProtocol.Value(h, "taskwatch.watch.state[" + m.watch() + "]",
                        Integer.toString(s.state().ordinal()), m.timeMillis()));
            }
            case HEARTBEAT -> out.add(new ZabbixProtocol.Value(h, HEARTBEAT, Long.toString(m.timeMillis() / 1000), m.timeMillis()));
        }
    }

    static String exitText(ServiceWatch.LastExit x) {
        return "pid " + x.pid() + " " + x.status().describe() + (x.command().isEmpty() ? "" : " (" + x.command() + ")");
    }

    private static String keys(List<ZabbixProtocol.Value> values) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < values.size() && i < 6; i++) {
            b.append(i == 0 ? "" : ", ").append(values.get(i).key());
        }
        return b.append(values.size() > 6 ? ", ... " + values.size() + " in all" : "").toString();
    }

    private ZabbixProtocol.Answer exchange(byte[] request) throws IOException {
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress(server.host(), server.port()), settings.timeoutMillis());
            plain.setSoTimeout(settings.timeoutMillis());
            Socket s = plain;
            if (settings.tls() != null) {
                SSLSocket t = (SSLSocket) settings.tls().getSocketFactory().createSocket(plain, server.host(), server.port(), true);
                if (settings.checkHostname()) {
                    SSLParameters p = t.getSSLParameters();
                    p.setEndpointIdentificationAlgorithm("HTTPS");
                    t.setSSLParameters(p);
                }
                t.startHandshake();
                s = t;
            }
            try {
                OutputStream out = s.getOutputStream();
                out.write(request);
                out.flush();
                String json;
                try {
                    json = ZabbixProtocol.readPacket(s.getInputStream());
                } catch (EOFException e) {
                    throw new IOException("the connection closed before an answer (a trapper refusing the connection"
                            + " closes it so: is this agent's address in the host's allowed hosts, and do TLS settings match?)");
                }
                return ZabbixProtocol.answer(json);
            } finally {
                if (s != plain) {
                    s.close(); // TLS's close_notify, then the socket
                }
            }
        }
    }
}
