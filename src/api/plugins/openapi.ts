import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import swagger, { type SwaggerTransform } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
// Registers the components every document has (ErrorResponse), whichever routes are mounted.
import '../openapi-schemas.ts';
import { accessOf, dropSafeIntegerBounds, errorResponses, matchesPrefix, namePathParameters, pruneUnusedSchemas, serversFor, sharedErrorCodes, withUsedTags } from '../openapi-document.ts';

/** Areas of the API, by URL prefix (first match wins): the spec's tags. */
const areas: ReadonlyArray<{ prefix: string; tag: string; description: string }> = [
  { prefix: '/v1/chat/completions', tag: 'Chat', description: 'OpenAI-compatible chat completions: sync, streamed, async.' },
  { prefix: '/v1/async/chat/completions', tag: 'Chat', description: '' },
  { prefix: '/v1/embeddings', tag: 'Embeddings', description: 'OpenAI-compatible embeddings: sync, async, and in batches.' },
  { prefix: '/v1/async/embeddings', tag: 'Embeddings', description: '' },
  { prefix: '/v1/batches', tag: 'Batches', description: "OpenAI's Batches API, plus inline batches and JSON result pages." },
  { prefix: '/v1/files', tag: 'Files', description: 'Batch input files (JSONL) and result files.' },
  { prefix: '/v1/models', tag: 'Models', description: 'The models this gateway routes, with prices.' },
  { prefix: '/v1/usage', tag: 'Usage', description: "Usage (requests, tokens, cost, latency) and each request's log." },
  { prefix: '/v1/requests', tag: 'Usage', description: '' },
  { prefix: '/admin/usage', tag: 'Usage', description: '' },
  { prefix: '/admin/requests', tag: 'Usage', description: '' },
  { prefix: '/v1/webhook-deliveries', tag: 'Webhooks', description: 'Webhook delivery log and redelivery.' },
  { prefix: '/v1', tag: 'Other', description: 'Other project-key endpoints.' },
  { prefix: '/admin', tag: 'Admin', description: 'Operator API (admin key): keys, projects, limits, breakers, usage.' },
  { prefix: '/dashboard/api', tag: 'Dashboard', description: 'Data behind the /dashboard page (admin or project key).' },
  { prefix: '/', tag: 'Operations', description: 'Health, readiness and metrics.' },
];

/** Pages and their assets: served by the gateway, not part of the API. */
const undocumentedPrefixes = ['/docs', '/openapi.json', '/admin/queues', '/dashboard/assets', '/dashboard/vendor'];

/**
 * Request bodies the route cannot declare as zod (fastify would validate them) but the spec should
 * show: the multipart upload is read as a stream by the handler.
 */
const documentedBodies: Record<string, Pick<FastifySchema, 'consumes'> & { body: unknown }> = {
  'POST /v1/files': {
    consumes: ['multipart/form-data'],
    body: {
      type: 'object',
      required: ['purpose', 'file'],
      properties: {
        purpose: { type: 'string', enum: ['batch'] },
        file: { type: 'string', format: 'binary', description: 'JSONL, one request per line' },
      },
    },
  },
};

/**
 * `Idempotency-Key`, on the routes that declare `config.idempotencyKey`: the handler reads it (its
 * errors have codes of their own), so it is documented here rather than validated by a schema.
 */
const idempotencyKeyHeaders = {
  type: 'object',
  properties: {
    'idempotency-key': {
      type: 'string',
      minLength: 1,
      maxLength: 255,
      description:
        'A unique key (e.g. a UUID) that makes retries safe: the same key with the same body within 24 hours returns the first answer (header `idempotent-replayed: true`) and does nothing again; with another body it is 422 `idempotency_key_reused`.',
    },
  },
};

/** The route's own documented headers (a JSON schema object), with `Idempotency-Key` among them. */
function withIdempotencyKeyHeader(headers: unknown): unknown {
  if (typeof headers !== 'object' || headers === null) return idempotencyKeyHeaders;
  const own = headers as { properties?: Record<string, unknown> };
  return { ...own, properties: { ...own.properties, ...idempotencyKeyHeaders.properties } };
}

type Responses = Record<string, unknown>;

const isContentResponse = (value: unknown): value is { description?: unknown; content: Record<string, unknown> } =>
  typeof value === 'object' && value !== null && 'content' in value && typeof value.content === 'object' && value.content !== null;

/**
 * The route's own answers (zod JSON schemas, or per-content-type ones) as response objects with a
 * description: the schema's own, else the status text.
 */
