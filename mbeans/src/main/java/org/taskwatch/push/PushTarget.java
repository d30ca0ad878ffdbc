package org.taskwatch.push;

import java.io.IOException;
import java.util.List;

/**
 * A monitoring system that takes pushed messages, in its own protocol (Zabbix's sender protocol,
 * Icinga's API, Nagios's command file). Called by its {@link PushQueue}'s one sender thread only,
 * so an implementation needs no locking of its own.
 */
public interface PushTarget {
    /** For logs and attributes: the protocol and where to, e.g. {@code zabbix 127.0.0.1:10051}. */
    String name();

    /**
     * Sends {@code batch} (1 to the queue's batch size, oldest first).
     *
     * @return what the system took and what it refused, with its answer
     * @throws IOException when it could not be told (unreachable, connection cut, no answer): the
     *     queue keeps the batch and tries again later. A system that answered "no" is not an
     *     exception: return {@link Result#refused} with its answer, and the batch is not retried
     */
    Result send(List<PushMessage> batch) throws IOException;

    /**
     * What a system answered to a batch.
     *
     * @param accepted messages it took
     * @param refused messages it refused (unknown host or item, a value that does not fit)
     * @param answer its answer as it gave it (for the log and the LastError attribute when
     *     something was refused); may be empty when all was accepted
     */
    record Result(int accepted, int refused, String answer) {
        public static Result allAccepted(int n) {
            return new Result(n, 0, "");
        }

        public static Result allRefused(int n, String answer) {
            return new Result(0, n, answer);
        }
    }
}
