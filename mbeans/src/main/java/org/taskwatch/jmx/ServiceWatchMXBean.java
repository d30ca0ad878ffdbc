package org.taskwatch.jmx;

/**
 * {@code org.taskwatch:type=Watch,name=NAME}: a watch declared in the agent's configuration
 * file. Its name is stable across agent restarts; its counters start with the agent. Every
 * attribute is a point-in-time value and none is ever null (pollers such as Zabbix read each
 * one on its own).
 */
public interface ServiceWatchMXBean {
    String getName();

    String getMatch();

    String getEvents();

    String getExpect();

    int getRunning();

    int getRunningVsExpected();

    int getPid();

    long getStarts();

    long getExits();

    long getNonZeroExits();

    long getSignalExits();

    long getRestarts();

    boolean isCrashLoop();

    String getState();

    int getStateCode();

    String getReason();

    String getStateSince();

    long getStateSinceMillis();

    String getLastExit();

    int getLastExitPid();

    int getLastExitCode();

    int getLastExitSignal();

    boolean isLastExitCoreDumped();

    long getLastExitMillis();

    String getLastNonZeroExit();

    long getLastNonZeroExitMillis();
}
