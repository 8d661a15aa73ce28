import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

/**
 * Shutdown closes the sockets that carry no request — including ones that connected and never sent
 * one (browser preconnects, a client's spare connection). Node counts only sockets that have served a
 * request as idle, so without this `close()` waits for such a socket's headers timeout (60 s).
 * Sockets with a request in flight are left to finish it (answered with `Connection: close`).
 */
export function registerConnectionDrain(app: FastifyInstance): void {
  const inFlight = new Map<Socket, number>();
  app.server.on('connection', (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  app.server.on('request', (request: { socket: Socket }, response: { once(event: 'close', listener: () => void): void }) => {
    const { socket } = request;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    response.once('close', () => {
      if (inFlight.has(socket)) inFlight.set(socket, Math.max(0, (inFlight.get(socket) ?? 1) - 1));
    });
  });
  app.addHook('preClose', async () => {
    for (const [socket, requests] of inFlight) if (requests === 0) socket.destroy();
  });
}
