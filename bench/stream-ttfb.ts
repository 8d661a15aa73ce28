/**
 * Streaming phase of `bench/sync.ts`: `stream: true` calls one after another (c=1) on one keep-alive
 * connection, each timed with `performance.now()` — to the first body bytes holding `data:` (time to
 * first byte, TTFB), to the format's first content event, and to the end of the body — and checked
 * event by event against its format (see {@link StreamCheck}): only whole streams are timed.
 */
import { Client } from 'undici';
import { percentile, Samples, type Target } from './load.ts';
import { chatFormat, StreamCheck, type StreamFormat } from './stream-formats.ts';

export interface Percentiles {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
}

export interface StreamPhaseResult {
  label: string;
  format: StreamFormat;
  /** Seconds from the first request to the last stream's end. */
  seconds: number;
  requests: number;
  /** Responses with a 2xx status (each one billed by a gateway, finished or not). */
  ok: number;
  /** 2xx streams that passed the format's check; only these are timed. */
  completed: number;
  /** Why the others failed, with counts: `HTTP <status>`, the check's reason, `request error: <name>`. */
  failures: Record<string, number>;
  /** The end of the first failed body, for the report. */
  firstFailureTail?: string;
  /** Events in a whole stream, fewest and most. */
  events: { min: number; max: number };
  /** In ms, from sending the request: to the first bytes holding `data:`, to the first content event, to the end. */
  ttfb: Percentiles;
  firstContent: Percentiles;
  total: Percentiles;
}

/** `requests` streamed calls, sequentially; `format` checks each stream and names its content event. */
export async function runStreamSequential(label: string, target: Target, requests: number, format: StreamFormat = chatFormat): Promise<StreamPhaseResult> {
  const url = new URL(target.url);
  const client = new Client(url.origin, { keepAliveTimeout: 60_000, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const firstBytes = new Samples();
  const firstContents = new Samples();
  const totals = new Samples();
  const events = { min: Number.POSITIVE_INFINITY, max: 0 };
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
        const check = new StreamCheck(format);
        const decoder = new TextDecoder();
        let firstDataAt: number | undefined;
        let firstContentAt: number | undefined;
        // Only the end of the body is kept: enough to find `data:` across a chunk boundary, and for the report.
        let tail = '';
        for await (const chunk of response.body as AsyncIterable<Buffer>) {
          const receivedAt = performance.now();
          const piece = decoder.decode(chunk, { stream: true });
          const text = tail + piece;
          if (firstDataAt === undefined && text.includes('data:')) firstDataAt = receivedAt;
          if (check.feed(piece)) firstContentAt = receivedAt;
          tail = text.slice(-256);
        }
        const endedAt = performance.now();
        const verdict = check.finish();
        if (!success) fail(`HTTP ${response.statusCode}`, tail);
        else if (!verdict.whole) fail(verdict.reason, tail);
        else if (firstDataAt === undefined || firstContentAt === undefined) fail('no data event', tail);
        else {
          firstBytes.push(firstDataAt - sentAt);
          firstContents.push(firstContentAt - sentAt);
          totals.push(endedAt - sentAt);
          events.min = Math.min(events.min, verdict.events);
          events.max = Math.max(events.max, verdict.events);
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
    format,
    seconds: (performance.now() - startedAt) / 1000,
    requests,
    ok,
    completed: firstBytes.length,
    failures,
    ...(firstFailureTail === undefined ? {} : { firstFailureTail }),
    events: firstBytes.length > 0 ? events : { min: 0, max: 0 },
    ttfb: percentiles(firstBytes.sorted()),
    firstContent: percentiles(firstContents.sorted()),
    total: percentiles(totals.sorted()),
  };
}

function percentiles(sorted: Float64Array): Percentiles {
  return { p50: percentile(sorted, 0.5), p90: percentile(sorted, 0.9), p95: percentile(sorted, 0.95), p99: percentile(sorted, 0.99) };
}
