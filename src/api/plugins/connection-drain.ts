import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';

/** The most the drain waits for connections already made to be accepted and send their first request. */
const acceptBudgetMs = 2000;
/** No new connection for this long: the kernel's accept queue is empty. */
const quietMs = 100;

/**
 * Shutdown must not reset connections whose client has already sent a request. Two things would:
 * closing the listening socket resets every connection still in the kernel's accept queue (under load
 * Node accepts them late), and Node's `server.close()` destroys every connection with no request being
 * parsed, including one whose request is still in its socket buffer. So before the server closes, the
 * listener stays open until no new connection has come for `quietMs` and every connection has sent its
 * first request (at most `acceptBudgetMs` in all); requests arriving then are served, with
 * `Connection: close`. What is still silent after that — a browser's preconnect, a client's spare
 * connection — is closed, as are idle keep-alive sockets (otherwise `close()` would wait for a silent
 * socket's headers timeout, 60 s). Sockets with a request in flight finish it.
 */
export function registerConnectionDrain(app: FastifyInstance): void {
  const sockets = new Map<Socket, { inFlight: number; served: number }>();
  let lastConnectionAt = 0;
  app.server.on('connection', (socket: Socket) => {
    lastConnectionAt = Date.now();
    sockets.set(socket, { inFlight: 0, served: 0 });
    socket.once('close', () => sockets.delete(socket));
  });
  app.server.on('request', (request: { socket: Socket }, response: { once(event: 'close', listener: () => void): void }) => {
    const state = sockets.get(request.socket);
    if (!state) return;
    state.inFlight += 1;
    response.once('close', () => {
      state.inFlight = Math.max(0, state.inFlight - 1);
      state.served += 1;
    });
  });
  const silent = () => [...sockets.values()].some((state) => state.inFlight === 0 && state.served === 0);
  app.addHook('preClose', async () => {
    const startedAt = Date.now();
    while (Date.now() - startedAt < acceptBudgetMs && (silent() || Date.now() - lastConnectionAt < quietMs)) await sleep(20);
    for (const [socket, state] of sockets) if (state.inFlight === 0) socket.destroy();
  });
}
