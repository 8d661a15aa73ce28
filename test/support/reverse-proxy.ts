import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Where a request goes: the first route whose test matches its path (and query), else `fallback`. */
export interface PathRoute {
  matches: (path: string) => boolean;
  /** Origin of the server that answers, e.g. `http://127.0.0.1:4321`. */
  origin: string;
}

/**
 * A tiny reverse proxy for tests: one base URL in front of several servers. `byPath` sends each path to
 * its server, as one provider's API is one host (e.g. its sync chat endpoint on one test server and its
 * Batch API on another); `roundRobin` takes the servers in turn, as a load balancer in front of API
 * processes does. Bodies and answers are streamed through untouched.
 */
export class ReverseProxy {
  /** Requests sent on, per origin. */
  readonly forwarded = new Map<string, number>();
  private server: Server | undefined;
  origin = '';

  private constructor(private readonly pickOrigin: (path: string) => string) {}

  static byPath(routes: PathRoute[], fallback: string): Promise<ReverseProxy> {
    return new ReverseProxy((path) => routes.find((route) => route.matches(path))?.origin ?? fallback).listen();
  }

  static roundRobin(origins: readonly string[]): Promise<ReverseProxy> {
    let turn = 0;
    return new ReverseProxy(() => origins[turn++ % origins.length] ?? '').listen();
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async listen(): Promise<ReverseProxy> {
    const server = createServer((incoming, outgoing) => {
      const path = incoming.url ?? '/';
      const origin = this.pickOrigin(path);
      this.forwarded.set(origin, (this.forwarded.get(origin) ?? 0) + 1);
      const target = new URL(origin);
      const forwarded = httpRequest({ host: target.hostname, port: target.port, method: incoming.method, path, headers: { ...incoming.headers, host: target.host } }, (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      });
      forwarded.on('error', () => outgoing.destroy());
      incoming.pipe(forwarded);
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }
}
