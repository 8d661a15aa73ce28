import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/test-gateway.ts';

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Record<string, any>>>;
  components: { securitySchemes: Record<string, { type: string; scheme: string }>; schemas?: Record<string, unknown> };
}

describe('OpenAPI: /openapi.json and /docs', () => {
  let harness: TestGateway;
  let spec: OpenApiDocument;

  beforeAll(async () => {
    harness = await startTestGateway();
    // No key: the spec documents the API and exposes no data.
    const response = await fetch(`${harness.url}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    spec = (await response.json()) as OpenApiDocument;
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('is an OpenAPI 3 document with both bearer security schemes', () => {
    expect(spec.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(spec.info.title).toBeTruthy();
    expect(spec.components.securitySchemes).toMatchObject({
      apiKey: { type: 'http', scheme: 'bearer' },
      adminKey: { type: 'http', scheme: 'bearer' },
    });
  });

  it('documents chat completions from the zod body schema, with the API key and a tag', () => {
    const post = spec.paths['/v1/chat/completions']?.post;
    expect(post).toBeDefined();
    const body = post?.requestBody?.content?.['application/json']?.schema;
    expect(body?.required).toEqual(expect.arrayContaining(['model', 'messages']));
    expect(body?.properties?.messages?.type).toBe('array');
    expect(post?.security).toEqual([{ apiKey: [] }]);
    expect(post?.tags).toEqual(['Chat']);
    // The response schema comes from the zod output schema too.
    expect(post?.responses?.['200']?.content?.['application/json']?.schema?.properties?.choices?.type).toBe('array');
    expect(post?.responses?.['4XX']).toBeDefined();
  });

  it('lists batches, files (with the multipart upload body) and the admin routes', () => {
    expect(Object.keys(spec.paths['/v1/batches'] ?? {})).toEqual(expect.arrayContaining(['get', 'post']));
    expect(spec.paths['/v1/batches/{id}']?.get?.parameters?.[0]).toMatchObject({ name: 'id', in: 'path' });
    // A route without a response schema still appears.
    expect(spec.paths['/v1/files/{id}/content']?.get).toBeDefined();
    const upload = spec.paths['/v1/files']?.post;
    expect(upload?.requestBody?.content?.['multipart/form-data']?.schema?.required).toEqual(['purpose', 'file']);
    const createKey = spec.paths['/admin/keys']?.post;
    expect(createKey?.security).toEqual([{ adminKey: [] }]);
    expect(createKey?.tags).toEqual(['Admin']);
    expect(createKey?.requestBody?.content?.['application/json']?.schema?.required).toEqual(['name', 'project']);
    expect(spec.paths['/healthz']?.get?.security).toBeUndefined();
    expect(spec.paths['/metrics']?.get?.security).toEqual([{ adminKey: [] }]);
    expect(spec.paths['/v1/usage']?.get).toMatchObject({ tags: ['Usage'], security: [{ apiKey: [] }] });
    expect(spec.paths['/admin/usage']?.get).toMatchObject({ tags: ['Usage'], security: [{ adminKey: [] }] });
  });

  it("documents the dashboard's JSON API, which takes either key", () => {
    const summary = spec.paths['/dashboard/api/summary']?.get;
    expect(summary?.security).toEqual([{ adminKey: [] }, { apiKey: [] }]);
    expect(summary?.tags).toEqual(['Dashboard']);
    expect(summary?.parameters?.map((parameter: { name: string; in: string }) => `${parameter.in}:${parameter.name}`).sort()).toEqual(['query:from', 'query:to']);
    expect(summary?.responses?.['200']?.content?.['application/json']?.schema?.properties?.cost_by_model?.type).toBe('array');
  });

  it('leaves out the pages and their assets', () => {
    const paths = Object.keys(spec.paths);
    const pages = paths.filter((path) => path.startsWith('/docs') || path.startsWith('/admin/queues') || path === '/openapi.json' || (path.startsWith('/dashboard') && !path.startsWith('/dashboard/api/')));
    expect(pages).toEqual([]);
  });

  it('serves Swagger UI at /docs without a key', async () => {
    const response = await fetch(`${harness.url}/docs`, { redirect: 'follow' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(await response.text()).toContain('swagger-ui');
  });
});
