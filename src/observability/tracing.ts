import type { ProviderError } from '../errors/provider-error.ts';
import type { BoundRequest, ProviderResult } from '../operations/registry.ts';
import type { ProviderClient } from '../providers/provider-client.ts';
import type { ResolvedRoute } from '../routing/resolve-route.ts';

/**
 * The tracing the gateway's code calls: a small typed API over OpenTelemetry spans, whose names and
 * attributes are made in one place (`otel-tracing.ts`). With tracing off ({@link noTracing}) every
 * call is a constant no-op and the SDK is never loaded, so the hot path pays for no tracing it does
 * not do. Contexts are passed explicitly (a span handle, or a W3C `traceparent` across processes),
 * never through a context manager: no `AsyncLocalStorage`, and no libraries that trace on their own
 * (drizzle, BullMQ) pick the gateway's provider up, since it is never registered globally.
 */
export interface Tracing {
  readonly enabled: boolean;
  /** A SERVER span for one HTTP request, the child of the caller's `traceparent` when it sent one. */
  startRequest(input: { method: string; path: string; traceparent: string | undefined; requestId: string }): RequestSpan;
  /**
   * A CONSUMER span for one run of a BullMQ job, the child of the span that queued it (the
   * `traceparent` its data carries); a root span when the job carries none (queued again by the reconciler).
   */
  startJob(input: JobSpanStart): TraceSpan;
  /** How batch lines are sampled (`tracing.batchLineRatio`, `tracing.failedBatchLines`). */
  readonly batchLines: BatchLineSampling;
  /** Ends the SDK: spans still buffered are exported (bounded by the caller). */
  shutdown(): Promise<void>;
}

export interface JobSpanStart {
  /** The BullMQ queue (`chat-<provider>`, `batch-control`, `batch-<provider>`). */
  queue: string;
  jobId: string;
  /** The W3C trace context the job's data carries. */
  traceparent: string | undefined;
  /** This run's number: 1, then 2 … for BullMQ's retries of the same job. */
  attempt: number;
  attributes?: TraceAttributes;
}

export type TraceAttributeValue = string | number | boolean | string[] | undefined;
export type TraceAttributes = Readonly<Record<string, TraceAttributeValue>>;

/** One span: its context for children in other processes, and its end. */
export interface TraceSpan {
  /** This span's W3C `traceparent` (undefined when not tracing): what a job's data or a provider call carries. */
  readonly traceparent: string | undefined;
  setAttributes(attributes: TraceAttributes): void;
  addEvent(name: string, attributes?: TraceAttributes): void;
  /** A step of this span as a child span (the record, the reply): ended when `run` settles, failed when it throws. */
  step<T>(name: string, run: () => Promise<T>, attributes?: TraceAttributes): Promise<T>;
  /** A PRODUCER child for adding a job: its `traceparent` goes into the job's data. */
  startEnqueue(input: { queue: string; jobId: string }): TraceSpan;
  /** An INTERNAL child (a sampled batch line). */
  startChild(name: string, attributes?: TraceAttributes): TraceSpan;
  /** A child that already happened (a failed batch line that was not sampled), with its own start and end. */
  recordChild(input: { name: string; startedAt: number; endedAt: number; attributes?: TraceAttributes; error?: unknown; events?: ReadonlyArray<{ name: string; attributes: TraceAttributes }> }): void;
  /** A CLIENT child for one provider call, with the GenAI semantic conventions' attributes. */
  startProviderCall(call: ProviderCallStart): ProviderCallSpan;
  /** Ends the span; an error sets its status and `error.type`. */
  end(outcome?: { error?: unknown; attributes?: TraceAttributes }): void;
}

/** The HTTP request's span: its trace id goes into the request's log lines. */
export interface RequestSpan extends TraceSpan {
  readonly traceId: string | undefined;
  /** Ends it with the answer's status code and the route that matched. */
  endResponse(input: { statusCode: number; route: string | undefined }): void;
}

export interface ProviderCallStart {
  client: ProviderClient;
  route: ResolvedRoute;
  request: BoundRequest;
  /** 1 for the first call on this route, 2 … for its retries. */
  attempt: number;
  /** The route's index in the request's plan: 0, then 1 … for each fallback hop. */
  hop: number;
  /** Time spent waiting for a slot under the route's limits before the call. */
  limitWaitMs: number;
}

/** One provider call's span; the provider receives its `traceparent`. */
export interface ProviderCallSpan {
  readonly traceparent: string | undefined;
  /** A streamed call's first chunk arrived (`gen_ai.response.time_to_first_chunk`); later calls are ignored. */
  firstChunk(): void;
  end(outcome: { ok: true; result: ProviderResult } | { ok: false; error: ProviderError }): void;
}

export interface BatchLineSampling {
  /** Whether this line gets its own span (and its provider calls theirs). */
  sampled(lineNumber: number): boolean;
  /** Whether a failed line that was not sampled is traced after the fact. */
  readonly failedLines: boolean;
}

const noSpan: RequestSpan = {
  traceparent: undefined,
  traceId: undefined,
  setAttributes: () => undefined,
  addEvent: () => undefined,
  step: (_name, run) => run(),
  startEnqueue: () => noSpan,
  startChild: () => noSpan,
  recordChild: () => undefined,
  startProviderCall: () => noProviderCall,
  end: () => undefined,
  endResponse: () => undefined,
};

const noProviderCall: ProviderCallSpan = { traceparent: undefined, firstChunk: () => undefined, end: () => undefined };

/** Tracing off: every span is the same no-op; nothing is sampled, nothing is exported. */
export const noTracing: Tracing = {
  enabled: false,
  startRequest: () => noSpan,
  startJob: () => noSpan,
  batchLines: { sampled: () => false, failedLines: false },
  shutdown: async () => undefined,
};

/** The span no tracing makes: what code holding no span of its own passes on. */
export const noTraceSpan: TraceSpan = noSpan;

/**
 * Runs one job inside its span: ended with `outcome(result)`'s attributes, or failed with what it
 * threw (and `failure(error)`'s attributes: a retry is not a final failure). Tracing off: `run` alone,
 * and `start` is never called.
 */
export async function inJobSpan<T>(
  tracing: Tracing,
  start: () => JobSpanStart,
  run: (span: TraceSpan) => Promise<T>,
  describe: { outcome?: (result: T) => TraceAttributes; failure?: (error: unknown) => TraceAttributes } = {},
): Promise<T> {
  if (!tracing.enabled) return run(noSpan);
  const span = tracing.startJob(start());
  try {
    const result = await run(span);
    span.end(describe.outcome ? { attributes: describe.outcome(result) } : undefined);
    return result;
  } catch (error) {
    span.end({ error, ...(describe.failure ? { attributes: describe.failure(error) } : {}) });
    throw error;
  }
}

/**
 * Every `1 / ratio`-th line, evenly spaced and the same on every run (not drawn at random), so a
 * re-run chunk traces the same lines and a batch of N lines traces about `N × ratio` of them.
 */
export function batchLineSampled(lineNumber: number, ratio: number): boolean {
  if (ratio <= 0) return false;
  if (ratio >= 1) return true;
  return Math.floor(lineNumber * ratio) > Math.floor((lineNumber - 1) * ratio);
}
