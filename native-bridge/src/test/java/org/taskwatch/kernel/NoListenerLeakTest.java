package org.taskwatch.kernel;

import org.junit.jupiter.api.Order;
import org.taskwatch.testing.ListenerLeakCheck;

/** After every other test class of the module: no proc connector left subscribed. */
@Order(Integer.MAX_VALUE)
class NoListenerLeakTest extends ListenerLeakCheck {}
