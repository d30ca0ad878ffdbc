/**
 * Pushing what happens to declared (named) watches to monitoring systems that do not poll JMX:
 * {@link org.taskwatch.push.WatchFeed} turns delivered events and state changes into
 * {@link org.taskwatch.push.PushMessage}s; each destination has a {@link org.taskwatch.push.PushQueue}
 * (bounded, batching, retrying, counting) in front of its {@link org.taskwatch.push.PushTarget},
 * which knows the wire protocol only.
 */
package org.taskwatch.push;
