package org.taskwatch.jmx;

import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.StandardMBean;

/** An MXBean without notifications whose MBean and attributes carry real descriptions. */
final class DescribedMBean extends StandardMBean {
    private final MBeanTexts texts;

    <T> DescribedMBean(T impl, Class<T> mxbean, MBeanTexts texts) {
        super(impl, mxbean, true);
        this.texts = texts;
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
}
