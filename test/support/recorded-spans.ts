import { SpanKind } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createOtelTracing, type BatchLineTracingSettings } from '../../src/observability/otel-tracing.ts';
import type { Tracing } from '../../src/observability/tracing.ts';

/**
 * The gateway's real tracing (`createOtelTracing` over the OpenTelemetry SDK) exporting into memory,
 * one span at a time as each ends, with what the tests ask of the spans: by trace, by name, parents.
 */
export class RecordedSpans {
  private readonly exporter = new InMemorySpanExporter();
  private readonly provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(this.exporter)] });
  readonly tracing: Tracing;

  constructor(batchLines: BatchLineTracingSettings = { batchLineRatio: 0.01, failedBatchLines: true }) {
    this.tracing = createOtelTracing({ tracer: this.provider.getTracer('test'), batchLines, shutdown: () => this.provider.shutdown() });
  }

  all(): ReadableSpan[] {
    return this.exporter.getFinishedSpans();
  }

  inTrace(traceId: string): ReadableSpan[] {
    return this.all().filter((span) => span.spanContext().traceId === traceId);
  }

  /** The spans whose parent is `parent`, in the order they started. */
  childrenOf(parent: ReadableSpan, spans: ReadableSpan[] = this.all()): ReadableSpan[] {
    return spans.filter((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId).sort((a, b) => compareTime(a.startTime, b.startTime));
  }

  /** The one span of the trace with this name (and attributes); fails when there is not exactly one. */
  one(traceId: string, name: string, attributes: Record<string, unknown> = {}): ReadableSpan {
    const found = this.inTrace(traceId).filter((span) => span.name === name && Object.entries(attributes).every(([key, value]) => span.attributes[key] === value));
    if (found.length !== 1) throw new Error(`expected one span '${name}' ${JSON.stringify(attributes)} in trace ${traceId}, found ${found.length}: ${this.describe(traceId)}`);
    return found[0]!;
  }

  /** Name, kind and parent of every span of the trace: what a failed assertion prints. */
  describe(traceId: string): string {
    return JSON.stringify(this.inTrace(traceId).map((span) => [span.name, SpanKind[span.kind], span.spanContext().spanId, span.parentSpanContext?.spanId ?? null]));
  }

  reset(): void {
    this.exporter.reset();
  }

  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}

/** The `traceparent` a span hands on. */
export function traceparentOf(span: ReadableSpan): string {
  const context = span.spanContext();
  return `00-${context.traceId}-${context.spanId}-0${context.traceFlags}`;
}

function compareTime(left: [number, number], right: [number, number]): number {
  return left[0] - right[0] || left[1] - right[1];
}
