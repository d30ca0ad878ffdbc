package org.taskwatch.jmx;

import java.util.Map;
import javax.management.MBeanOperationInfo;

/**
 * What each Monitor operation does, as its {@link MBeanOperationInfo#getImpact impact}: access
 * control reads it (JMX and Jolokia let read-only users call INFO operations only), so it must
 * be right. INFO: answers without changing what the agent does. {@code summary} counts as INFO
 * although its first call for a pattern starts that pattern's history: the histories are bounded
 * (maxSummaries, least recently used goes) and only serve later summaries. {@code waitForExit}
 * takes a waiter slot (maxWaiters) for as long as it waits.
 */
final class OperationImpact {
    private static final Map<String, Integer> IMPACTS = Map.ofEntries(
            Map.entry("watch", MBeanOperationInfo.ACTION),
            Map.entry("watchTree", MBeanOperationInfo.ACTION),
            Map.entry("watchCommand", MBeanOperationInfo.ACTION),
            Map.entry("watchUnit", MBeanOperationInfo.ACTION),
            Map.entry("watchCgroup", MBeanOperationInfo.ACTION),
            Map.entry("unwatch", MBeanOperationInfo.ACTION),
            Map.entry("keep", MBeanOperationInfo.ACTION),
            Map.entry("endWith", MBeanOperationInfo.ACTION),
            Map.entry("watchState", MBeanOperationInfo.INFO),
            Map.entry("waitForExit", MBeanOperationInfo.INFO),
            Map.entry("summary", MBeanOperationInfo.INFO),
            Map.entry("processStatus", MBeanOperationInfo.INFO),
            Map.entry("eventCounts", MBeanOperationInfo.INFO),
            Map.entry("health", MBeanOperationInfo.INFO));

    private OperationImpact() {}

    /** The impact of the operation {@code name}; UNKNOWN (treated as a change) for one not listed. */
    static int of(String name) {
        return IMPACTS.getOrDefault(name, MBeanOperationInfo.UNKNOWN);
    }
}
