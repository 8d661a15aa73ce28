import { readFileSync } from 'node:fs';
import swagger, { type SwaggerTransform } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

/** Areas of the API, by URL prefix (first match wins): the spec's tags. */
const areas: ReadonlyArray<{ prefix: string; tag: string; description: string }> = [
  { prefix: '/v1/chat/completions', tag: 'Chat', description: 'OpenAI-compatible chat completions: sync, streamed, async.' },
  { prefix: '/v1/async/chat/completions', tag: 'Chat', description: '' },
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

/** Security requirements by URL prefix: what the caller sends as `Authorization: Bearer`. */
const securityByPrefix: ReadonlyArray<{ prefix: string; security: ReadonlyArray<Record<string, readonly string[]>> }> = [
  { prefix: '/v1', security: [{ apiKey: [] }] },
  { prefix: '/admin', security: [{ adminKey: [] }] },
  { prefix: '/metrics', security: [{ adminKey: [] }] },
  { prefix: '/dashboard/api', security: [{ adminKey: [] }, { apiKey: [] }] },
];

/** Pages and their assets: served by the gateway, not part of the API. */
const undocumentedPrefixes = ['/docs', '/openapi.json', '/admin/queues', '/dashboard/assets', '/dashboard/vendor'];

/** OpenAI's error object: every error answer has this body. */
const errorBodySchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['message', 'type', 'param', 'code'],
      properties: {
        message: { type: 'string' },
        type: { type: 'string' },
        param: { type: ['string', 'null'] },
        code: { type: ['string', 'null'] },
      },
    },
  },
};

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
        "A unique key (e.g. a UUID) that makes retries safe: the same key with the same body within 24 hours returns the first answer (header `idempotent-replayed: true`) and does nothing again; with another body it is 422 `idempotency_key_reused`. See the README's 'Idempotency keys'.",
    },
  },
};

const matches = (url: string, prefix: string) => prefix === '/' || url === prefix || url.startsWith(`${prefix}/`);

/** The zod transform, plus tags, security, the error response and the documented-only bodies. */
const transform: SwaggerTransform = (input) => {
  const { url } = input;
  if (undocumentedPrefixes.some((prefix) => matches(url, prefix))) return { schema: { hide: true }, url };
  const transformed = jsonSchemaTransform(input);
  const schema: FastifySchema & Record<string, unknown> = { ...transformed.schema };
  if (schema.hide) return transformed;
  const methods = ([] as string[]).concat(input.route.method);
  const extra = documentedBodies[`${methods[0]} ${url}`];
  if (extra && !schema.body) Object.assign(schema, extra);
  if (input.route.config?.idempotencyKey === true && !schema.headers) schema.headers = idempotencyKeyHeaders;
  const area = areas.find((candidate) => matches(url, candidate.prefix));
  const security = securityByPrefix.find((candidate) => matches(url, candidate.prefix))?.security;
  const response = (schema.response ?? {}) as Record<string, unknown>;
  return {
    url,
    schema: {
      ...schema,
      tags: schema.tags ?? (area ? [area.tag] : []),
      ...(security ? { security } : {}),
      response: { ...response, ...(security && !response['4XX'] ? { '4XX': { description: "An error, in OpenAI's shape", ...errorBodySchema } } : {}) },
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
  const tags = areas
    .filter((area, index) => areas.findIndex((other) => other.tag === area.tag) === index)
    .map((area) => ({ name: area.tag, description: area.description }));
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'LLM batch gateway',
        version: packageVersion(),
        description: 'OpenAI-compatible chat and batch API (`/v1`, project API keys) and its operator API (`/admin`, the admin key).',
      },
      tags,
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'A project API key (`POST /admin/keys` creates one).' },
          adminKey: { type: 'http', scheme: 'bearer', description: 'The gateway admin key (`GATEWAY_ADMIN_KEY`).' },
        },
      },
    },
    transform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

export const openApiPlugin = fastifyPlugin(openApi, { name: 'gateway-openapi' });
