import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** What the receiver does with the n-th request to a path: answer a status, or never answer. */
export type ReceiverStep = number | 'hang';

export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
  /** The standardwebhooks library's own verdict with the route's secret (undefined: no secret given). */
  verified: boolean | undefined;
}

interface Route {
  steps: ReceiverStep[];
  secret: string | undefined;
  received: ReceivedWebhook[];
}

/**
 * A webhook receiver on 127.0.0.1, as a customer would write one: it verifies each request with the
 * standardwebhooks library (not the gateway's code) and answers 401 when the signature is wrong.
 */
export async function startWebhookReceiver() {
  const routes = new Map<string, Route>();
  const hanging = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const route = routes.get(request.url ?? '');
      if (!route) {
        response.writeHead(404).end();
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = plainHeaders(request.headers);
      let verified: boolean | undefined;
      if (route.secret !== undefined) {
        try {
          new Webhook(route.secret).verify(body, headers);
          verified = true;
        } catch {
          verified = false;
        }
      }
      const step = route.steps[Math.min(route.received.length, route.steps.length - 1)] ?? 200;
      route.received.push({ headers, body, verified });
      if (verified === false) response.writeHead(401).end('bad signature');
      else if (step === 'hang') hanging.add(response);
      else response.writeHead(step).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    base,
    /** Registers a path; answers follow `steps` (the last one repeats). Returns its URL. */
    route(path: string, options: { steps?: ReceiverStep[]; secret?: string } = {}): string {
      routes.set(path, { steps: options.steps ?? [200], secret: options.secret, received: [] });
      return `${base}${path}`;
    },
    received(path: string): ReceivedWebhook[] {
      return routes.get(path)?.received ?? [];
    },
    async close(): Promise<void> {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function plainHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).flatMap(([name, value]) => (typeof value === 'string' ? [[name, value]] : [])));
}
