package org.taskwatch.nagios;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** The Zabbix template as Zabbix would import it (a YAML parser, no line scanning), for the tests. */
final class ZabbixTemplate {
    static final Path FILE = Path.of("zabbix", "taskwatch_template.yaml");
    static final String NAME = "taskwatch by JMX";

    final Map<String, Object> export;
    final Map<String, Object> template;

    private ZabbixTemplate(Map<String, Object> export) {
        this.export = export;
        this.template = map(list(export.get("templates")).get(0));
    }

    static ZabbixTemplate load() throws IOException {
        return load(FILE);
    }

    /** Another template file of the same export format (the Zabbix agent template). */
    static ZabbixTemplate load(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            Map<String, Object> root = map(new Yaml(new SafeConstructor(new LoaderOptions())).load(in));
            return new ZabbixTemplate(map(root.get("zabbix_export")));
        }
    }

    List<Map<String, Object>> items() {
        return maps(template.get("items"));
    }

    /** The polled discovery rules (JMX, Zabbix agent); the trapper one the agent pushes to is {@link #trapperRules}. */
    List<Map<String, Object>> discoveryRules() {
        return maps(template.get("discovery_rules")).stream().filter(r -> !"TRAP".equals(r.get("type"))).toList();
    }

    /** The discovery rules of type Zabbix trapper: what the agent's push feeds. */
    List<Map<String, Object>> trapperRules() {
        return maps(template.get("discovery_rules")).stream().filter(r -> "TRAP".equals(r.get("type"))).toList();
    }

    /** The keys of the template's JMX items (not the discovery rule, not the prototypes). */
    List<String> jmxItemKeys() {
        List<String> keys = new ArrayList<>();
        for (Map<String, Object> i : items()) {
            if ("JMX".equals(i.get("type"))) {
                keys.add((String) i.get("key"));
            }
        }
        return keys;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        if (!(o instanceof Map)) {
            throw new AssertionError("expected a mapping, got " + o);
        }
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        if (!(o instanceof List)) {
            throw new AssertionError("expected a sequence, got " + o);
        }
        return (List<Object>) o;
    }

    static List<Map<String, Object>> maps(Object o) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (o == null) {
            return out;
        }
        for (Object e : list(o)) {
            out.add(map(e));
        }
        return out;
    }
}
