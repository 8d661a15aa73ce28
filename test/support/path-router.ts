import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Where a request goes: the first route whose test matches its path (and query), else `fallback`. */
export interface PathRoute {
  matches: (path: string) => boolean;
  /** Origin of the server that answers, e.g. `http://127.0.0.1:4321`. */
  origin: string;
}

/**
 * A tiny reverse proxy for tests: one base URL in front of two local test servers, as one provider's
 * API is one host (e.g. its sync chat endpoint on one test server and its Batch API on another).
 * Bodies and answers are streamed through untouched.
 */
export class PathRouter {
  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(routes: PathRoute[], fallback: string): Promise<PathRouter> {
    const server = createServer((incoming, outgoing) => {
      const path = incoming.url ?? '/';
      const target = new URL(routes.find((route) => route.matches(path))?.origin ?? fallback);
      const forwarded = httpRequest({ host: target.hostname, port: target.port, method: incoming.method, path, headers: { ...incoming.headers, host: target.host } }, (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      });
      forwarded.on('error', () => outgoing.destroy());
      incoming.pipe(forwarded);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new PathRouter(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
