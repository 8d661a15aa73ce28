import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logging/logger.ts';
import type { GatewayMetrics } from './gateway-metrics.ts';
import type { ReadinessReport } from '../durability/readiness.ts';

export interface MetricsServer {
  /** `http://host:port`. */
  url: string;
  close(): Promise<void>;
}

/**
 * `GET /metrics` on a port of its own (`METRICS_PORT`), for processes without the API (the worker
 * role) or to scrape without the admin key; `/healthz` and `/readyz` too, as the API serves them, so
 * every role can be probed. It has no authentication: keep the port internal.
 */
export async function startMetricsServer(options: {
  metrics: GatewayMetrics;
  host: string;
  port: number;
  logger: Logger;
  /** `/readyz`'s answer, once the process has set it (until then: not ready). */
  probes?: { readiness?: () => Promise<ReadinessReport> };
}): Promise<MetricsServer> {
  const { metrics, logger } = options;
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    const readable = request.method === 'GET' || request.method === 'HEAD';
    if (readable && path === '/healthz') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok' }));
      return;
    }
    if (readable && path === '/readyz') {
      const readiness = options.probes?.readiness;
      const report = readiness ? readiness() : Promise.resolve<ReadinessReport>({ status: 'not_ready', checks: {} });
      void report.then((answer) => {
        response.writeHead(answer.status === 'ready' ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(answer));
      });
      return;
    }
    if (path !== '/metrics' || !readable) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: GET /metrics, /healthz and /readyz are served here.\n');
      return;
    }
    metrics.exposition().then(
      ({ contentType, body }) => {
        response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'cannot render metrics');
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics unavailable\n');
      },
    );
  });
  // A scraper's keep-alive socket must not hold shutdown.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `http://${host}:${port}`;
  logger.info({ url: `${url}/metrics` }, 'metrics server listening');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
