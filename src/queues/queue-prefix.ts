/**
 * BullMQ's key prefix for one queue: `<prefix>:{<queue>}`, so its keys read `gw:{chat-openai}:chat-openai:wait`.
 * The braces are a Redis Cluster hash tag: every key of a queue hashes to one slot, as BullMQ's
 * scripts (which touch many of them at once) need, and each queue to a slot of its own, so the
 * queues of a busy deployment spread over the cluster's nodes. On one server they change nothing.
 */
export function queuePrefix(prefix: string, queueName: string): string {
  return `${prefix}:{${queueName}}`;
}
