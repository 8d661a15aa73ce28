import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestGateway, type TestGateway } from './support/test-gateway.ts';

/** Bad input: every case a clear OpenAI-shaped error with the right status, never a 500. */
describe('bad input on the OpenAI API', () => {
  let harness: TestGateway;
  let key: string;

  beforeAll(async () => {
    harness = await startTestGateway({
      config: {
        server: { bodyLimitBytes: 4096 },
        providers: { mock: { type: 'mock' } },
        models: { 'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] } },
      },
    });
    key = (await harness.createKey()).key;
  });
  afterAll(async () => harness?.close());

  const chatUrl = () => `${harness.url}/v1/chat/completions`;

  function expectErrorShape(body: Record<string, any>) {
    expect(Object.keys(body)).toEqual(['error']);
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(typeof body.error.message).toBe('string');
    expect(body.error.message.length).toBeGreaterThan(0);
  }

  it('401 without a key, with a wrong key, and with a malformed header', async () => {
    const body = { model: 'mock-echo', messages: [{ role: 'user', content: 'hi' }] };
    const missing = await postJson(chatUrl(), body);
    expect(missing.status).toBe(401);
    expectErrorShape(missing.body);
    expect(missing.body.error.code).toBe('missing_api_key');

    const wrong = await postJson(chatUrl(), body, 'gw-not-a-real-key-0000000000');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key' });
    expect(wrong.body.error.message).not.toContain('gw-not-a-real-key-0000000000');

    const basic = await postJson(chatUrl(), body, undefined, { authorization: 'Basic Zm9vOmJhcg==' });
    expect(basic.status).toBe(401);
  });

  it('400 invalid_json for malformed JSON', async () => {
    const response = await postJson(chatUrl(), '{"model": "mock-echo", "messages": [', key);
    expect(response.status).toBe(400);
    expectErrorShape(response.body);
    expect(response.body.error.code).toBe('invalid_json');
  });

  it('400 for an empty body', async () => {
    const response = await postJson(chatUrl(), '', key);
    expect(response.status).toBe(400);
    expectErrorShape(response.body);
  });

  it('400 naming the parameter for a missing messages field', async () => {
    const response = await postJson(chatUrl(), { model: 'mock-echo' }, key);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request_body', param: 'messages' });
  });

  it.each([
    [{ model: 'mock-echo', messages: 'hello' }, 'messages'],
    [{ model: 'mock-echo', messages: [] }, 'messages'],
    [{ model: 42, messages: [{ role: 'user', content: 'x' }] }, 'model'],
    [{ model: 'mock-echo', messages: [{ role: 'user', content: 7 }] }, 'messages[0].content'],
    [{ model: 'mock-echo', messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role'],
    [{ model: 'mock-echo', messages: [{ role: 'user', content: 'x' }], temperature: 'hot' }, 'temperature'],
    [{ model: 'mock-echo', messages: [{ role: 'user', content: 'x' }], temperature: 3 }, 'temperature'],
    [{ model: 'mock-echo', messages: [{ role: 'user', content: 'x' }], n: 0 }, 'n'],
  ])('400 with param for %j', async (body, param) => {
    const response = await postJson(chatUrl(), body, key);
    expect(response.status).toBe(400);
    expectErrorShape(response.body);
    expect(response.body.error.param).toBe(param);
  });

  it('400 for a JSON body that is not an object', async () => {
    for (const body of ['[]', '"text"', 'null', '12']) {
      const response = await postJson(chatUrl(), body, key);
      expect(response.status, body).toBe(400);
      expectErrorShape(response.body);
    }
  });

  it('404 model_not_found for an unknown model or provider prefix', async () => {
    for (const model of ['no-such-model', 'nope/gpt-4o', 'mock/', 'constructor']) {
      const response = await postJson(chatUrl(), { model, messages: [{ role: 'user', content: 'x' }] }, key);
      expect(response.status, model).toBe(404);
      expect(response.body.error).toMatchObject({ type: 'invalid_request_error', code: 'model_not_found', param: 'model' });
    }
  });

  it('413 for a body over the configured limit', async () => {
    const response = await postJson(chatUrl(), { model: 'mock-echo', messages: [{ role: 'user', content: 'x'.repeat(10_000) }] }, key);
    expect(response.status).toBe(413);
    expectErrorShape(response.body);
    expect(response.body.error.code).toBe('request_too_large');
  });

  it('415 for a non-JSON content type', async () => {
    const response = await postJson(chatUrl(), 'model=mock-echo', key, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(response.status).toBe(415);
    expect(response.body.error.code).toBe('unsupported_media_type');
  });

  it('400 stream_not_supported for stream: true with n > 1', async () => {
    const response = await postJson(chatUrl(), { model: 'mock-echo', stream: true, n: 3, messages: [{ role: 'user', content: 'x' }] }, key);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'stream_not_supported', param: 'n' });
  });

  it('400 for a stream: true on the async endpoint', async () => {
    const response = await postJson(`${harness.url}/v1/async/chat/completions`, { model: 'mock-echo', stream: true, messages: [{ role: 'user', content: 'x' }] }, key);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'stream_not_supported', param: 'stream' });
  });

  it('404 in OpenAI shape for an unknown route', async () => {
    const response = await postJson(`${harness.url}/v1/nothing-here`, {}, key);
    expect(response.status).toBe(404);
    expectErrorShape(response.body);
    expect(response.body.error.code).toBe('not_found');
  });

  it('the mock provider’s simulated upstream 400 passes through as a 400, a 503 becomes a 502', async () => {
    const bad = await postJson(chatUrl(), { model: 'mock-echo', messages: [{ role: 'user', content: 'mock:error:400' }] }, key);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('mock_error');
  });

  it('keeps serving after all of the above', async () => {
    const response = await postJson(chatUrl(), { model: 'mock-echo', messages: [{ role: 'user', content: 'still alive' }] }, key);
    expect(response.status).toBe(200);
    expect(response.body.choices[0].message.content).toBe('still alive');
  });
});