function describeResponses(responses: Responses, produces: readonly string[] | undefined): Responses {
  const described: Responses = {};
  for (const [status, response] of Object.entries(responses)) {
    const statusText = STATUS_CODES[Number(status)] ?? 'Response';
    if (isContentResponse(response)) {
      described[status] = { ...response, description: typeof response.description === 'string' ? response.description : statusText };
      continue;
    }
    const description = typeof response === 'object' && response !== null && 'description' in response && typeof response.description === 'string' ? response.description : statusText;
    const mediaTypes = produces && produces.length > 0 ? produces : ['application/json'];
    described[status] = { description, content: Object.fromEntries(mediaTypes.map((mediaType) => [mediaType, { schema: response }])) };
  }
  return described;
}

/**
 * The zod transform, then: tags and security by URL, path parameters named for what they identify,
 * the documented-only bodies and headers, and every answer with a description — the route's own,
 * plus an ErrorResponse per status for the codes the shared layers and the route answer.
 */
const transform: SwaggerTransform = (input) => {
  const { url } = input;
  if (undocumentedPrefixes.some((prefix) => matchesPrefix(url, prefix))) return { schema: { hide: true }, url };
  const transformed = jsonSchemaTransform(input);
  if (transformed.schema.hide) return transformed;
  const { errorCodes = [], ...schema }: FastifySchema & Record<string, unknown> = { ...transformed.schema };
  const methods = ([] as string[]).concat(input.route.method);
  const extra = documentedBodies[`${methods[0]} ${url}`];
  if (extra && !schema.body) Object.assign(schema, extra);
  const idempotent = input.route.config?.idempotencyKey === true;
  if (idempotent) schema.headers = withIdempotencyKeyHeader(schema.headers);
  const access = accessOf(url);
  const area = areas.find((candidate) => matchesPrefix(url, candidate.prefix));
  const named = namePathParameters(url, schema.params as Parameters<typeof namePathParameters>[1]);
  const routeSchema = input.schema;
  const shared = sharedErrorCodes({
    access,
    jsonBody: routeSchema.body !== undefined,
    validatedInput: [routeSchema.body, routeSchema.querystring, routeSchema.params, routeSchema.headers].some((part) => part !== undefined),
    idempotent,
  });
  return {
    url: named.url,
    schema: {
      ...schema,
      ...(named.params ? { params: named.params } : {}),
      tags: schema.tags ?? (area ? [area.tag] : []),
      ...(access.security ? { security: access.security } : {}),
      response: {
        ...errorResponses([...shared, ...errorCodes]),
        ...describeResponses((schema.response ?? {}) as Responses, schema.produces),
      },
    },
  };
};

function packageVersion(): string {
  // src/api/plugins and dist/api/plugins are both three levels below the package root.
  try {
    const parsed: unknown = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    if (parsed && typeof parsed === 'object' && 'version' in parsed && typeof parsed.version === 'string') return parsed.version;
  } catch {
    // Packaged without package.json: the spec still works.
  }
  return '0.0.0';
}

/**
 * The OpenAPI 3.1 spec, generated from the routes' zod schemas (`/openapi.json`), and Swagger UI
 * (`/docs`). Registered before the routes, so its `onRoute` hook sees every one of them. Neither
 * needs a key: they describe the API and expose no data.
 */
async function openApi(app: FastifyInstance): Promise<void> {
  // One entry per tag, described by its first area.
  const tags = areas.filter((area, index) => areas.findIndex((other) => other.tag === area.tag) === index).map((area) => ({ name: area.tag, description: area.description }));
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'LLM batch gateway',
        version: packageVersion(),
        description: 'OpenAI-compatible chat and batch API (`/v1`, project API keys) and its operator API (`/admin`, the admin key).',
      },
      tags,
      // `/openapi.json` answers with the servers of the request it serves (see serversFor).
      servers: [{ url: '/', description: 'The gateway that served this document.' }],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'A project API key (`POST /admin/keys` creates one).' },
          adminKey: { type: 'http', scheme: 'bearer', description: 'The gateway admin key (`GATEWAY_ADMIN_KEY`).' },
        },
      },
    },
    transform,
    transformObject: (documentObject) => withUsedTags(dropSafeIntegerBounds(pruneUnusedSchemas(jsonSchemaTransformObject(documentObject)))),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  // The document is built once; each answer adds the servers as this request reached the gateway.
  app.get('/openapi.json', { schema: { hide: true } }, async (request) => ({ ...app.swagger(), servers: serversFor(request) }));
}

export const openApiPlugin = fastifyPlugin(openApi, { name: 'gateway-openapi' });
