/**
 * Streaming phase of `bench/sync.ts`: `stream: true` calls one after another (c=1) on one keep-alive
 * connection, each timed twice with `performance.now()` — to the first body bytes holding `data:`
 * (time to first byte, TTFB) and to the end of the body — and checked to end with `data: [DONE]`.
 */
import { Client } from 'undici';
import { percentile, Samples, type Target } from './load.ts';

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
}

export interface StreamPhaseResult {
  label: string;
  /** Seconds from the first request to the last stream's end. */
  seconds: number;
  requests: number;
  /** Responses with a 2xx status (each one billed by a gateway, finished or not). */
  ok: number;
  /** 2xx streams that ended with `data: [DONE]`; only these are timed. */
  completed: number;
  /** Why the others failed, with counts: `HTTP <status>`, `no data event`, `no [DONE]`, `request error: <name>`. */
  failures: Record<string, number>;
  /** The end of the first failed body, for the report. */
  firstFailureTail?: string;
  /** In ms, from sending the request. */
  ttfb: Percentiles;
  total: Percentiles;
}

const done = 'data: [DONE]\n\n';

/** A chat body asking for a stream with the usage chunk, as the OpenAI SDKs send it. */
export function streamChatBody(model: string): string {
  return JSON.stringify({ model, messages: [{ role: 'user', content: 'classify: hello' }], stream: true, stream_options: { include_usage: true } });
}

/** `requests` streamed calls, sequentially. */
export async function runStreamSequential(label: string, target: Target, requests: number): Promise<StreamPhaseResult> {
  const url = new URL(target.url);
  const client = new Client(url.origin, { keepAliveTimeout: 60_000, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const firstBytes = new Samples();
  const totals = new Samples();
  const failures: Record<string, number> = {};
  let firstFailureTail: string | undefined;
  let ok = 0;
  const fail = (reason: string, tail?: string) => {
    failures[reason] = (failures[reason] ?? 0) + 1;
    if (tail !== undefined) firstFailureTail ??= tail;
  };
  const startedAt = performance.now();
  try {
    for (let index = 0; index < requests; index += 1) {
      const sentAt = performance.now();
      try {
        const response = await client.request({ method: 'POST', path: url.pathname, headers: target.headers, body: target.body });
        const success = response.statusCode >= 200 && response.statusCode < 300;
        // Counted at the head: a body that breaks off later was still answered (and billed) as a 2xx.
        if (success) ok += 1;
        let firstDataAt: number | undefined;
        // Only the end of the body is kept: enough to find `data:` across a chunk boundary and to check `[DONE]`.
        let tail = '';
        for await (const chunk of response.body as AsyncIterable<Buffer>) {
          const receivedAt = performance.now();
          const text = tail + chunk.toString('utf8');
          if (firstDataAt === undefined && text.includes('data:')) firstDataAt = receivedAt;
          tail = text.slice(-256);
        }
        const endedAt = performance.now();
        if (!success) fail(`HTTP ${response.statusCode}`, tail);
        else if (firstDataAt === undefined) fail('no data event', tail);
        else if (!tail.endsWith(done)) fail('no [DONE]', tail);
        else {
          firstBytes.push(firstDataAt - sentAt);
          totals.push(endedAt - sentAt);
        }
      } catch (error) {
        fail(`request error: ${error instanceof Error ? error.name : String(error)}`, error instanceof Error ? error.message : String(error));
      }
    }
  } finally {
    await client.close().catch(() => {});
  }
  return {
    label,
    seconds: (performance.now() - startedAt) / 1000,
    requests,
    ok,
    completed: firstBytes.length,
    failures,
    ...(firstFailureTail === undefined ? {} : { firstFailureTail }),
    ttfb: percentiles(firstBytes.sorted()),
    total: percentiles(totals.sorted()),
  };
}

function percentiles(sorted: Float64Array): Percentiles {
  return { p50: percentile(sorted, 0.5), p90: percentile(sorted, 0.9), p99: percentile(sorted, 0.99) };
}
