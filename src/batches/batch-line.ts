import { chatCompletionRequestSchema, type ChatCompletionRequest } from '../providers/chat-completion-schemas.ts';
import type { GatewayConfig } from '../config/gateway-config.ts';
import { checkRouteCapabilities } from '../routing/check-capabilities.ts';
import { resolveRoutes, type ResolvedRoute } from '../routing/resolve-route.ts';

export type PreparedLine =
  | { ok: true; request: ChatCompletionRequest; routes: ResolvedRoute[] }
  | { ok: false; code: string; message: string; statusCode: number };

interface Envelope {
  body?: unknown;
}

/**
 * A stored JSONL line to a routed chat request, or the reason it fails alone (into the error file).
 * The envelope was validated at upload; the body is validated here, as the sync API would.
 */
export function prepareBatchLine(content: string, config: GatewayConfig): PreparedLine {
  let envelope: Envelope;
  try {
    envelope = JSON.parse(content) as Envelope;
  } catch {
    return { ok: false, code: 'invalid_json', message: 'the line is not valid JSON', statusCode: 400 };
  }
  const parsed = chatCompletionRequestSchema.safeParse(envelope.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `body.${issue.path.join('.')}: ` : 'body: ';
    return { ok: false, code: 'invalid_request_body', message: `${where}${issue?.message ?? 'invalid'}`, statusCode: 400 };
  }
  if (parsed.data.stream === true) {
    return { ok: false, code: 'stream_not_supported', message: 'stream: true is not supported in batches', statusCode: 400 };
  }
  const routes = resolveRoutes({ model: parsed.data.model, config });
  if (!routes || routes.length === 0) {
    return { ok: false, code: 'model_not_found', message: `The model '${parsed.data.model}' does not exist or you do not have access to it.`, statusCode: 404 };
  }
  const unsupported = checkRouteCapabilities({ request: parsed.data, routes, config });
  if (unsupported) return { ok: false, code: 'unsupported_capability', message: `body.${unsupported.param}: ${unsupported.message}`, statusCode: 400 };
  return { ok: true, request: parsed.data, routes };
}

/** Line numbers as `[from, to]` runs, so a chunk job stays small whatever its size. */
export function toRanges(lineNumbers: readonly number[]): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const line of lineNumbers) {
    const last = ranges[ranges.length - 1];
    if (last && line === last[1] + 1) last[1] = line;
    else ranges.push([line, line]);
  }
  return ranges;
}

export function rangesContain(ranges: ReadonlyArray<readonly [number, number]>, line: number): boolean {
  return ranges.some(([from, to]) => line >= from && line <= to);
}
