import type { Environment } from '../config/env.ts';

/** The two probes every role answers: liveness (`/healthz`) and readiness (`/readyz`). */
export const probePaths = ['/healthz', '/readyz'] as const;
export type ProbePath = (typeof probePaths)[number];

export type HealthcheckTarget = { url: string } | { problem: string };

/** Listening on every interface: a probe inside the same container reaches it over loopback. */
const loopbackFor: Record<string, string> = { '0.0.0.0': '127.0.0.1', '::': '::1' };

/**
 * Where a process started with this environment answers its probes, seen from inside its own
 * container: the API's port in the `api` and `all` roles; in the `worker` role, which has no API,
 * the `METRICS_PORT` server (it serves `/healthz` and `/readyz` too). Or why there is nowhere to ask.
 */
export function healthcheckTarget(options: { environment: Pick<Environment, 'GATEWAY_ROLE' | 'HOST' | 'PORT' | 'METRICS_PORT'>; path: ProbePath }): HealthcheckTarget {
  const { environment, path } = options;
  const viaMetricsServer = environment.GATEWAY_ROLE === 'worker';
  const variable = viaMetricsServer ? 'METRICS_PORT' : 'PORT';
  const port = viaMetricsServer ? environment.METRICS_PORT : environment.PORT;
  if (port === undefined) {
    return { problem: 'the worker role serves no HTTP API; set METRICS_PORT (its server answers /healthz and /readyz) to probe it' };
  }
  if (port === 0) return { problem: `${variable}=0 listens on a random port, which a healthcheck cannot know` };
  const address = loopbackFor[environment.HOST] ?? environment.HOST;
  const host = address.includes(':') ? `[${address}]` : address;
  return { url: `http://${host}:${port}${path}` };
}
