/**
 * What a monitoring-plugins check says and how it is written, shared by {@code check_taskwatch}
 * (active checks) and the agent's passive results (Icinga 2, Nagios), so that both read alike:
 * states, threshold ranges, perfdata, the status line, and the verdict on a declared watch.
 *
 * <p>JDK only, and nothing here refers to the rest of the agent: the plugin's build copies this
 * package into its own jar (the plugin depends on nothing but the JDK, for start-up time).
 */
package org.taskwatch.check;
