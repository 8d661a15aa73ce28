import { STATUS_CODES } from 'node:http';
import { gatewayErrorCodes, type GatewayErrorCode } from '../errors/gateway-error.ts';

/**
 * Pure pieces of the OpenAPI document: which error codes an operation answers and their response
 * objects, path parameter names, the components and tags it uses, and its servers. The plugin
 * (`plugins/openapi.ts`) wires them into @fastify/swagger's transforms.
 */

export const errorResponseRef = { $ref: '#/components/schemas/ErrorResponse' } as const;

/** Who may call an operation, from its URL: the key it takes and whether it reads Postgres or Redis. */
export interface RouteAccess {
  prefix: string;
  security?: ReadonlyArray<Record<string, readonly string[]>>;
  /** The 401 codes of its key check. */
  keyErrors: readonly GatewayErrorCode[];
  /** Reads Postgres or Redis, so an outage of either is a 503 `service_unavailable`. */
  backed: boolean;
}

/** First match wins; every URL matches the last. */
export const routeAccess: readonly RouteAccess[] = [
  { prefix: '/v1', security: [{ apiKey: [] }], keyErrors: ['missing_api_key', 'invalid_api_key'], backed: true },
  { prefix: '/admin', security: [{ adminKey: [] }], keyErrors: ['invalid_admin_key'], backed: true },
  { prefix: '/metrics', security: [{ adminKey: [] }], keyErrors: ['invalid_admin_key'], backed: false },
  { prefix: '/dashboard/api', security: [{ adminKey: [] }, { apiKey: [] }], keyErrors: ['missing_api_key', 'invalid_api_key'], backed: true },
  { prefix: '/', keyErrors: [], backed: false },
];

export const matchesPrefix = (url: string, prefix: string) => prefix === '/' || url === prefix || url.startsWith(`${prefix}/`);

export function accessOf(url: string): RouteAccess {
  return routeAccess.find((access) => matchesPrefix(url, access.prefix)) ?? { prefix: '/', keyErrors: [], backed: false };
}

/** What an operation takes, as far as the shared error answers go. */
export interface OperationTraits {
  access: RouteAccess;
  /** A JSON body, parsed and validated by fastify. */
  jsonBody: boolean;
  /** Any validated input: body, query string, path or headers. */
  validatedInput: boolean;
  /** Honours `Idempotency-Key`. */
  idempotent: boolean;
}

/**
 * The codes every operation of its kind can answer, from the shared layers: the key check, schema
 * validation and body parsing (the error handler), the idempotency layer, the outage mapping, and
 * the one 500 for anything unforeseen. A route lists only its own codes on top (`errorCodes`).
 */
export function sharedErrorCodes(traits: OperationTraits): GatewayErrorCode[] {
  const codes: GatewayErrorCode[] = [...traits.access.keyErrors];
  if (traits.validatedInput) codes.push('invalid_request_body');
  if (traits.jsonBody) codes.push('invalid_json', 'request_too_large', 'unsupported_media_type');
  if (traits.idempotent) codes.push('invalid_idempotency_key', 'idempotency_key_in_use', 'idempotency_key_reused');
  codes.push('internal_error');
  if (traits.access.backed) codes.push('service_unavailable');
  return codes;
}

/** Statuses a client never reads (the client has gone) are left out. */
const unanswered = new Set([499]);

interface ErrorResponseObject {
  description: string;
  headers?: Record<string, { description: string; type: string }>;
  content: { 'application/json': { schema: typeof errorResponseRef } };
}

const retryAfterHeaders = {
  'retry-after': { description: 'Seconds to wait before retrying.', type: 'string' },
};

/** One response per HTTP status, its description naming the codes; `Retry-After` on 429 and 503. */
export function errorResponses(codes: Iterable<GatewayErrorCode>): Record<string, ErrorResponseObject> {
  const byStatus = new Map<number, Set<GatewayErrorCode>>();
  for (const code of codes) {
    const { status } = gatewayErrorCodes[code];
    if (unanswered.has(status)) continue;
    const set = byStatus.get(status) ?? new Set();
    set.add(code);
    byStatus.set(status, set);
  }
  const responses: Record<string, ErrorResponseObject> = {};
  for (const status of [...byStatus.keys()].sort((a, b) => a - b)) {
    const listed = [...(byStatus.get(status) ?? [])].map((code) => `\`${code}\``).join(', ');
    responses[String(status)] = {
      description: `${STATUS_CODES[status] ?? 'Error'}. \`error.code\`: ${listed}.`,
      ...(status === 429 || status === 503 ? { headers: retryAfterHeaders } : {}),
      content: { 'application/json': { schema: errorResponseRef } },
    };
  }
  return responses;
}

/** Names for the `:id` of a URL (by the URL before it), and for a wildcard: what the id is of. */
const pathParameterNames: ReadonlyArray<{ before: string; name: string; description: string }> = [
  { before: '/v1/messages/batches/', name: 'message_batch_id', description: 'The message batch ID.' },
  { before: '/v1/batches/', name: 'batch_id', description: 'The batch ID.' },
  { before: '/v1/files/', name: 'file_id', description: 'The file ID.' },
  { before: '/v1/responses/', name: 'response_id', description: 'The response ID (`resp_…`).' },
  { before: '/v1/async/chat/completions/', name: 'job_id', description: 'The job ID (the `id` of the job object).' },
  { before: '/v1/async/embeddings/', name: 'job_id', description: 'The job ID (the `id` of the job object).' },
  { before: '/v1/webhook-deliveries/', name: 'delivery_id', description: 'The webhook delivery ID.' },
  { before: '/v1/requests/', name: 'request_id', description: 'The request ID (`x-request-id` of its answer).' },
  { before: '/admin/requests/', name: 'request_id', description: 'The request ID (`x-request-id` of its answer).' },
  { before: '/admin/keys/', name: 'key_id', description: 'The API key ID.' },
  { before: '/v1/models/', name: 'model', description: 'The model, e.g. `gpt-4o-mini` or `provider/model` (a slash may be sent encoded).' },
];

