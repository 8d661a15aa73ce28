import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyServerFactory } from 'fastify';
import { GatewayError } from '../errors/gateway-error.ts';
import type { Logger } from '../logging/logger.ts';
import type { StartupStatus } from './startup-status.ts';

/** How soon a refused caller may try again (the `Retry-After` of a 503 during start-up). */
const retryAfterSeconds = 5;

export interface StartupAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * What the port answers while the process starts: `/healthz` 200 (the process is alive, so a
 * liveness probe must not restart it while it waits), `/readyz` 503 with what it waits for,
 * anything else 503 in the OpenAI error shape with `Retry-After`.
 */
export function startupAnswer(method: string | undefined, url: string | undefined, status: StartupStatus): StartupAnswer {
  const path = (url ?? '').split('?')[0];
  const readable = method === 'GET' || method === 'HEAD';
  const json = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };
  if (readable && path === '/healthz') return { statusCode: 200, headers: json, body: JSON.stringify({ status: 'ok' }) };
  if (readable && path === '/readyz') return { statusCode: 503, headers: json, body: JSON.stringify(status.report()) };
  const error = new GatewayError({ code: 'service_unavailable', message: status.describe() });
  return { statusCode: error.status, headers: { ...json, 'retry-after': String(retryAfterSeconds) }, body: JSON.stringify(error.toBody()) };
}

export interface StartupServer {
  /** `http://host:port`. */
  url: string;
  server: Server;
  /**
   * For fastify's `serverFactory` option: keeps fastify's request handler for {@link handOver} and
   * gives fastify this (already listening) server, with the settings fastify would give its own.
   */
  serverFactory: FastifyServerFactory;
  /**
   * Sends every later request to fastify, and makes fastify's next `listen()` adopt the bound socket:
   * the port never refuses a connection between start-up and service.
   */
  handOver(): void;
  /** Stops listening (start-up failed, or another server takes the port over). */
  close(): Promise<void>;
}

/**
 * Listens on host:port at once, before Postgres and Redis are reached, so probes see a live process
 * (and why it is not ready yet) instead of a refused connection; the API takes the same server over.
 */
export async function openStartupServer(options: { host: string; port: number; status: StartupStatus; logger: Logger; what: string }): Promise<StartupServer> {
  const { status } = options;
  const answerDuringStartup = (request: IncomingMessage, response: ServerResponse) => {
    const answer = startupAnswer(request.method, request.url, status);
    response.writeHead(answer.statusCode, answer.headers).end(request.method === 'HEAD' ? undefined : answer.body);
  };
  const server = createServer(answerDuringStartup);
  // A probe's keep-alive socket must not hold a shutdown during start-up.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  options.logger.info({ url, what: options.what }, 'listening during start-up: /healthz answers, /readyz says what the process waits for');

  let fastifyHandler: ((request: IncomingMessage, response: ServerResponse) => void) | undefined;
  const serverFactory: FastifyServerFactory = (handler, settings) => {
    fastifyHandler = handler;
    // What fastify sets on a server it creates itself (lib/server.js, getServerInstance).
    if (typeof settings.keepAliveTimeout === 'number') server.keepAliveTimeout = settings.keepAliveTimeout;
    if (typeof settings.requestTimeout === 'number') server.requestTimeout = settings.requestTimeout;
    if (typeof settings.connectionTimeout === 'number') server.setTimeout(settings.connectionTimeout);
    if (typeof settings.maxRequestsPerSocket === 'number' && settings.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = settings.maxRequestsPerSocket;
    return server;
  };
  return {
    url,
    server,
    serverFactory,
    handOver() {
      if (!fastifyHandler) throw new Error('handOver() before fastify was built with this serverFactory');
      server.off('request', answerDuringStartup);
      server.on('request', fastifyHandler);
      // fastify's listen() calls server.listen() and waits for 'listening'; the socket is bound already,
      // so this one call only reports it (a second real listen would throw ERR_SERVER_ALREADY_LISTEN).
      const bound = server.listen;
      const adopt = () => {
        server.listen = bound;
        process.nextTick(() => server.emit('listening'));
        return server;
      };
      server.listen = adopt as unknown as typeof server.listen;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) {
          resolve();
          return;
        }
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
