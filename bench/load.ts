/**
 * Load phases for the benchmarks: autocannon at a fixed concurrency, and a sequential (c=1) loop of
 * undici requests timed with `process.hrtime.bigint()` for sub-millisecond percentiles.
 */
import type { IncomingHttpHeaders } from 'node:http';
import autocannon from 'autocannon';
import { Client } from 'undici';

export interface PhaseResult {
  label: string;
  connections: number;
  /** Seconds from the first request to the last response. */
  seconds: number;
  responses: number;
  ok: number;
  non2xx: number;
  /** Connection errors and timeouts (requests without a response). */
  errors: number;
  statusCounts: Record<string, number>;
  rps: number;
  /** Latency percentiles in ms, exact (from every response's own timing). */
  p50: number;
  p99: number;
  /** Under autocannon: bytes the client sent (requests) and read (responses, headers included) over the phase. */
  bytes?: { sent: number; received: number };
}

export interface Target {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sees each response's status and headers (`header` takes a lower-case name), to check or count
 * them: in the sequential loop after the response is timed, under autocannon once its head is parsed.
 */
export type ResponseHeadersHook = (statusCode: number, header: (name: string) => string | undefined) => void;

export interface PhaseOptions {
  onHeaders?: ResponseHeadersHook;
  /** Under autocannon: sees each whole response body (every status), after its response was counted. */
  verifyBody?: (body: string) => boolean;
}

/** Nearest-rank percentile of ascending-sorted samples. */
export function percentile(sorted: ArrayLike<number>, quantile: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(quantile * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

/** A growable array of numbers, sorted once at the end. */
export class Samples {
  private values = new Float64Array(1 << 16);
  length = 0;
  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }
  sorted(): Float64Array {
    return this.values.slice(0, this.length).sort();
  }
}

/** The fields of autocannon's (internal) HTTP client we use to let each connection finish cleanly. */
interface DrainableClient {
  reqsMade: number;
  responseMax?: number;
  /** The request it writes (the same one each time: one target per phase). */
  getRequestBuffer(): Buffer;
}

/**
 * What autocannon's HTTP client emits as `headers` once a response's head is parsed: http-parser-js's
 * head info (@types/autocannon declares a headers object, which autocannon 9 does not pass).
 */
interface ParsedHead {
  statusCode: number;
  /** Raw, alternating name and value. */
  headers: string[];
}
interface HeadEmittingClient {
  on(event: 'headers', listener: (head: ParsedHead) => void): unknown;
}

function rawHeaderLookup(raw: readonly string[]): (name: string) => string | undefined {
  return (name) => {
    for (let index = 0; index + 1 < raw.length; index += 2) {
      if (raw[index]?.toLowerCase() === name) return raw[index + 1];
    }
    return undefined;
  };
}

function headerLookup(headers: IncomingHttpHeaders): (name: string) => string | undefined {
  return (name) => {
    const value = headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
}

/**
 * autocannon for `seconds` at `connections`, ended by draining rather than cutting: at the deadline
 * every connection is told it has made its last request, so each in-flight request still gets its
 * response (autocannon's own duration stop destroys sockets mid-request, and a gateway that served
 * such a request would then hold a usage row no 2xx was counted for).
 */
export async function runAutocannon(label: string, target: Target, connections: number, seconds: number, options: PhaseOptions = {}): Promise<PhaseResult> {
  const clients: DrainableClient[] = [];
  const latencies = new Samples();
  const statusCounts: Record<string, number> = {};
  let ok = 0;
  let non2xx = 0;
  let lastResponseAt = 0;
  const bytes = { sent: 0, received: 0 };
  const { verifyBody } = options;
  const startedAt = performance.now();

  let settle: ((error: Error | null, result?: autocannon.Result) => void) | undefined;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    settle = (error, result) => (error || !result ? reject(error ?? new Error('autocannon gave no result')) : resolve(result));
  });
  const instance = autocannon(
    {
      url: target.url,
      method: 'POST',
      headers: target.headers,
      body: target.body,
      connections,
      pipelining: 1,
      // autocannon's own stop is only a backstop (it would cut in-flight requests); we drain first.
      duration: seconds + 60,
      timeout: 30,
      ...(verifyBody === undefined ? {} : { verifyBody: (body: string | Buffer | undefined) => verifyBody(body?.toString() ?? '') }),
      setupClient: (client) => {
        clients.push(client as unknown as DrainableClient);
        const { onHeaders } = options;
        if (onHeaders) (client as unknown as HeadEmittingClient).on('headers', (head) => onHeaders(head.statusCode, rawHeaderLookup(head.headers)));
      },
    },
    (error, result) => settle?.(error, result),
  );
  instance.on('response', (client, statusCode, responseBytes, responseTime) => {
    lastResponseAt = performance.now();
    bytes.received += responseBytes;
    bytes.sent += (client as unknown as DrainableClient).getRequestBuffer().length;
    latencies.push(responseTime);
    statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
    if (statusCode >= 200 && statusCode < 300) ok += 1;
    else non2xx += 1;
  });

  const drain = setTimeout(() => {
    for (const client of clients) client.responseMax = Math.max(1, client.reqsMade);
  }, seconds * 1000);
  // A connection that never answers again (a stuck server) must not hold the run forever.
  const backstop = setTimeout(() => instance.stop(), (seconds + 35) * 1000);
  const result = await finished.finally(() => {
    clearTimeout(drain);
    clearTimeout(backstop);
  });

  const sorted = latencies.sorted();
  const elapsed = ((lastResponseAt || performance.now()) - startedAt) / 1000;
  return {
    label,
    connections,
    seconds: elapsed,
    responses: latencies.length,
    ok,
    non2xx,
    errors: result.errors,
    statusCounts,
    rps: latencies.length / elapsed,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    bytes,
  };
}

/** One request after another on one keep-alive connection, for `seconds`; each timed end to end. */
export async function runSequential(label: string, target: Target, seconds: number, options: PhaseOptions = {}): Promise<PhaseResult> {
  const url = new URL(target.url);
  const client = new Client(url.origin, { keepAliveTimeout: 60_000, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const latencies = new Samples();
  const statusCounts: Record<string, number> = {};
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  const startedAt = performance.now();
  const deadline = startedAt + seconds * 1000;
  try {
    while (performance.now() < deadline) {
      const start = process.hrtime.bigint();
      try {
        const response = await client.request({ method: 'POST', path: url.pathname, headers: target.headers, body: target.body });
        await response.body.text();
        latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
        statusCounts[response.statusCode] = (statusCounts[response.statusCode] ?? 0) + 1;
        if (response.statusCode >= 200 && response.statusCode < 300) ok += 1;
        else non2xx += 1;
        options.onHeaders?.(response.statusCode, headerLookup(response.headers));
      } catch {
        errors += 1;
      }
    }
  } finally {
    await client.close().catch(() => {});
  }
  const sorted = latencies.sorted();
  const elapsed = (performance.now() - startedAt) / 1000;
  return {
    label,
    connections: 1,
    seconds: elapsed,
    responses: latencies.length,
    ok,
    non2xx,
    errors,
    statusCounts,
    rps: latencies.length / elapsed,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
  };
}
