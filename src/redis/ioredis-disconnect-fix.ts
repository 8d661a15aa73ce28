import { Redis } from 'ioredis';

/**
 * ioredis 5: `disconnect()` while a reconnect is scheduled clears its timer and leaves the client in
 * `reconnecting` for good: no stream is left to close, so `end` never comes. BullMQ's `Worker.close()`
 * waits for `end` on its blocking connection, so a shutdown right after a Redis outage hung until its
 * drain deadline. Until upstream fixes it (redis/ioredis#1247; the fix proposed in redis/ioredis#2169 is
 * this one), a disconnect of a client in that state ends it as a manual close would: status `end`, its
 * queued commands rejected with "Connection is closed.". Applied once, to the class every connection
 * (BullMQ's included) is made from.
 */
interface ClientInternals {
  setStatus(status: string): void;
  flushQueue(error: Error): void;
  manuallyClosing: boolean;
}

const patched = Symbol.for('llm-gateway.ioredis-disconnect-fix');
const prototype = Redis.prototype as Redis & { [patched]?: true };

if (!prototype[patched]) {
  const disconnect = prototype.disconnect;
  prototype.disconnect = function disconnectEvenWhileReconnecting(this: Redis, reconnect = false) {
    const stranded = !reconnect && this.status === 'reconnecting';
    disconnect.call(this, reconnect);
    if (stranded && this.status === 'reconnecting') {
      const client = this as unknown as ClientInternals;
      client.manuallyClosing = false;
      client.setStatus('end');
      client.flushQueue(new Error('Connection is closed.'));
    }
  };
  prototype[patched] = true;
}
