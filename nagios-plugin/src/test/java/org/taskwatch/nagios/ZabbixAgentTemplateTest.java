package org.taskwatch.nagios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/**
 * The Zabbix agent template's shape, against independent sources: the UserParameters in
 * taskwatch.conf (every key the template asks has one, with [*] exactly when it takes
 * arguments), the Zabbix 6.0 export rules (unique 32-hex uuids, a trigger nested under the one
 * item it names, as Zabbix exports it), and problems that resolve by themselves.
 */
class ZabbixAgentTemplateTest {
    static final Path FILE = Path.of("zabbix", "taskwatch_agent_template.yaml");
    static final String NAME = "taskwatch by Zabbix agent";
    private static final Pattern REF = Pattern.compile("/" + Pattern.quote(NAME) + "/([^\\[,)]+(\\[[^\\]]*\\])?)[,)]");
    private static final Pattern MACRO = Pattern.compile("\\{\\$[A-Z0-9_.]+\\}");

    /** UserParameter key name to whether it takes arguments ([*]). */
    private static Map<String, Boolean> userParameters() throws Exception {
        Map<String, Boolean> keys = new HashMap<>();
        for (String l : Files.readAllLines(Path.of("zabbix", "taskwatch.conf"))) {
            if (l.startsWith("UserParameter=")) {
                String key = l.substring("UserParameter=".length(), l.indexOf(','));
                keys.put(key.replace("[*]", ""), key.endsWith("[*]"));
            }
        }
        return keys;
    }

    private static String keyName(String key) {
        int b = key.indexOf('[');
        return b < 0 ? key : key.substring(0, b);
    }

    /** Every item, discovery rule and item prototype, each with its key. */
    private static List<Map<String, Object>> allKeyed(ZabbixTemplate t) {
        List<Map<String, Object>> all = new ArrayList<>(t.items());
        for (Map<String, Object> r : t.discoveryRules()) {
            all.add(r);
            all.addAll(ZabbixTemplate.maps(r.get("item_prototypes")));
        }
        return all;
    }

    @Test
    void exportHeader() throws Exception {
        ZabbixTemplate t = ZabbixTemplate.load(FILE);
        assertEquals("6.0", t.export.get("version"));
        assertEquals(1, ZabbixTemplate.list(t.export.get("templates")).size());
        assertEquals(NAME, t.template.get("template"));
    }

    @Test
    void uuidsAreUnique32HexAndDifferFromTheJmxTemplates() throws Exception {
        List<String> mine = uuids(ZabbixTemplate.load(FILE).template);
        assertTrue(mine.size() > 15, mine.toString());
        for (String u : mine) {
            assertTrue(u.matches("[0-9a-f]{32}"), u);
        }
        assertEquals(mine.size(), new HashSet<>(mine).size(), "duplicate uuid");
        Set<String> shared = new HashSet<>(mine);
        shared.retainAll(uuids(ZabbixTemplate.load().template));
        assertEquals(Set.of(), shared, "uuids also in the JMX template: Zabbix would take one template's object for the other's");
    }

    private static List<String> uuids(Object node) {
        List<String> out = new ArrayList<>();
        collect(node, out);
        return out;
    }

