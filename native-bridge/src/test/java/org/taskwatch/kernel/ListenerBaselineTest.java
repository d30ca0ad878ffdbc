package org.taskwatch.kernel;

import org.junit.jupiter.api.Order;
import org.taskwatch.testing.ListenerLeakCheck;

/** Before every other test class of the module: is the machine free of listeners to begin with? */
@Order(Integer.MIN_VALUE)
class ListenerBaselineTest extends ListenerLeakCheck.Baseline {}
