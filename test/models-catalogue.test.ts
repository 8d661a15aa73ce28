import Big from 'big.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { prepareBatchLine } from '../src/batches/batch-line.ts';
import { parseGatewayConfig } from '../src/config/gateway-config.ts';
import { catalogueModelsOf } from '../src/routing/find-model.ts';
import { OpenAIWireServer, echoCompletion } from './support/openai-wire-server.ts';
import { postJson, startTestGateway, type TestGateway } from './support/test-gateway.ts';

interface ModelObject {
  id: string;
  object: string;
  owned_by: string;
  context_window: number | null;
  max_output_tokens: number | null;
  capabilities: { tools: boolean; vision: boolean; json_mode: boolean } | null;
  pricing: {
    input_per_million: string;
    cached_input_per_million: string;
    cache_write_input_per_million: string;
    cache_write_1h_input_per_million: string;
    output_per_million: string;
    tiers: unknown[];
    source: string;
  } | null;
  deprecated: boolean;
  sunset_date: string | null;
}

/** The model catalogue end to end: listing, capability checks before any upstream call, cached-input cost. */
describe('model catalogue through the gateway', () => {
  const upstream = new OpenAIWireServer();
  let harness: TestGateway;
  let key: string;
  let rawConfig: Record<string, unknown>;

  beforeAll(async () => {
    const baseUrl = await upstream.start();
    rawConfig = {
      providers: {
        openai: { type: 'openai', baseUrl, apiKey: 'sk-test', maxAttempts: 1 },
        search: { type: 'perplexity', baseUrl, apiKey: 'pplx-test', maxAttempts: 1 },
        wafer: { type: 'cerebras', baseUrl, apiKey: 'csk-test', maxAttempts: 1 },
      },
      models: {
        fast: { routes: [{ provider: 'openai', model: 'gpt-4o-mini' }] },
        house: { routes: [{ provider: 'openai', model: 'gpt-4.1', pricing: { inputPerMillion: '1', outputPerMillion: '2' } }] },
        custom: { routes: [{ provider: 'openai', model: 'my-fine-tune' }] },
        // Deprecated in the pinned catalogue package.
        retiring: { routes: [{ provider: 'wafer', model: 'llama-3.3-70b' }] },
      },
    };
    harness = await startTestGateway({ config: rawConfig });
    key = (await harness.createKey('catalogue-project')).key;
  });

  afterAll(async () => {
    await harness?.close();
    await upstream.stop();
  });

  beforeEach(() => {
    upstream.requests.length = 0;
  });

  const get = async (path: string) => {
    const response = await fetch(`${harness.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('lists configured models and every catalogue model of the configured providers, with pricing and limits', async () => {
    const { status, body } = await get('/v1/models');
    expect(status).toBe(200);
    expect(body['object']).toBe('list');
    const data = body['data'] as ModelObject[];
    const byId = new Map(data.map((model) => [model.id, model]));
    expect(data.slice(0, 4).map((model) => model.id)).toEqual(['fast', 'house', 'custom', 'retiring']);

    expect(byId.get('fast')).toEqual({
      id: 'fast',
      object: 'model',
      created: expect.any(Number),
      owned_by: 'openai',
      context_window: 128_000,
      max_output_tokens: 16_384,
      capabilities: { tools: true, vision: true, json_mode: true },
      pricing: {
        input_per_million: '0.15',
        cached_input_per_million: '0.075',
        cache_write_input_per_million: '0.15',
        cache_write_1h_input_per_million: '0.15',
        output_per_million: '0.6',
        tiers: [],
        source: 'catalogue-package',
      },
      deprecated: false,
      sunset_date: null,
      release_date: '2024-07-18',
    });
    // A config price wins over the catalogue's; limits still come from the catalogue.
    expect(byId.get('house')).toMatchObject({
      context_window: 1_000_000,
      pricing: { input_per_million: '1', cached_input_per_million: '1', cache_write_input_per_million: '1', output_per_million: '2', tiers: [], source: 'config' },
    });
    // Neither priced nor known: listed, with nulls rather than invented numbers.
    expect(byId.get('custom')).toMatchObject({ context_window: null, max_output_tokens: null, capabilities: null, pricing: null });

    expect(byId.get('openai/o3-mini')).toMatchObject({ owned_by: 'openai', context_window: 200_000, capabilities: { vision: false }, pricing: { input_per_million: '1.1' } });
    expect(byId.get('search/sonar')).toMatchObject({ owned_by: 'search', capabilities: { tools: false } });
    // Each upstream model once: gpt-4o-mini is listed as `fast`.
    expect(byId.has('openai/gpt-4o-mini')).toBe(false);
    expect(data.filter((model) => model.id.startsWith('openai/'))).toHaveLength(catalogueModelsOf({ providerType: 'openai' }).length - 2);
  });

  it('retrieves a provider/model with the slash encoded (as the SDK sends it) or not', async () => {
    const encoded = await get(`/v1/models/${encodeURIComponent('openai/gpt-4o-2024-08-06')}`);
    expect(encoded.status).toBe(200);
    expect(encoded.body).toMatchObject({ id: 'openai/gpt-4o-2024-08-06', owned_by: 'openai', context_window: 128_000, pricing: { input_per_million: '2.5' } });
    const raw = await get('/v1/models/openai/gpt-4o-2024-08-06');
    expect(raw.body).toEqual(encoded.body);
    expect((await get('/v1/models/fast')).body).toMatchObject({ id: 'fast', owned_by: 'openai' });
    expect((await get('/v1/models/nobody%2Fgpt-4o')).status).toBe(404);
  });

  const withImage = {
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this picture?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        ],
      },
    ],
  };

  it('refuses an image for a text-only model with 400 before any upstream call', async () => {
    const response = await postJson(`${harness.url}/v1/chat/completions`, { model: 'openai/o3-mini', ...withImage }, key);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: { message: expect.stringContaining('does not accept images'), type: 'invalid_request_error', param: 'messages[0].content', code: 'unsupported_capability' },
    });
    expect(upstream.requests).toHaveLength(0);
  });

  it('refuses tools for a model without tool calling', async () => {
    const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }];
    const response = await postJson(`${harness.url}/v1/chat/completions`, { model: 'search/sonar', messages: [{ role: 'user', content: 'hi' }], tools }, key);
    expect(response.status).toBe(400);
    expect(response.body['error']).toMatchObject({ code: 'unsupported_capability', param: 'tools' });
    expect(upstream.requests).toHaveLength(0);
  });

  it('refuses the same on the async endpoint, before the job is accepted', async () => {
    const response = await postJson(`${harness.url}/v1/async/chat/completions`, { model: 'openai/o3-mini', ...withImage }, key);
    expect(response.status).toBe(400);
    expect(response.body['error']).toMatchObject({ code: 'unsupported_capability', param: 'messages[0].content' });
    expect(upstream.requests).toHaveLength(0);
  });

  it('fails such a batch line alone, for the error file', () => {
    const config = parseGatewayConfig(rawConfig, {});
    const line = (body: unknown) => JSON.stringify({ custom_id: 'x', method: 'POST', url: '/v1/chat/completions', body });
    expect(prepareBatchLine(line({ model: 'openai/o3-mini', ...withImage }), config)).toEqual({
      ok: false,
      model: 'openai/o3-mini',
      code: 'unsupported_capability',
      message: expect.stringMatching(/^body\.messages\[0\]\.content: .*does not accept images/),
      statusCode: 400,
    });
    expect(prepareBatchLine(line({ model: 'fast', ...withImage }), config)).toMatchObject({ ok: true });
    // The catalogue does not know it: the provider decides.
    expect(prepareBatchLine(line({ model: 'custom', ...withImage }), config)).toMatchObject({ ok: true });
  });

  it('lets a model with vision take the image', async () => {
    const response = await postJson(`${harness.url}/v1/chat/completions`, { model: 'fast', ...withImage }, key);
    expect(response.status).toBe(200);
    expect(upstream.requests).toHaveLength(1);
  });

  it('bills cached prompt tokens at the cached rate, exactly, in the answer and in Postgres', async () => {
    upstream.enqueue((request) => {
      const answer = echoCompletion(request);
      const body = answer.body as Record<string, unknown>;
      return {
        ...answer,
        body: { ...body, usage: { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100, prompt_tokens_details: { cached_tokens: 800 } } },
      };
    });
    // Catalogue gpt-4o: input 2.50, cached 1.25, output 10.00 → 200 × 2.50 + 800 × 1.25 + 100 × 10.00 = 2500 per million.
    const response = await postJson(`${harness.url}/v1/chat/completions`, { model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'cached?' }] }, key);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-cost')).toBe('0.0025000000');
    expect(response.body['usage']).toMatchObject({ prompt_tokens: 1000, completion_tokens: 100, cost: 0.0025 });
    const { rows } = await harness.sql.query('SELECT cost::text AS cost, prompt_tokens, cached_prompt_tokens, estimated FROM usage WHERE request_id = $1', [response.headers.get('x-request-id')]);
    expect(rows).toEqual([{ cost: '0.0025000000', prompt_tokens: 1000, cached_prompt_tokens: 800, estimated: false }]);
  });

  it('records a call to a model nothing prices with an unknown cost: no cost header, NULL in Postgres, counted apart in usage', async () => {
    upstream.enqueue((request) => {
      const answer = echoCompletion(request);
      return { ...answer, body: { ...(answer.body as Record<string, unknown>), usage: { prompt_tokens: 40, completion_tokens: 2, total_tokens: 42 } } };
    });
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const response = await postJson(`${harness.url}/v1/chat/completions`, { model: 'custom', messages: [{ role: 'user', content: 'priced?' }] }, key);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-cost')).toBeNull();
    expect((response.body['usage'] as Record<string, unknown>)['cost']).toBeUndefined();
    const requestId = response.headers.get('x-request-id')!;
    const { rows } = await harness.sql.query('SELECT cost, prompt_tokens FROM usage WHERE request_id = $1', [requestId]);
    expect(rows).toEqual([{ cost: null, prompt_tokens: 40 }]);

    const lookup = await get(`/v1/requests/${requestId}`);
    expect(lookup.body['usage']).toMatchObject({ input_tokens: 40, cost: null });
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const usage = await get(`/v1/usage?from=${from}&to=${to}&group_by=model`);
    expect(usage.status).toBe(200);
    const rowsByModel = new Map((usage.body['data'] as Array<Record<string, unknown>>).map((row) => [row['model'], row]));
    expect(rowsByModel.get('custom')).toMatchObject({ requests: 1, cost_unknown_requests: 1, cost: '0' });
    // The total sums the known costs exactly and counts the unknown one apart.
    const groups = usage.body['data'] as Array<{ cost: string }>;
    const known = groups.reduce((sum, row) => sum.plus(row.cost), new Big(0));
    expect(usage.body['total']).toMatchObject({ cost_unknown_requests: 1, cost: known.toFixed() });
  });

  it('says a deprecated model is deprecated, in the answer and in the listing', async () => {
    const response = await postJson(`${harness.url}/v1/chat/completions`, { model: 'retiring', messages: [{ role: 'user', content: 'still there?' }] }, key);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-model-deprecated')).toBe('wafer/llama-3.3-70b');
    expect((await postJson(`${harness.url}/v1/chat/completions`, { model: 'fast', messages: [{ role: 'user', content: 'hi' }] }, key)).headers.get('x-gateway-model-deprecated')).toBeNull();
    expect((await get('/v1/models/retiring')).body).toMatchObject({ deprecated: true, sunset_date: null });
    // A stream's headers go before its first byte: they name its first route.
    const streamed = await fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'retiring', messages: [{ role: 'user', content: 'streaming?' }], stream: true }),
    });
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('x-gateway-model-deprecated')).toBe('wafer/llama-3.3-70b');
    await streamed.text();
  });

  it('lists the whole catalogue with ?catalogue=true: hundreds of models over twenty providers, with tiers', async () => {
    const { status, body } = await get('/v1/models?catalogue=true');
    expect(status).toBe(200);
    const data = body['data'] as ModelObject[];
    expect(data.length).toBeGreaterThanOrEqual(300);
    expect(new Set(data.map((model) => model.owned_by)).size).toBeGreaterThanOrEqual(20);
    const byId = new Map(data.map((model) => [model.id, model]));
    expect(byId.get('bedrock/amazon.nova-pro-v1:0')).toMatchObject({ owned_by: 'bedrock', pricing: { input_per_million: '0.8', output_per_million: '3.2' } });
    expect(byId.get('google/gemini-2.5-pro')?.pricing).toMatchObject({
      input_per_million: '1.25',
      tiers: [{ above_input_tokens: 200_000, input_per_million: '2.5', output_per_million: '15', cached_input_per_million: '0.25', cache_write_input_per_million: null }],
      source: 'catalogue-package',
    });
    expect(byId.get('mock/echo')?.pricing).toMatchObject({ input_per_million: '0', source: 'overlay' });
  });
});
