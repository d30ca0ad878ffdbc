package org.taskwatch.kernel;

import org.taskwatch.testing.KernelTests;

/** The contract on the proc connector: {@code source=netlink}. */
class NetlinkSourceContractTest extends EventSourceContract {
    @Override
    EventSource open(EventHandler handler, String threadName) throws Exception {
        KernelTests.require(KernelTests.isRoot() || KernelVersion.running().atLeast(6, 6),
                "the proc connector needs root before Linux 6.6");
        EventSource s = EventSources.open(EventSourceSettings.defaults().withMode(EventSourceSettings.Mode.NETLINK),
                handler, threadName);
        assert s instanceof ProcEventReader;
        return s;
    }
}
