package org.taskwatch.jmx;

import java.util.Map;
import javax.management.MBeanFeatureInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;

/**
 * What JConsole, VisualVM and Jolokia show of an MBean beyond its interface: its description,
 * its attributes' and operations' descriptions, and its parameters' names and descriptions
 * (introspection alone gives the JDK's stock text, the attribute's own name, and "p0", "p1").
 *
 * @param description the MBean's
 * @param features attribute or operation name to its description
 * @param parameters operation name to {name, description, name, description, ...}
 */
record MBeanTexts(String description, Map<String, String> features, Map<String, String[]> parameters) {
    MBeanTexts(String description, Map<String, String> features) {
        this(description, features, Map.of());
    }

    String of(MBeanFeatureInfo info) {
        return features.getOrDefault(info.getName(), info.getDescription());
    }

    String parameterName(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
        String[] p = parameters.get(op.getName());
        return p != null && 2 * sequence < p.length ? p[2 * sequence] : param.getName();
    }

    String parameterDescription(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
        String[] p = parameters.get(op.getName());
        return p != null && 2 * sequence + 1 < p.length ? p[2 * sequence + 1] : param.getDescription();
    }
}
