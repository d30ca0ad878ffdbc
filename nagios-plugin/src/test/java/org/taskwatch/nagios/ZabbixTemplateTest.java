package org.taskwatch.nagios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.taskwatch.jmx.MonitorMXBean;

/**
 * The template's shape, against independent sources: the Monitor MBean's interface (every
 * attribute has an item), the Zabbix 6.0 export rules (unique 32-hex uuids, triggers that name
 * the template's own items), and the UserParameters against the plugin's own option parser.
 */
class ZabbixTemplateTest {
    private static final String MONITOR_KEY = "jmx[\"org.taskwatch:type=Monitor\",%s]";

    @Test
    void exportHeader() throws Exception {
        ZabbixTemplate t = ZabbixTemplate.load();
        assertEquals("6.0", t.export.get("version"));
        assertEquals(1, ZabbixTemplate.list(t.export.get("templates")).size());
        assertEquals(ZabbixTemplate.NAME, t.template.get("template"));
    }

    @Test
    void uuidsAreUnique32Hex() throws Exception {
        List<String> uuids = new ArrayList<>();
        collect(ZabbixTemplate.load().export, "uuid", uuids);
        assertTrue(uuids.size() > 20, uuids.toString());
        for (String u : uuids) {
            assertTrue(u.matches("[0-9a-f]{32}"), u);
        }
        assertEquals(uuids.size(), new HashSet<>(uuids).size(), "duplicate uuid");
    }