    private static void collect(Object node, List<String> out) {
        if (node instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if ("uuid".equals(e.getKey())) {
                    out.add(String.valueOf(e.getValue()));
                } else {
                    collect(e.getValue(), out);
                }
            }
        } else if (node instanceof List<?> l) {
            l.forEach(o -> collect(o, out));
        }
    }

    @Test
    void everyKeyHasAUserParameterAndEveryUserParameterButAliveIsUsed() throws Exception {
        Map<String, Boolean> params = userParameters();
        Set<String> used = new HashSet<>();
        for (Map<String, Object> i : allKeyed(ZabbixTemplate.load(FILE))) {
            String key = (String) i.get("key");
            String name = keyName(key);
            assertTrue(params.containsKey(name), "no UserParameter in taskwatch.conf for " + key);
            assertEquals(params.get(name), key.contains("["), "arguments and [*] disagree for " + key);
            assertNull(i.get("type"), "a Zabbix agent (passive) item, the export's default type: " + key);
            used.add(name);
        }
        Set<String> unused = new HashSet<>(params.keySet());
        unused.removeAll(used);
        // a pid is not stable across restarts: an item keyed on one belongs to a person, not a template
        assertEquals(Set.of("taskwatch.alive"), unused);
    }

    @Test
    void macrosInKeysAndTriggersAreDefined() throws Exception {
        ZabbixTemplate t = ZabbixTemplate.load(FILE);
        Set<String> defined = new HashSet<>();
        for (Map<String, Object> m : ZabbixTemplate.maps(t.template.get("macros"))) {
            assertTrue(m.get("value") != null && !((String) m.get("value")).isEmpty(), "a default for " + m);
            defined.add((String) m.get("macro"));
        }
        Matcher m = MACRO.matcher(String.valueOf(t.template.get("items")) + t.template.get("discovery_rules"));
        Set<String> used = new HashSet<>();
        while (m.find()) {
            used.add(m.group());
        }
        assertEquals(defined, used);
    }

    @Test
    void triggersAreNestedUnderTheOneItemTheyNameAndResolveByThemselves() throws Exception {
        ZabbixTemplate t = ZabbixTemplate.load(FILE);
        List<String> expressions = new ArrayList<>();
        for (Map<String, Object> i : t.items()) {
            expressions.addAll(nestedTriggers(i, "triggers"));
        }
        for (Map<String, Object> r : t.discoveryRules()) {
            assertNull(r.get("trigger_prototypes"), "each trigger prototype names one item: under it, as Zabbix exports it");
            for (Map<String, Object> p : ZabbixTemplate.maps(r.get("item_prototypes"))) {
                expressions.addAll(nestedTriggers(p, "trigger_prototypes"));
            }
        }
        assertNull(t.template.get("triggers"), "each trigger names one item: under it, as Zabbix exports it");
        for (String e : List.of("last(/" + NAME + "/taskwatch.health)=2", "last(/" + NAME + "/taskwatch.health)=1",
                "last(/" + NAME + "/taskwatch.watch.state[{#WATCH}])=2")) {
            assertTrue(expressions.contains(e), e + " not in " + expressions);
        }
    }

    private static List<String> nestedTriggers(Map<String, Object> item, String field) {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> tr : ZabbixTemplate.maps(item.get(field))) {
            String e = (String) tr.get("expression");
            Matcher m = REF.matcher(e);
            assertTrue(m.find(), "no item reference in " + e);
            do {
                assertEquals(item.get("key"), m.group(1), "a trigger nested under " + item.get("key") + " names another item: " + e);
            } while (m.find());
            assertNull(tr.get("manual_close"), "problems resolve by themselves: " + tr);
            assertNull(tr.get("recovery_mode"), "recovers when its expression is false again: " + tr);
            assertNull(tr.get("type"), "one problem, not one per value: " + tr);
            out.add(e);
        }
        return out;
    }

    @Test
    void valueMapsNamedByItemsExist() throws Exception {
        ZabbixTemplate t = ZabbixTemplate.load(FILE);
        Set<String> maps = new HashSet<>();
        for (Map<String, Object> v : ZabbixTemplate.maps(t.template.get("valuemaps"))) {
            maps.add((String) v.get("name"));
        }
        for (Map<String, Object> i : allKeyed(t)) {
            Object vm = i.get("valuemap");
            if (vm != null) {
                assertTrue(maps.contains((String) ZabbixTemplate.map(vm).get("name")), i.get("key") + " names a missing value map");
            }
        }
    }

    @Test
    void watchDiscoveryMacroIsTheOneListWatchesPrints() throws Exception {
        Map<String, Object> rule = ZabbixTemplate.load(FILE).discoveryRules().get(0);
        assertEquals("taskwatch.watches.discovery", rule.get("key"));
        for (Map<String, Object> p : ZabbixTemplate.maps(rule.get("item_prototypes"))) {
            assertTrue(((String) p.get("key")).endsWith("[" + ListWatchesCheck.MACRO + "]"), p.toString());
        }
    }
}
