import { z } from 'zod';

/**
 * What a caller sent to follow its request across systems. Neither replaces the gateway's own request
 * id (`req_…`), which stays the key of every record, job and API: a caller's id need not be unique, and
 * two requests sending the same one must not collide.
 */
export interface RequestCorrelation {
  /** The caller's `x-request-id`, when well-formed: logged, stored with the request, echoed as `x-client-request-id`. */
  clientRequestId?: string;
  /** The caller's W3C `traceparent`, when valid, as version 00: logged (`trace_id`), echoed, passed to the provider. */
  traceparent?: string;
}

/**
 * 1–128 characters of letters, digits and `. _ : - + / =`: UUIDs, ULIDs, proxy ids and base64 ids
 * fit; anything that could break a log line or a header (spaces, control characters, newlines,
 * commas of a repeated header) does not. A value that does not fit is ignored, never refused.
 */
export const clientRequestIdSchema = z.string().regex(/^[A-Za-z0-9._:+/=-]{1,128}$/);

/**
 * `version-traceid-parentid-flags`, lowercase hex. Version `ff` is invalid; a later version than 00
 * may append fields, which are dropped (the gateway speaks version 00). An all-zero trace id or parent
 * id is invalid. @see https://www.w3.org/TR/trace-context/#traceparent-header
 */
const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

export interface TraceContext {
  traceId: string;
  parentId: string;
  flags: string;
}

/** A `traceparent` header's fields, or undefined when it is not valid trace context. */
export function parseTraceparent(value: string | undefined): TraceContext | undefined {
  if (value === undefined || value.length > 512) return undefined;
  const match = traceparentPattern.exec(value);
  if (!match) return undefined;
  const [, version = '', traceId = '', parentId = '', flags = '', rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(parentId)) return undefined;
  return { traceId, parentId, flags };
}

export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.parentId}-${context.flags}`;
}

/** The trace id of a (valid) traceparent, for log lines. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  return parseTraceparent(traceparent)?.traceId;
}

type HeaderValue = string | string[] | undefined;

/** A header sent once; a repeated header is ambiguous and ignored, as W3C asks for `traceparent`. */
function single(value: HeaderValue): string | undefined {
  return Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
}

/** The correlation a request's headers carry; malformed values are dropped without an error. */
export function readRequestCorrelation(headers: Readonly<Record<string, HeaderValue>>): RequestCorrelation {
  const clientRequestId = clientRequestIdSchema.safeParse(single(headers['x-request-id']));
  const trace = parseTraceparent(single(headers['traceparent']));
  return {
    ...(clientRequestId.success ? { clientRequestId: clientRequestId.data } : {}),
    ...(trace ? { traceparent: formatTraceparent(trace) } : {}),
  };
}

/**
 * The fields a log line about the request carries besides `requestId`. `trace_id` is spelt as
 * OpenTelemetry's log data model (and its pino instrumentation) spells it, so tracing backends link
 * the line to the trace: the gateway's own trace (`trace`, with tracing on) when there is one — the
 * caller's, continued, when it sent a `traceparent` — else the caller's.
 */
export function correlationLogFields(correlation: RequestCorrelation | undefined, trace?: string): { clientRequestId?: string; trace_id?: string } {
  const traceId = traceIdOf(trace ?? correlation?.traceparent);
  return {
    ...(correlation?.clientRequestId === undefined ? {} : { clientRequestId: correlation.clientRequestId }),
    ...(traceId === undefined ? {} : { trace_id: traceId }),
  };
}

/** The response headers that echo the caller's correlation back. */
export function correlationHeaders(correlation: RequestCorrelation): Record<string, string> {
  return {
    ...(correlation.clientRequestId === undefined ? {} : { 'x-client-request-id': correlation.clientRequestId }),
    ...(correlation.traceparent === undefined ? {} : { traceparent: correlation.traceparent }),
  };
}