    private static void collect(Object node, String name, List<String> out) {
        if (node instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (name.equals(e.getKey())) {
                    out.add(String.valueOf(e.getValue()));
                } else {
                    collect(e.getValue(), name, out);
                }
            }
        } else if (node instanceof List<?> l) {
            for (Object o : l) {
                collect(o, name, out);
            }
        }
    }

    @Test
    void everyMonitorAttributeHasAnItem() throws Exception {
        List<String> keys = ZabbixTemplate.load().jmxItemKeys();
        for (Method m : MonitorMXBean.class.getMethods()) {
            String n = m.getName();
            if (m.getParameterCount() != 0 || !n.startsWith("get") || n.equals("getWatches")
                    || n.equals("getDeclaredWatches")) {
                continue; // a table and a list of names: the discovery of declared watches covers them
            }
            String key = String.format(MONITOR_KEY, n.substring(3));
            assertTrue(keys.contains(key), "no item for attribute " + n.substring(3) + ": " + keys);
        }
    }

    @Test
    void countersArePerSecondAndGaugesAreNot() throws Exception {
        Map<String, Map<String, Object>> byKey = new HashMap<>();
        for (Map<String, Object> i : ZabbixTemplate.load().items()) {
            byKey.put((String) i.get("key"), i);
        }
        for (Method m : MonitorMXBean.class.getMethods()) {
            String attr = m.getName().substring(3);
            if (m.getParameterCount() != 0 || !m.getName().startsWith("get") || m.getReturnType() != long.class
                    || attr.startsWith("Latency")) {
                continue;
            }
            // a long attribute that is not a latency is a counter since the start
            String key = String.format(MONITOR_KEY, attr);
            boolean perSecond = preprocessing(byKey.get(key)).contains("CHANGE_PER_SECOND");
            boolean viaDependent = false;
            for (Map<String, Object> i : byKey.values()) {
                Object master = i.get("master_item");
                if (master != null && key.equals(ZabbixTemplate.map(master).get("key"))) {
                    viaDependent |= preprocessing(i).contains("CHANGE_PER_SECOND");
                }
            }
            assertTrue(perSecond || viaDependent, attr + " is a counter without change per second");
        }
        assertFalse(preprocessing(byKey.get(String.format(MONITOR_KEY, "WatchCount"))).contains("CHANGE_PER_SECOND"));
    }

    private static List<String> preprocessing(Map<String, Object> item) {
        List<String> types = new ArrayList<>();
        for (Map<String, Object> p : ZabbixTemplate.maps(item.get("preprocessing"))) {
            types.add((String) p.get("type"));
        }
        return types;
    }

    @Test
    void jmxItemsUseTheCredentialMacros() throws Exception {
        ZabbixTemplate t = ZabbixTemplate.load();
        List<Map<String, Object>> jmx = new ArrayList<>();
        for (Map<String, Object> i : t.items()) {
            if ("JMX".equals(i.get("type"))) {
                jmx.add(i);
            }
        }
        for (Map<String, Object> r : t.discoveryRules()) {
            jmx.add(r);
            jmx.addAll(ZabbixTemplate.maps(r.get("item_prototypes")));
        }
        for (Map<String, Object> i : jmx) {
            assertEquals("{$JMXUSER}", i.get("username"), String.valueOf(i.get("key")));
            assertEquals("{$JMXPASSWORD}", i.get("password"), String.valueOf(i.get("key")));
        }
        Set<String> macros = new HashSet<>();
        for (Map<String, Object> m : ZabbixTemplate.maps(t.template.get("macros"))) {
            macros.add((String) m.get("macro"));
        }
        assertTrue(macros.containsAll(Set.of("{$JMXUSER}", "{$JMXPASSWORD}")), macros.toString());
    }

    @Test
    void triggersNameTheTemplatesOwnItems() throws Exception {
        ZabbixTemplate t = ZabbixTemplate.load();
        Set<String> itemKeys = new HashSet<>();
        List<String> expressions = new ArrayList<>();
        for (Map<String, Object> i : t.items()) {
            itemKeys.add((String) i.get("key"));
            for (Map<String, Object> tr : ZabbixTemplate.maps(i.get("triggers"))) {
                expressions.add((String) tr.get("expression"));
            }
        }
        Set<String> prototypeKeys = new HashSet<>();
        List<String> prototypeExpressions = new ArrayList<>();
        Pattern anyRef = Pattern.compile("/" + Pattern.quote(ZabbixTemplate.NAME) + "/([^,)\\[]+(?:\\[.*?\\])?)[,)]");
        List<Map<String, Object>> rules = new ArrayList<>(t.discoveryRules());
        rules.addAll(t.trapperRules());
        for (Map<String, Object> r : rules) {
            for (Map<String, Object> p : ZabbixTemplate.maps(r.get("item_prototypes"))) {
                prototypeKeys.add((String) p.get("key"));
                for (Map<String, Object> tr : ZabbixTemplate.maps(p.get("trigger_prototypes"))) {
                    String e = (String) tr.get("expression");
                    prototypeExpressions.add(e);
                    // nested where Zabbix's own export puts a trigger on one item: under that item
                    Matcher m = anyRef.matcher(e);
                    while (m.find()) {
                        assertEquals(p.get("key"), m.group(1), "a nested trigger prototype names another item: " + e);
                    }
                }
            }
            for (Map<String, Object> tr : ZabbixTemplate.maps(r.get("trigger_prototypes"))) {
                String e = (String) tr.get("expression");
                prototypeExpressions.add(e);
                Set<String> named = new HashSet<>();
                Matcher m = anyRef.matcher(e);
                while (m.find()) {
                    named.add(m.group(1));
                }
                assertTrue(named.size() > 1, "a trigger prototype on one item belongs under that item prototype,"
                        + " as Zabbix exports it (else importcompare shows a change on every import): " + e);
            }
        }
        Pattern ref = anyRef; // a key with or without [parameters]
        for (String e : expressions) {
            Matcher m = ref.matcher(e);
            assertTrue(m.find(), "no item reference in " + e);
            assertTrue(itemKeys.contains(m.group(1)), "trigger on an item the template lacks: " + e);
        }
        for (String e : prototypeExpressions) {
            Matcher m = ref.matcher(e);
            assertTrue(m.find(), e);
            do {
                assertTrue(prototypeKeys.contains(m.group(1)), m.group(1) + " in " + e);
            } while (m.find());
        }
        // the triggers the issue asks for
        assertTrue(expressions.contains("change(/taskwatch by JMX/" + String.format(MONITOR_KEY, "EventsLost") + ")>0"),
                expressions.toString());
        assertTrue(expressions.stream().anyMatch(e -> e.startsWith("nodata(/taskwatch by JMX/jmx[")), "agent unreachable");
        for (String e : List.of("last(/taskwatch by JMX/jmx[\"{#JMXOBJ}\",RunningVsExpected])<0",
                "last(/taskwatch by JMX/jmx[\"{#JMXOBJ}\",RunningVsExpected])>0",
                "change(/taskwatch by JMX/jmx[\"{#JMXOBJ}\",NonZeroExits])>0",
                "last(/taskwatch by JMX/jmx[\"{#JMXOBJ}\",CrashLoop])=1")) {
            assertTrue(prototypeExpressions.contains(e), e + " not in " + prototypeExpressions);
        }
    }

    @Test
    void declaredWatchesAreDiscoveredByNameWithItemsOnTheirMBeansAttributes() throws Exception {
        List<Map<String, Object>> rules = ZabbixTemplate.load().discoveryRules();
        assertEquals(1, rules.size());
        assertEquals("jmx.discovery[beans,\"org.taskwatch:type=Watch,name=*\"]", rules.get(0).get("key"));
        String description = (String) rules.get(0).get("description");
        assertFalse(description.contains("soon after"), description);
        Set<String> attributes = new HashSet<>();
        for (Method m : org.taskwatch.jmx.ServiceWatchMXBean.class.getMethods()) {
            attributes.add(m.getName().replaceFirst("^(get|is)", ""));
        }
        for (Map<String, Object> p : ZabbixTemplate.maps(rules.get(0).get("item_prototypes"))) {
            String key = (String) p.get("key");
            String attribute = key.substring("jmx[\"{#JMXOBJ}\",".length(), key.length() - 1);
            assertTrue(attributes.contains(attribute), "no such attribute on a declared watch's MBean: " + key);
            String name = (String) p.get("name");
            assertTrue(name.startsWith("taskwatch: watch {#JMXNAME}: "), "named by the watch's name: " + name);
            for (Map<String, Object> tr : ZabbixTemplate.maps(p.get("trigger_prototypes"))) {
                assertTrue(((String) tr.get("name")).contains("{#JMXNAME}"), tr.toString());
                assertEquals(null, tr.get("manual_close"), "problems resolve by themselves: " + tr);
            }
        }
    }

    @Test
    void pushedItemsAreTrapperItemsWithTheKeysTheAgentSends() throws Exception {
        ZabbixTemplate t = ZabbixTemplate.load();
        assertTrue(t.items().stream().anyMatch(i -> "TRAP".equals(i.get("type")) && "taskwatch.push.heartbeat".equals(i.get("key"))),
                "a trapper heartbeat item");
        List<Map<String, Object>> rules = t.trapperRules();
        assertEquals(1, rules.size());
        assertEquals("taskwatch.push.discovery", rules.get(0).get("key"));
        Set<String> keys = new HashSet<>();
        for (Map<String, Object> p : ZabbixTemplate.maps(rules.get(0).get("item_prototypes"))) {
            assertEquals("TRAP", p.get("type"), String.valueOf(p.get("key")));
            keys.add((String) p.get("key"));
        }
        // the keys org.taskwatch.push.zabbix.ZabbixTarget sends, {#WATCH} from its discovery value
        assertEquals(Set.of("taskwatch.watch.exit[{#WATCH}]", "taskwatch.watch.exit.text[{#WATCH}]",
                "taskwatch.watch.state[{#WATCH}]", "taskwatch.watch.reason[{#WATCH}]"), keys);
    }

    @Test
    void userParametersAreValidPluginCommandLines() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("zabbix", "taskwatch.conf"));
        Map<String, String> samples = Map.of("taskwatch.alive", "4242", "taskwatch.running", "^nginx",
                "taskwatch.exits", "^backup", "taskwatch.nonzero_exits", "^backup", "taskwatch.rate", "exec",
                "taskwatch.watch", "nginx", "taskwatch.watch.state", "nginx");
        int n = 0;
        for (String l : lines) {
            if (!l.startsWith("UserParameter=")) {
                continue;
            }
            n++;
            int comma = l.indexOf(',');
            String key = l.substring("UserParameter=".length(), comma).replace("[*]", "");
            String command = l.substring(comma + 1).replace("$1", samples.getOrDefault(key, "x")).replace("$2", "300");
            List<String> argv = words(command);
            assertTrue(argv.get(0).endsWith("/check_taskwatch"), command);
            Options o = Options.parse(argv.subList(1, argv.size()).toArray(new String[0]));
            assertTrue(o.raw || o.rawState, "--raw or --raw-state missing: " + l);
            assertNotNull(o.mode, l);
            assertTrue(o.timeoutSeconds < 3, "inside the Zabbix agent's default Timeout=3: " + l);
        }
        assertEquals(9, n);
    }

    /** Shell words with double quotes, enough for these lines. */
    private static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (char c : s.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
                any = true;
            } else if (c == ' ' && !quoted) {
                if (any) {
                    out.add(w.toString());
                }
                w.setLength(0);
                any = false;
            } else {
                w.append(c);
                any = true;
            }
        }
        if (any) {
            out.add(w.toString());
        }
        return out;
    }
}
