package org.taskwatch.jmx;

import javax.management.MBeanAttributeInfo;
import javax.management.MBeanException;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.NotificationEmitter;
import javax.management.ReflectionException;
import javax.management.RuntimeOperationsException;
import javax.management.StandardEmitterMBean;

/**
 * A StandardEmitterMBean whose operations, parameters and attributes carry real names and
 * descriptions (MXBean introspection alone gives "p0", "p1" and the method name), so JConsole
 * and VisualVM show what each one means; an operation's {@link IllegalArgumentException}
 * reaches clients as the {@link RuntimeOperationsException} JMX defines for bad arguments.
 */
final class DescribedEmitterMBean extends StandardEmitterMBean {
    private final MBeanTexts texts;

    <T> DescribedEmitterMBean(T impl, Class<T> mxbean, NotificationEmitter emitter, MBeanTexts texts) {
        // Not MXBean introspection: it would map the CompositeData and TabularData that the
        // operations return as if they were Java beans. Every type in the interface is an open
        // type already, so generic clients (JConsole, Jolokia) need no taskwatch classes.
        super(impl, mxbean, false, emitter);
        this.texts = texts;
    }

    @Override
    public Object invoke(String operation, Object[] params, String[] signature)
            throws MBeanException, ReflectionException {
        try {
            return super.invoke(operation, params, signature);
        } catch (IllegalArgumentException e) {
            // a plain IAE with only the message: the client needs no taskwatch classes
            throw new RuntimeOperationsException(new IllegalArgumentException(e.getMessage()), e.getMessage());
        }
    }

    @Override
    protected String getDescription(MBeanInfo info) {
        return texts.description();
    }

    @Override
    protected String getDescription(MBeanAttributeInfo info) {
        return texts.of(info);
    }

    @Override
    protected String getDescription(MBeanOperationInfo info) {
        return texts.of(info);
    }

    @Override
    protected int getImpact(MBeanOperationInfo info) {
        return OperationImpact.of(info.getName());
    }

    @Override
    protected String getParameterName(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
        return texts.parameterName(op, param, sequence);
    }

    @Override
    protected String getDescription(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
        return texts.parameterDescription(op, param, sequence);
    }
}
