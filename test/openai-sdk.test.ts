import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/test-gateway.ts';

/** The official `openai` npm SDK as the client: the drop-in promise. */
describe('official openai SDK against the gateway', () => {
  let harness: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    harness = await startTestGateway();
    const { key } = await harness.createKey('sdk');
    client = new OpenAI({ apiKey: key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => harness?.close());

  it('creates a chat completion and exposes the request id', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: 'mock-echo',
        messages: [
          { role: 'system', content: 'You repeat things.' },
          { role: 'user', content: 'Hello from the SDK' },
        ],
      })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]?.message.content).toBe('Hello from the SDK');
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.usage?.total_tokens).toBe((data.usage?.prompt_tokens ?? 0) + (data.usage?.completion_tokens ?? 0));
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('classifies deterministically with the mock classifier', async () => {
    const ask = () =>
      client.chat.completions.create({
        model: 'mock-classifier',
        messages: [
          { role: 'system', content: 'labels: spam, ham' },
          { role: 'user', content: 'WIN A FREE CRUISE' },
        ],
      });
    const [first, second] = await Promise.all([ask(), ask()]);
    expect(['spam', 'ham']).toContain(first.choices[0]?.message.content);
    expect(second.choices[0]?.message.content).toBe(first.choices[0]?.message.content);
  });

  it('lists and retrieves routable models', async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models.sort()).toEqual(['mock-classifier', 'mock-echo', 'mock/embed']);
    const model = await client.models.retrieve('mock-echo');
    expect(model).toMatchObject({ id: 'mock-echo', object: 'model', owned_by: 'mock' });
  });

  it('surfaces gateway errors as the SDK’s typed errors', async () => {
    await expect(client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
      status: 404,
      code: 'model_not_found',
      param: 'model',
    });
    const stranger = new OpenAI({ apiKey: 'gw-wrong', baseURL: `${harness.url}/v1`, maxRetries: 0 });
    await expect(stranger.chat.completions.create({ model: 'mock-echo', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(client.chat.completions.create({ model: 'mock-echo', messages: [{ role: 'user', content: 'mock:error:503' }] })).rejects.toBeInstanceOf(OpenAI.InternalServerError);
  });
});
