package org.taskwatch.agent;

import org.junit.jupiter.api.Order;
import org.taskwatch.testing.ListenerLeakCheck;

/** After the agent processes of the integration tests: each unsubscribed when it was stopped. */
@Order(Integer.MAX_VALUE)
class NoListenerLeakIT extends ListenerLeakCheck {}
