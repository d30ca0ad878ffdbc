/**
 * The jar's entry points ({@code Premain-Class}, {@code Agent-Class}, {@code Main-Class}): a
 * bootstrap that uses the JDK only. It is all of taskwatch the host's class loader loads under
 * {@code -javaagent}; the rest of taskwatch, JNA and Jolokia are loaded by a class loader of
 * their own ({@link org.taskwatch.boot.IsolatedLoader}), so a host that bundles other versions of
 * them is not disturbed, nor does it disturb taskwatch.
 */
package org.taskwatch.boot;
