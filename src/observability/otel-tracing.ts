import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { ProviderError } from '../errors/provider-error.ts';
import { errorType, providerCallAttributes, providerCallSpanName, providerErrorAttributes, providerResultAttributes } from './gen-ai-attributes.ts';
import { parseTraceparent } from './request-correlation.ts';
import { batchLineSampled, type JobSpanStart, type ProviderCallSpan, type ProviderCallStart, type RequestSpan, type TraceAttributes, type TraceSpan, type Tracing } from './tracing.ts';

export interface BatchLineTracingSettings {
  /** Share of batch lines traced (0–1). */
  batchLineRatio: number;
  /** Trace every failed line that was not sampled, after the fact. */
  failedBatchLines: boolean;
}

/**
 * {@link Tracing} over an OpenTelemetry tracer: every span name and attribute the gateway emits is
 * made here (the GenAI ones in `gen-ai-attributes.ts`). `shutdown` ends the SDK behind the tracer.
 */
export function createOtelTracing(options: { tracer: Tracer; batchLines: BatchLineTracingSettings; shutdown: () => Promise<void> }): Tracing {
  const { tracer } = options;
  const { batchLineRatio, failedBatchLines } = options.batchLines;
  return {
    enabled: true,
    startRequest(input) {
      // `{method} {route}` once the route is known; the method alone until then, as HTTP's conventions ask.
      const span = tracer.startSpan(
        input.method,
        {
          kind: SpanKind.SERVER,
          attributes: { 'http.request.method': input.method, 'url.path': input.path, 'gateway.request_id': input.requestId },
        },
        remoteParent(input.traceparent),
      );
      return new OtelRequestSpan(tracer, span, input.method);
    },
    startJob(input: JobSpanStart) {
      const span = tracer.startSpan(
        `process ${input.queue}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: cleanAttributes({
            'messaging.system': 'bullmq',
            'messaging.operation.type': 'process',
            'messaging.destination.name': input.queue,
            'messaging.message.id': input.jobId,
            'gateway.job.attempt': input.attempt,
            ...input.attributes,
          }),
        },
        remoteParent(input.traceparent),
      );
      return new OtelSpan(tracer, span);
    },
    batchLines: { sampled: (lineNumber) => batchLineSampled(lineNumber, batchLineRatio), failedLines: failedBatchLines },
    shutdown: options.shutdown,
  };
}

/** The context a W3C `traceparent` names, or the root when there is none (a new trace). */
function remoteParent(traceparent: string | undefined): Context {
  const parsed = parseTraceparent(traceparent);
  if (!parsed) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, { traceId: parsed.traceId, spanId: parsed.parentId, traceFlags: Number.parseInt(parsed.flags, 16), isRemote: true });
}

function traceparentOf(span: Span): string {
  const context = span.spanContext();
  return `00-${context.traceId}-${context.spanId}-${(context.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** Attributes without the undefined ones (OpenTelemetry drops them with a warning each). */
function cleanAttributes(attributes: TraceAttributes | undefined): Attributes {
  const clean: Attributes = {};
  if (!attributes) return clean;
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) clean[name] = value;
  return clean;
}

function failSpan(span: Span, error: unknown): void {
  span.setAttribute('error.type', errorType(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

class OtelSpan implements TraceSpan {
  readonly traceparent: string;
  private readonly context: Context;

  constructor(
    protected readonly tracer: Tracer,
    protected readonly span: Span,
  ) {
    this.traceparent = traceparentOf(span);
    this.context = trace.setSpan(ROOT_CONTEXT, span);
  }

  setAttributes(attributes: TraceAttributes): void {
    this.span.setAttributes(cleanAttributes(attributes));
  }

  addEvent(name: string, attributes?: TraceAttributes): void {
    this.span.addEvent(name, cleanAttributes(attributes));
  }

  async step<T>(name: string, run: () => Promise<T>, attributes?: TraceAttributes): Promise<T> {
    const child = this.tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes: cleanAttributes(attributes) }, this.context);
    try {
      return await run();
    } catch (error) {
      failSpan(child, error);
      throw error;
    } finally {
      child.end();
    }
  }

  startEnqueue(input: { queue: string; jobId: string }): TraceSpan {
    const attributes = { 'messaging.system': 'bullmq', 'messaging.operation.type': 'send', 'messaging.destination.name': input.queue, 'messaging.message.id': input.jobId };
    return new OtelSpan(this.tracer, this.tracer.startSpan(`send ${input.queue}`, { kind: SpanKind.PRODUCER, attributes }, this.context));
  }

  startChild(name: string, attributes?: TraceAttributes): TraceSpan {
    return new OtelSpan(this.tracer, this.tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes: cleanAttributes(attributes) }, this.context));
  }

  recordChild(input: Parameters<TraceSpan['recordChild']>[0]): void {
    const child = this.tracer.startSpan(input.name, { kind: SpanKind.INTERNAL, attributes: cleanAttributes(input.attributes), startTime: input.startedAt }, this.context);
    for (const event of input.events ?? []) child.addEvent(event.name, cleanAttributes(event.attributes), input.endedAt);
    if (input.error !== undefined) failSpan(child, input.error);
    child.end(input.endedAt);
  }

  startProviderCall(call: ProviderCallStart): ProviderCallSpan {
    const span = this.tracer.startSpan(providerCallSpanName(call), { kind: SpanKind.CLIENT, attributes: cleanAttributes(providerCallAttributes(call)) }, this.context);
    const startedAt = performance.now();
    let firstChunkSeen = false;
    return {
      traceparent: traceparentOf(span),
      firstChunk: () => {
        if (firstChunkSeen) return;
        firstChunkSeen = true;
        span.setAttribute('gen_ai.response.time_to_first_chunk', (performance.now() - startedAt) / 1000);
      },
      end: (outcome) => {
        if (outcome.ok) {
          span.setAttributes(cleanAttributes(providerResultAttributes(call, outcome.result)));
        } else {
          span.setAttributes(cleanAttributes(providerErrorAttributes(outcome.error)));
          span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error.message });
        }
        span.end();
      },
    };
  }

  end(outcome?: { error?: unknown; attributes?: TraceAttributes }): void {
    if (outcome?.attributes) this.span.setAttributes(cleanAttributes(outcome.attributes));
    if (outcome?.error !== undefined) {
      failSpan(this.span, outcome.error);
      if (ProviderError.is(outcome.error)) this.span.setAttributes(cleanAttributes(providerErrorAttributes(outcome.error)));
    }
    this.span.end();
  }
}

class OtelRequestSpan extends OtelSpan implements RequestSpan {
  readonly traceId: string;

  constructor(
    tracer: Tracer,
    span: Span,
    private readonly method: string,
  ) {
    super(tracer, span);
    this.traceId = span.spanContext().traceId;
  }

  endResponse(input: { statusCode: number; route: string | undefined }): void {
    if (input.route !== undefined) {
      this.span.updateName(`${this.method} ${input.route}`);
      this.span.setAttribute('http.route', input.route);
    }
    this.span.setAttribute('http.response.status_code', input.statusCode);
    // A server span is an error for 5xx only: a 4xx is the client's (HTTP conventions).
    if (input.statusCode >= 500) {
      this.span.setAttribute('error.type', String(input.statusCode));
      this.span.setStatus({ code: SpanStatusCode.ERROR });
    }
    this.span.end();
  }
}
