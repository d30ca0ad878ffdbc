package org.taskwatch.nagios;

/** One mode of the plugin: asks the agent once and decides the state. */
interface Check {
    Result run(Jolokia agent) throws CheckException;

    /**
     * What {@code --raw} prints when the agent does not answer (refused, timed out), or null to
     * print the UNKNOWN status line, which a Zabbix agent turns into "not supported" with that text.
     */
    default String rawWhenUnreachable() {
        return null;
    }

    /** "1 process", "3 processes". */
    static String count(long n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }

    /** " (the history covers only 12 s of the 300 s window)" when the counts cover less than asked. */
    static String coverage(long covered, int window) {
        if (covered >= window) {
            return "";
        }
        return covered <= 0 ? " (history starts now: counts cover the time since this first check)"
                : " (history covers only " + covered + " s of the " + window + " s window)";
    }
}
