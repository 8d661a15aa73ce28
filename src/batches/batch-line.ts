import type { GatewayConfig } from '../config/gateway-config.ts';
import { gatewayErrorCodes } from '../errors/gateway-error.ts';
import { chatCompletionsPath } from '../operations/chat/chat-operation.ts';
import { bindRequest, type BoundRequest, type OperationPayload } from '../operations/registry.ts';
import { parseLineBody } from '../formats/batch-line-formats.ts';
import { chooseRequestRule, planRequest } from '../operations/plan-request.ts';
import type { RuleChoice } from '../routing/routing-rules.ts';
import type { RoutePlanRefusalCode } from '../operations/route-plan-refusal.ts';
import { readRoutingControls } from '../routing/routing-controls.ts';
import { noModelName } from '../usage/no-model.ts';

export type LineRefusalCode = 'invalid_json' | 'invalid_request_body' | 'stream_not_supported' | RoutePlanRefusalCode;

export type PreparedLine =
  | ({
      ok: true;
      /** The model the line asks for: what its records carry. */
      model: string;
      /** The provider whose queue the line waits in: the first route of its plan. */
      provider: string;
      /** That route's upstream model (a line sent to the provider's batch API is sent as it). */
      upstreamModel: string;
      /** What translating the line from its format could not carry (empty for chat and embeddings lines). */
      warnings: string[];
    } & OperationPayload) /* the body as a sync call would take it (a string `provider` pin still in it: the planner reads it) */
  | {
      ok: false;
      /** The model the line asks for, or `noModelName` when its body names none. */
      model: string;
      code: LineRefusalCode;
      message: string;
      statusCode: number;
    };

/** A line is refused at run time exactly as at submit: one checker for both. */
export type BatchLineChecker = (content: string) => PreparedLine;

/** Routing answers one checker keeps; far more than a batch's distinct combinations. */
const maxVerdicts = 10_000;

type RouteVerdict = { ok: true; provider: string; upstreamModel: string } | { ok: false; code: RoutePlanRefusalCode; message: string };

/**
 * Checks stored JSONL lines as the sync API checks a request: the line's `url` against the batch's
 * `endpoint` (every line of a batch calls its endpoint, as OpenAI requires), the body against that
 * operation's schema (or translated from its format: Responses, Anthropic Messages), then whether any route of its model (and pin) can take it — an unknown model, a
 * pin no route has, a capability none of its routes has, a provider that does not serve the operation —
 * with the sync API's wording (`describeRoutePlanRefusal`).
 *
 * The routing answer depends only on the model, the pin and the capabilities the body needs, and a
 * batch has few distinct such combinations, so it is worked out once per combination: a 100k-line
 * file costs a JSON parse and a schema check per line. Breakers and latencies are not read: they say
 * where a line runs first, not whether it can run.
 */
export function createBatchLineChecker(config: GatewayConfig, options: { /** The batch's endpoint. @defaultValue chat completions */ endpoint?: string } = {}): BatchLineChecker {
  const endpoint = options.endpoint ?? chatCompletionsPath;
  const verdicts = new Map<string, RouteVerdict>();
  return function checkBatchLine(content: string): PreparedLine {
    let envelope: unknown;
    try {
      envelope = JSON.parse(content);
    } catch {
      return refused(noModelName, 'invalid_json', 'the line is not valid JSON');
    }
    const body = isObject(envelope) ? envelope['body'] : undefined;
    const model = modelOfBody(body);
    const url = isObject(envelope) ? envelope['url'] : undefined;
    if (typeof url === 'string' && url !== endpoint) {
      return refused(model, 'invalid_request_body', `url: '${url}' does not match the batch's endpoint '${endpoint}'; every line of a batch calls its endpoint`);
    }
    const parsed = parseLineBody(endpoint, body);
    if (!parsed.ok) {
      const { issue } = parsed;
      const where = issue && issue.path.length > 0 ? `body.${issue.path.join('.')}: ` : 'body: ';
      return refused(model, 'invalid_request_body', `${where}${issue?.message ?? 'invalid'}`);
    }
    const { payload, warnings } = parsed;
    const bound = bindRequest(payload);
    if (bound.streams()) return refused(model, 'stream_not_supported', 'stream: true is not supported in batches');
    const controls = readRoutingControls({ headers: {}, request: payload.request });
    if (!controls.ok) return refused(model, 'invalid_request_body', controls.message);
    const routed = bindRequest({ ...payload, request: controls.request } as OperationPayload);
    // Lines of one model, needs and routing rule share a verdict; a line that might not fit a context
    // window (its encoding-free upper bound is over `sharedVerdictTokens`) is planned on its own.
    const rule = chooseRequestRule({ config, request: routed });
    const shared = routed.maxInputTokens() + (routed.maxOutputTokens() ?? 0) <= sharedVerdictTokens;
    if (!shared) {
      const own = routeVerdict(config, routed, controls.pin, rule);
      return own.ok ? { ok: true, model, provider: own.provider, upstreamModel: own.upstreamModel, warnings, ...payload } : refused(model, own.code, own.message);
    }
    const key = JSON.stringify([controls.request.model, controls.pin ?? null, bound.capabilityKey(), rule.rule]);
    let verdict = verdicts.get(key);
    if (!verdict) {
      verdict = routeVerdict(config, routed, controls.pin, rule);
      // Bounded, for a checker that lives as long as its process: model names come from clients.
      if (verdicts.size >= maxVerdicts) verdicts.clear();
      verdicts.set(key, verdict);
    }
    return verdict.ok ? { ok: true, model, provider: verdict.provider, upstreamModel: verdict.upstreamModel, warnings, ...payload } : refused(model, verdict.code, verdict.message);
  };
}

/** No catalogued chat model has a context window this short: lines within it never need the check. */
const sharedVerdictTokens = 4096;

function routeVerdict(config: GatewayConfig, request: BoundRequest, pin: string | undefined, rule: RuleChoice): RouteVerdict {
  // A fixed draw: the queue a line waits in is stable (its calls are planned again when it runs).
  const plan = planRequest({ config, request, rule, random: () => 0, pin });
  if (plan.ok) return { ok: true, provider: plan.routes[0]!.provider, upstreamModel: plan.routes[0]!.upstreamModel };
  // An error line has no `param`: the body field that needs the capability leads the message instead.
  const where = plan.code === 'unsupported_capability' && plan.param !== null ? `body.${plan.param}: ` : '';
  return { ok: false, code: plan.code, message: `${where}${plan.message}` };
}

function refused(model: string, code: LineRefusalCode, message: string): PreparedLine {
  return { ok: false, model, code, message, statusCode: gatewayErrorCodes[code].status };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function modelOfBody(body: unknown): string {
  const model = isObject(body) ? body['model'] : undefined;
  return typeof model === 'string' && model.length > 0 ? model : noModelName;
}

/** One line checked on its own (a checker per batch or chunk shares its answers between lines). */
export function prepareBatchLine(content: string, config: GatewayConfig, endpoint?: string): PreparedLine {
  return createBatchLineChecker(config, endpoint === undefined ? {} : { endpoint })(content);
}

/** The model a stored line asks for (what its record carries even when it never ran), or `noModelName`. */
export function modelOfLine(content: string): string {
  try {
    const envelope: unknown = JSON.parse(content);
    return modelOfBody(isObject(envelope) ? envelope['body'] : undefined);
  } catch {
    return noModelName;
  }
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
