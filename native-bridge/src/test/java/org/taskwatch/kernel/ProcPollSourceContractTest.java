package org.taskwatch.kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import org.taskwatch.testing.KernelTests;

/**
 * The contract on the /proc poller, forced with {@code source=procfs} where the proc connector
 * would work too (so CI runs it on the machine it has). In CI the kernel must give exit
 * statuses through pidfds (6.15+): the contract then holds it to exact statuses of tracked
 * processes.
 */
class ProcPollSourceContractTest extends EventSourceContract {
    @Override
    EventSource open(EventHandler handler, String threadName) throws Exception {
        KernelTests.require(Files.isReadable(Path.of("/proc/self/stat")), "no /proc");
        KernelTests.require(KernelVersion.running().atLeast(ProcPollSource.EXIT_INFO_MAJOR, ProcPollSource.EXIT_INFO_MINOR),
                "exit statuses through pidfds need Linux 6.15");
        EventSource s = EventSources.open(EventSourceSettings.defaults().withMode(EventSourceSettings.Mode.PROCFS),
                handler, threadName);
        assert s instanceof ProcPollSource;
        return s;
    }
}
