package org.taskwatch.jmx;

import java.util.Map;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.StandardMBean;
import javax.management.openmbean.CompositeDataSupport;
import org.taskwatch.monitor.ServiceWatch;
import org.taskwatch.monitor.ServiceWatches;

/**
 * The {@link ServiceWatchMXBean} of one declared watch: each attribute read takes a fresh
 * snapshot (the state is evaluated then). Described as {@link OpenTypes#WATCH_STATE} describes
 * its items, so JConsole shows the same words as {@code watchState}.
 */
final class ServiceWatchView implements ServiceWatchMXBean {
    private final ServiceWatches services;
    private final ServiceWatch watch;

    ServiceWatchView(ServiceWatches services, ServiceWatch watch) {
        this.services = services;
        this.watch = watch;
    }

    /** The MBean, with descriptions. */
    static StandardMBean mbean(ServiceWatches services, ServiceWatch watch) {
        return new StandardMBean(new ServiceWatchView(services, watch), ServiceWatchMXBean.class, true) {
            @Override
            protected String getDescription(MBeanInfo info) {
                return "taskwatch: the declared watch '" + watch.name() + "' (" + watch.spec().match() + ")";
            }

            @Override
            protected String getDescription(MBeanAttributeInfo info) {
                String n = info.getName();
                String item = Character.toLowerCase(n.charAt(0)) + n.substring(1);
                if (n.equals("Events")) {
                    return "The events notified for it (exit always, and exec for a command watch: its counters need them)";
                }
                return OpenTypes.WATCH_STATE.containsKey(item) ? OpenTypes.WATCH_STATE.getDescription(item)
                        : info.getDescription();
            }
        };
    }

    private Map<String, Object> v() {
        return OpenTypes.watchState(services.snapshot(watch));
    }

    @Override public String getName() { return watch.name(); }
    @Override public String getMatch() { return watch.spec().match(); }
    @Override public String getEvents() { return org.taskwatch.kernel.EventType.toList(watch.spec().mask()); }
    @Override public String getExpect() { return watch.spec().expect().toString(); }
    @Override public int getRunning() { return (Integer) v().get("running"); }
    @Override public int getRunningVsExpected() { return (Integer) v().get("runningVsExpected"); }
    @Override public int getPid() { return (Integer) v().get("pid"); }
    @Override public long getStarts() { return (Long) v().get("starts"); }
    @Override public long getExits() { return (Long) v().get("exits"); }
    @Override public long getNonZeroExits() { return (Long) v().get("nonZeroExits"); }
    @Override public long getSignalExits() { return (Long) v().get("signalExits"); }
    @Override public long getRestarts() { return (Long) v().get("restarts"); }
    @Override public boolean isCrashLoop() { return (Boolean) v().get("crashLoop"); }
    @Override public String getState() { return (String) v().get("state"); }
    @Override public int getStateCode() { return (Integer) v().get("stateCode"); }
    @Override public String getReason() { return (String) v().get("reason"); }
    @Override public String getStateSince() { return (String) v().get("stateSince"); }
    @Override public long getStateSinceMillis() { return (Long) v().get("stateSinceMillis"); }
    @Override public String getLastExit() { return (String) v().get("lastExit"); }
    @Override public int getLastExitPid() { return (Integer) v().get("lastExitPid"); }
    @Override public int getLastExitCode() { return (Integer) v().get("lastExitCode"); }
    @Override public int getLastExitSignal() { return (Integer) v().get("lastExitSignal"); }
    @Override public boolean isLastExitCoreDumped() { return (Boolean) v().get("lastExitCoreDumped"); }
    @Override public long getLastExitMillis() { return (Long) v().get("lastExitMillis"); }
    @Override public String getLastNonZeroExit() { return (String) v().get("lastNonZeroExit"); }
    @Override public long getLastNonZeroExitMillis() { return (Long) v().get("lastNonZeroExitMillis"); }

    /** The same as one composite value (Monitor's {@code watchState}). */
    static CompositeDataSupport composite(ServiceWatches services, ServiceWatch w) {
        try {
            return new CompositeDataSupport(OpenTypes.WATCH_STATE, OpenTypes.watchState(services.snapshot(w)));
        } catch (javax.management.openmbean.OpenDataException e) {
            throw new IllegalStateException(e);
        }
    }
}
