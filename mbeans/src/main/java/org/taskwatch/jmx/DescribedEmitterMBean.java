package org.taskwatch.jmx;

import java.util.Map;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.NotificationEmitter;
import javax.management.StandardEmitterMBean;

/**
 * A StandardEmitterMBean whose operations, parameters and attributes carry real names and
 * descriptions (MXBean introspection alone gives "p0", "p1" and the method name), so JConsole
 * and VisualVM show what each one means.
 */
final class DescribedEmitterMBean extends StandardEmitterMBean {
    private final String description;
    private final Map<String, String> descriptions;
    private final Map<String, String[]> parameters;

    /**
     * @param descriptions attribute or operation name to its description
     * @param parameters operation name to {name, description, name, description, ...}
     */
    <T> DescribedEmitterMBean(T impl, Class<T> mxbean, NotificationEmitter emitter, String description,
            Map<String, String> descriptions, Map<String, String[]> parameters) {
        // Not MXBean introspection: it would map the CompositeData and TabularData that the
        // operations return as if they were Java beans. Every type in the interface is an open
        // type already, so generic clients (JConsole, Jolokia) need no taskwatch classes.
        super(impl, mxbean, false, emitter);
        this.description = description;
        this.descriptions = descriptions;
        this.parameters = parameters;
    }

    @Override
    protected String getDescription(MBeanInfo info) {
        return description;
    }

    @Override
    protected String getDescription(MBeanAttributeInfo info) {
        return descriptions.getOrDefault(info.getName(), info.getDescription());
    }

    @Override
    protected String getDescription(MBeanOperationInfo info) {
        return descriptions.getOrDefault(info.getName(), info.getDescription());
    }

    @Override
    protected int getImpact(MBeanOperationInfo info) {
        return OperationImpact.of(info.getName());
    }

    @Override
    protected String getParameterName(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
        String[] p = parameters.get(op.getName());
        return p != null && 2 * sequence < p.length ? p[2 * sequence] : param.getName();
    }

    @Override
    protected String getDescription(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
        String[] p = parameters.get(op.getName());
        return p != null && 2 * sequence + 1 < p.length ? p[2 * sequence + 1] : param.getDescription();
    }
}
