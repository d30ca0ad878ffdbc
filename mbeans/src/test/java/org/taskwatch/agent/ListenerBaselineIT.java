package org.taskwatch.agent;

import org.junit.jupiter.api.Order;
import org.taskwatch.testing.ListenerLeakCheck;

/** Before the integration tests: is the machine free of listeners to begin with? */
@Order(Integer.MIN_VALUE)
class ListenerBaselineIT extends ListenerLeakCheck.Baseline {}