interface JsonObjectSchema {
  type?: unknown;
  properties?: Record<string, Record<string, unknown>>;
  required?: string[];
  [key: string]: unknown;
}

/**
 * Routes keep `:id` (and `*` for model names) in their URLs; the document names each parameter for
 * what it identifies (`{batch_id}`, `{file_id}`, `{model}`), as OpenAI's spec does. The URL a client
 * builds is the same either way.
 */
export function namePathParameters(url: string, params: JsonObjectSchema | undefined): { url: string; params: JsonObjectSchema | undefined } {
  const rule = pathParameterNames.find((candidate) => url.startsWith(candidate.before));
  if (!rule || !params?.properties) return { url, params };
  const rest = url.slice(rule.before.length);
  const segment = rest.split('/')[0];
  const from = segment === '*' ? '*' : segment === ':id' ? 'id' : undefined;
  const property = from === undefined ? undefined : params.properties[from];
  if (from === undefined || property === undefined) return { url, params };
  const properties = Object.fromEntries(Object.entries(params.properties).map(([key, value]) => (key === from ? [rule.name, { ...value, description: rule.description }] : [key, value])));
  return {
    url: `${rule.before}:${rule.name}${rest.slice(segment?.length ?? 0)}`,
    params: { ...params, properties, required: (params.required ?? []).map((key) => (key === from ? rule.name : key)) },
  };
}

/** Every `$ref` to a component schema anywhere under `value`. */
function collectRefs(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectRefs(item, into);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value)) {
    if (key === '$ref' && typeof child === 'string' && child.startsWith('#/components/schemas/')) into.add(child.slice('#/components/schemas/'.length));
    else collectRefs(child, into);
  }
}

/**
 * Drops component schemas nothing refers to. The zod transform emits each registered schema twice
 * (as read, `…Input`, and as written); an answer's schema is only ever written.
 */
export function pruneUnusedSchemas<Document extends { paths?: unknown; components?: { schemas?: Record<string, unknown> } }>(document: Document): Document {
  const schemas = document.components?.schemas;
  if (!schemas) return document;
  const used = new Set<string>();
  collectRefs(document.paths, used);
  // Components refer to components: follow them until nothing new turns up.
  let frontier = [...used];
  while (frontier.length > 0) {
    const found = new Set<string>();
    for (const name of frontier) collectRefs(schemas[name], found);
    frontier = [...found].filter((name) => !used.has(name));
    for (const name of frontier) used.add(name);
  }
  const kept = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)));
  return { ...document, components: { ...document.components, schemas: kept } };
}

/** Without the tags no operation carries (the catch-all for routes no area names yet). */
export function withUsedTags<Document extends { paths?: unknown; tags?: Array<{ name: string }> }>(document: Document): Document {
  if (!document.tags) return document;
  const used = new Set<string>();
  for (const item of Object.values((document.paths ?? {}) as Record<string, Record<string, { tags?: string[] }>>)) {
    for (const operation of Object.values(item)) for (const tag of operation.tags ?? []) used.add(tag);
  }
  return { ...document, tags: document.tags.filter((tag) => used.has(tag.name)) };
}

/**
 * Without zod's `int()` bounds at ±(2^53 − 1): every JSON integer this API writes is within them,
 * and generated clients would carry them as noise on every integer field.
 */
export function dropSafeIntegerBounds<Value>(value: Value): Value {
  if (Array.isArray(value)) return value.map((item: unknown) => dropSafeIntegerBounds(item)) as Value;
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value).filter(([key, child]) => !((key === 'minimum' && child === Number.MIN_SAFE_INTEGER) || (key === 'maximum' && child === Number.MAX_SAFE_INTEGER)));
  return Object.fromEntries(entries.map(([key, child]) => [key, dropSafeIntegerBounds(child)])) as Value;
}

/** A host header fit to be put in the document (a name or address, and a port). */
const hostPattern = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The document's `servers`: the gateway as this request reached it, whose `scheme` and `host` a
 * client generator may override (behind a TLS proxy, `scheme` is the proxy's to say); then the same
 * gateway as a relative URL, for a page served from it.
 */
export function serversFor(request: { protocol: string; host: string }): Array<Record<string, unknown>> {
  const host = hostPattern.test(request.host) ? request.host : 'localhost:8080';
  const scheme = request.protocol === 'https' ? 'https' : 'http';
  return [
    {
      url: '{scheme}://{host}',
      description: 'The gateway, at the address this document was fetched from unless overridden.',
      variables: {
        scheme: { enum: ['https', 'http'], default: scheme },
        host: { default: host, description: 'Host name (and port) of the gateway.' },
      },
    },
    { url: '/', description: 'The gateway that served this document (same origin).' },
  ];
}
