import { request as httpRequest } from 'node:http';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serversFor } from '../src/api/openapi-document.ts';
import { gatewayErrorCodes } from '../src/errors/gateway-error.ts';
import { startTestGateway, type TestGateway } from './support/test-gateway.ts';

interface MediaType {
  schema?: Record<string, any>;
}
interface Response {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, MediaType>;
}
interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: Array<{ name: string; in: string; required?: boolean; description?: string }>;
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, Response>;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  tags?: Array<{ name: string; description?: string }>;
  servers?: Array<{ url: string; variables?: Record<string, { default: string; enum?: string[] }> }>;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme: string }>; schemas?: Record<string, Record<string, any>> };
}

const methods = ['get', 'put', 'post', 'delete', 'patch'];
const errorRef = '#/components/schemas/ErrorResponse';

function operationsOf(spec: OpenApiDocument): Array<{ key: string; path: string; method: string; operation: Operation }> {
  return Object.entries(spec.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => methods.includes(method))
      .map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path}`, path, method, operation })),
  );
}

/** The `error.code`s a response's description lists. */
const codesOf = (response: Response | undefined) => [...(response?.description.matchAll(/`([a-z_]+)`/g) ?? [])].map((match) => match[1]);

describe('OpenAPI: /openapi.json and /docs', () => {
  let harness: TestGateway;
  let spec: OpenApiDocument;
  /** The document as received, for the validator (which takes plain JSON). */
  let text: string;

  beforeAll(async () => {
    harness = await startTestGateway();
    // No key: the spec documents the API and exposes no data.
    const response = await fetch(`${harness.url}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    text = await response.text();
    spec = JSON.parse(text) as OpenApiDocument;
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('is a valid OpenAPI 3.1 document (schema and every $ref), with both bearer security schemes', async () => {
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(text) as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(spec.info.title).toBeTruthy();
    expect(spec.components.securitySchemes).toMatchObject({
      apiKey: { type: 'http', scheme: 'bearer' },
      adminKey: { type: 'http', scheme: 'bearer' },
    });
  });

  it('the validator rejects a broken document (so the check above can fail)', async () => {
    const broken = text.replace('"$ref":"#/components/schemas/Batch"', '"$ref":"#/components/schemas/NoSuchSchema"');
    expect(broken).not.toBe(text);
    const result = await new Validator().validate(JSON.parse(broken) as Record<string, unknown>);
    expect(result.valid).toBe(false);
  });

  it('gives every operation a unique camelCase operationId, a summary and a tag', () => {
    const operations = operationsOf(spec);
    expect(operations.length).toBeGreaterThan(30);
    const problems = operations.filter(({ operation }) => !operation.operationId || !/^[a-z][a-zA-Z0-9]*$/.test(operation.operationId) || !operation.summary || !operation.tags?.length);
    expect(problems.map(({ key }) => key)).toEqual([]);
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("names the routes that mirror OpenAI's API as OpenAI does", () => {
    const byId = new Map(operationsOf(spec).map(({ key, operation }) => [operation.operationId, key]));
    expect(
      Object.fromEntries(
        [
          'createChatCompletion',
          'listModels',
          'retrieveModel',
          'createFile',
          'listFiles',
          'retrieveFile',
          'deleteFile',
          'downloadFile',
          'createBatch',
          'retrieveBatch',
          'cancelBatch',
          'listBatches',
        ].map((id) => [id, byId.get(id)]),
      ),
    ).toEqual({
      createChatCompletion: 'POST /v1/chat/completions',
      listModels: 'GET /v1/models',
      retrieveModel: 'GET /v1/models/{model}',
      createFile: 'POST /v1/files',
      listFiles: 'GET /v1/files',
      retrieveFile: 'GET /v1/files/{file_id}',
      deleteFile: 'DELETE /v1/files/{file_id}',
      downloadFile: 'GET /v1/files/{file_id}/content',
      createBatch: 'POST /v1/batches',
      retrieveBatch: 'GET /v1/batches/{batch_id}',
      cancelBatch: 'POST /v1/batches/{batch_id}/cancel',
      listBatches: 'GET /v1/batches',
    });
  });

  it('documents a success answer with a schema for every operation, and an ErrorResponse for every 4xx and 5xx', () => {
    const problems: string[] = [];
    for (const { key, operation } of operationsOf(spec)) {
      const success = Object.entries(operation.responses).filter(([status]) => status.startsWith('2'));
      if (!success.some(([, response]) => Object.values(response.content ?? {}).some((media) => media.schema))) problems.push(`${key}: no 2xx schema`);
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!response.description) problems.push(`${key} ${status}: no description`);
        if (status.startsWith('2') || key === 'GET /readyz') continue;
        if (response.content?.['application/json']?.schema?.$ref !== errorRef) problems.push(`${key} ${status}: not an ErrorResponse`);
        if (codesOf(response).some((code) => code === undefined || !(code in gatewayErrorCodes))) problems.push(`${key} ${status}: unknown code in '${response.description}'`);
      }
      // Anything that takes a key or input can be refused: with a 4xx in OpenAI's error shape.
      if ((operation.security || operation.parameters || operation.requestBody) && !Object.keys(operation.responses).some((status) => status.startsWith('4'))) problems.push(`${key}: no 4xx`);
    }
    expect(problems).toEqual([]);
    const errorSchema = spec.components.schemas?.['ErrorResponse'];
    expect(errorSchema?.required).toEqual(['error']);
    expect(errorSchema?.properties?.error?.required).toEqual(['message', 'type', 'param', 'code']);
  });

  it('lists, per status, the error codes each operation answers', () => {
    const responses = (key: string) => {
      const [method = '', path = ''] = key.split(' ');
      return spec.paths[path]?.[method.toLowerCase()]?.responses ?? {};
    };
    const chat = responses('POST /v1/chat/completions');
    expect(Object.keys(chat).sort()).toEqual(['200', '400', '401', '404', '409', '413', '415', '422', '429', '500', '502', '503', '504']);
    expect(codesOf(chat['401'])).toEqual(['missing_api_key', 'invalid_api_key']);
    expect(codesOf(chat['404'])).toEqual(['model_not_found', 'provider_model_not_found']);
    expect(codesOf(chat['429'])).toEqual(expect.arrayContaining(['rate_limit_exceeded', 'provider_rate_limited']));
    expect(chat['429']?.headers).toHaveProperty('retry-after');
    expect(chat['503']?.headers).toHaveProperty('retry-after');
    expect(codesOf(responses('POST /v1/batches/{batch_id}/cancel')['400'])).toEqual(['invalid_request_body', 'batch_not_cancellable']);
    expect(codesOf(responses('GET /v1/batches/{batch_id}')['404'])).toEqual(['not_found']);
    expect(codesOf(responses('POST /admin/keys')['401'])).toEqual(['invalid_admin_key']);
    expect(codesOf(responses('POST /v1/files')['413'])).toEqual(['file_too_large']);
    expect(Object.keys(responses('GET /v1/models'))).not.toContain('404');
    // No answer is 403 here: nothing maps to it.
    expect(operationsOf(spec).filter(({ operation }) => '403' in operation.responses)).toEqual([]);
  });

  it('documents every error code a client can receive somewhere', () => {
    const documented = new Set(operationsOf(spec).flatMap(({ operation }) => Object.values(operation.responses).flatMap(codesOf)));
    // A batch line's own error (in its result line), and the code of an answer nobody reads.
    const neverAnswered = new Set(['budget_exceeded', 'client_closed_request']);
    expect(Object.keys(gatewayErrorCodes).filter((code) => !documented.has(code) && !neverAnswered.has(code))).toEqual([]);
  });

  it('documents the Messages and Responses streams event by event', () => {
    for (const [path, component, first, last] of [
      ['/v1/messages', 'MessageStreamEvent', 'message_start', 'message_stop'],
      ['/v1/responses', 'ResponseStreamEvent', 'response.created', 'response.completed'],
    ] as const) {
      const content = spec.paths[path]?.post?.responses['200']?.content ?? {};
      expect(Object.keys(content).sort(), path).toEqual(['application/json', 'text/event-stream']);
      expect(content['text/event-stream']?.schema).toEqual({ $ref: `#/components/schemas/${component}` });
      const text = JSON.stringify(spec.components.schemas?.[component]);
      for (const type of [first, last, 'error']) expect(text, `${component} ${type}`).toContain(`"${type}"`);
    }
  });

  it('documents chat completions from the zod schemas: JSON, and text/event-stream for stream: true', () => {
    const post = spec.paths['/v1/chat/completions']?.post;
    expect(post).toBeDefined();
    const body = post?.requestBody?.content?.['application/json']?.schema;
    expect(body?.required).toEqual(expect.arrayContaining(['model', 'messages']));
    expect(body?.properties?.messages?.type).toBe('array');
    expect(post?.security).toEqual([{ apiKey: [] }]);
    expect(post?.tags).toEqual(['Chat']);
    const content = post?.responses['200']?.content ?? {};
    expect(Object.keys(content).sort()).toEqual(['application/json', 'text/event-stream']);
    expect(content['application/json']?.schema).toEqual({ $ref: '#/components/schemas/CreateChatCompletionResponse' });
    expect(content['text/event-stream']?.schema).toEqual({ $ref: '#/components/schemas/CreateChatCompletionStreamResponse' });
    const completion = spec.components.schemas?.['CreateChatCompletionResponse'];
    expect(completion?.properties?.choices?.type).toBe('array');
    expect(completion?.properties?.usage?.properties?.cost?.type).toBe('number');
    const chunk = spec.components.schemas?.['CreateChatCompletionStreamResponse'];
    expect(chunk?.properties?.object).toMatchObject({ const: 'chat.completion.chunk' });
    expect(chunk?.description).toContain('data: [DONE]');
  });

  it('names path parameters for what they identify, and documents batches, files and async jobs', () => {
    const paths = Object.keys(spec.paths);
    expect(paths.filter((path) => path.includes('{id}') || path.includes('{*}'))).toEqual([]);
    expect(spec.paths['/v1/batches/{batch_id}']?.get?.parameters?.[0]).toMatchObject({ name: 'batch_id', in: 'path', required: true });
    expect(spec.paths['/v1/batches/{batch_id}/results']?.get?.parameters?.find((parameter) => parameter.in === 'path')?.name).toBe('batch_id');
    expect(spec.paths['/v1/models/{model}']?.get?.parameters?.[0]).toMatchObject({ name: 'model', in: 'path' });
    expect(spec.paths['/v1/async/chat/completions/{job_id}']?.get?.parameters?.[0]?.name).toBe('job_id');
    expect(spec.paths['/admin/keys/{key_id}/limits']?.put?.parameters?.[0]?.name).toBe('key_id');

    expect(spec.paths['/v1/batches']?.post?.responses['200']?.content?.['application/json']?.schema).toEqual({ $ref: '#/components/schemas/Batch' });
    expect(spec.components.schemas?.['Batch']?.properties?.status?.enum).toEqual(expect.arrayContaining(['validating', 'in_progress', 'completed']));
    expect(spec.paths['/v1/async/chat/completions']?.post?.responses['202']?.content?.['application/json']?.schema).toEqual({ $ref: '#/components/schemas/ChatCompletionJob' });
    expect(spec.paths['/v1/files/{file_id}/content']?.get?.responses['200']?.content?.['application/octet-stream']?.schema).toMatchObject({ type: 'string', format: 'binary' });
    expect(spec.paths['/metrics']?.get?.responses['200']?.content).toHaveProperty('text/plain');
    const upload = spec.paths['/v1/files']?.post;
    expect(upload?.requestBody?.content?.['multipart/form-data']?.schema?.required).toEqual(['purpose', 'file']);
  });

  it('has no unused components or tags, and no zod safe-integer bounds', () => {
    for (const name of Object.keys(spec.components.schemas ?? {})) expect(text, name).toContain(`"#/components/schemas/${name}"`);
    const used = new Set(operationsOf(spec).flatMap(({ operation }) => operation.tags ?? []));
    expect(spec.tags?.map((tag) => tag.name).sort()).toEqual([...used].sort());
    expect(text).not.toContain(String(Number.MAX_SAFE_INTEGER));
  });

  it('keeps the security and tags of the admin, usage, dashboard and operations routes', () => {
    const createKey = spec.paths['/admin/keys']?.post;
    expect(createKey?.security).toEqual([{ adminKey: [] }]);
    expect(createKey?.tags).toEqual(['Admin']);
    expect(createKey?.requestBody?.content?.['application/json']?.schema?.required).toEqual(['name', 'project']);
    expect(spec.paths['/healthz']?.get?.security).toBeUndefined();
    expect(spec.paths['/metrics']?.get?.security).toEqual([{ adminKey: [] }]);
    expect(spec.paths['/v1/usage']?.get).toMatchObject({ tags: ['Usage'], security: [{ apiKey: [] }] });
    expect(spec.paths['/admin/usage']?.get).toMatchObject({ tags: ['Usage'], security: [{ adminKey: [] }] });
    expect(spec.paths['/readyz']?.get?.responses['503']?.content?.['application/json']?.schema).toEqual({ $ref: '#/components/schemas/ReadinessReport' });
  });

  it("documents the dashboard's JSON API, which takes either key", () => {
    const summary = spec.paths['/dashboard/api/summary']?.get;
    expect(summary?.security).toEqual([{ adminKey: [] }, { apiKey: [] }]);
    expect(summary?.tags).toEqual(['Dashboard']);
    expect(summary?.parameters?.map((parameter) => `${parameter.in}:${parameter.name}`)).toEqual(expect.arrayContaining(['query:from', 'query:to']));
    expect(summary?.responses['200']?.content?.['application/json']?.schema?.properties?.cost_by_model?.type).toBe('array');
  });

  it('leaves out the pages and their assets', () => {
    const paths = Object.keys(spec.paths);
    const pages = paths.filter(
      (path) => path.startsWith('/docs') || path.startsWith('/admin/queues') || path === '/openapi.json' || (path.startsWith('/dashboard') && !path.startsWith('/dashboard/api/')),
    );
    expect(pages).toEqual([]);
  });

  it('lists the gateway as the request reached it (scheme and host overridable), then relative to the page', async () => {
    expect(spec.servers?.[0]).toMatchObject({ url: '{scheme}://{host}', variables: { scheme: { default: 'http', enum: ['https', 'http'] }, host: { default: new URL(harness.url).host } } });
    expect(spec.servers?.[1]).toMatchObject({ url: '/' });
    // Another Host header, another default (and the document itself is unchanged otherwise).
    const viaProxyName = await new Promise<OpenApiDocument>((resolve, reject) => {
      const outgoing = httpRequest(`${harness.url}/openapi.json`, { headers: { host: 'gateway.example.com:8443' } }, (incoming) => {
        let text = '';
        incoming
          .setEncoding('utf8')
          .on('data', (chunk: string) => (text += chunk))
          .on('end', () => resolve(JSON.parse(text) as OpenApiDocument));
      });
      outgoing.on('error', reject).end();
    });
    expect(viaProxyName.servers?.[0]?.variables?.['host']?.default).toBe('gateway.example.com:8443');
    expect(viaProxyName.paths).toEqual(spec.paths);
    // A Host header that is not a host is not put in the document.
    expect(serversFor({ protocol: 'http', host: 'evil.example/"><script>' })[0]).toMatchObject({ variables: { host: { default: 'localhost:8080' } } });
    expect(serversFor({ protocol: 'https', host: '[::1]:8080' })[0]).toMatchObject({ variables: { scheme: { default: 'https' }, host: { default: '[::1]:8080' } } });
  });

  it('serves Swagger UI at /docs without a key', async () => {
    const response = await fetch(`${harness.url}/docs`, { redirect: 'follow' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(await response.text()).toContain('swagger-ui');
  });
});
