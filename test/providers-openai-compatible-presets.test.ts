import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openAICompatiblePresets, type OpenAICompatiblePresetName } from '../src/providers/openai-compatible/presets.ts';
import { OpenAIWireServer } from './support/openai-wire-server.ts';
import { startTestGateway, type TestGateway } from './support/test-gateway.ts';

interface PresetCase {
  preset: OpenAICompatiblePresetName;
  upstreamModel: string;
  /** Request fields the client sends besides the message. */
  sent: Record<string, unknown>;
  /** What of them reaches the vendor. */
  received: Record<string, unknown>;
  warnings: string[] | null;
}

const cases: PresetCase[] = [
  {
    preset: 'sambanova',
    upstreamModel: 'Meta-Llama-3.3-70B-Instruct',
    sent: { temperature: 1.5, logit_bias: { '42': 3 } },
    received: { temperature: 1 },
    warnings: ['sambanova does not support "logit_bias"; it was not sent', 'sambanova takes "temperature" from 0 to 1; 1.5 was sent as 1'],
  },
  { preset: 'nebius', upstreamModel: 'meta-llama/Llama-3.3-70B-Instruct', sent: { temperature: 1.5, seed: 3 }, received: { temperature: 1.5, seed: 3 }, warnings: null },
  { preset: 'novita', upstreamModel: 'deepseek/deepseek-v3-0324', sent: { top_p: 0.9 }, received: { top_p: 0.9 }, warnings: null },
  {
    preset: 'moonshot',
    upstreamModel: 'kimi-k2-0905-preview',
    sent: { temperature: 1.2 },
    received: { temperature: 1 },
    warnings: ['moonshot takes "temperature" from 0 to 1; 1.2 was sent as 1'],
  },
  {
    preset: 'dashscope',
    upstreamModel: 'qwen-plus',
    sent: { logit_bias: { '7': 1 }, seed: 5 },
    received: { seed: 5 },
    warnings: ['dashscope does not support "logit_bias"; it was not sent'],
  },
  { preset: 'hyperbolic', upstreamModel: 'Qwen/Qwen3-Coder-480B-A35B-Instruct', sent: { max_tokens: 30 }, received: { max_tokens: 30 }, warnings: null },
];

/**
 * Every OpenAI-compatible preset added for Kimi, Qwen and the open-model hosts, end to end with the
 * official SDK: one local OpenAI-wire server stands in for each vendor at the path of the vendor's own
 * base URL, so the request must arrive at `<that path>/chat/completions` with the vendor's key.
 */
describe('OpenAI-compatible presets through the gateway, table-driven', () => {
  const upstream = new OpenAIWireServer();
  let harness: TestGateway;
  let client: OpenAI;
  const pathOf = (preset: OpenAICompatiblePresetName) => new URL(openAICompatiblePresets[preset].baseUrl).pathname.replace(/\/+$/, '');

  beforeAll(async () => {
    const origin = new URL(await upstream.start()).origin;
    harness = await startTestGateway({
      config: {
        providers: Object.fromEntries(cases.map(({ preset }) => [preset, { type: preset, baseUrl: `${origin}${pathOf(preset)}`, apiKey: `${preset}-secret` }])),
        models: Object.fromEntries(cases.map(({ preset, upstreamModel }) => [`${preset}-model`, { routes: [{ provider: preset, model: upstreamModel }] }])),
      },
    });
    const { key } = await harness.createKey('presets-table');
    client = new OpenAI({ apiKey: key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await harness?.close();
    await upstream.stop();
  });

  beforeEach(() => {
    upstream.requests.length = 0;
  });

  const warningsOf = async (requestId: string | null) => (await harness.sql.query<{ warnings: unknown }>('SELECT warnings FROM requests WHERE id = $1', [requestId])).rows[0]?.warnings;

  it.each(cases)('$preset: the base URL’s path, Bearer key, and its quirks applied with a warning each', async ({ preset, upstreamModel, sent, received, warnings }) => {
    const request = { model: `${preset}-model`, messages: [{ role: 'user' as const, content: `Hi ${preset}` }], ...sent } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
    const { data, response } = await client.chat.completions.create(request).withResponse();

    expect(upstream.requests).toHaveLength(1);
    const recorded = upstream.requests[0]!;
    expect(recorded.path).toBe(`${pathOf(preset)}/chat/completions`);
    expect(recorded.headers.authorization).toBe(`Bearer ${preset}-secret`);
    expect(recorded.body).toEqual({ model: upstreamModel, messages: [{ role: 'user', content: `Hi ${preset}` }], ...received });
    expect(data.choices[0]?.message.content).toBe(`echo: Hi ${preset}`);
    expect(await warningsOf(response.headers.get('x-request-id'))).toEqual(warnings);
  });

  it.each(cases)('$preset: streams, usage asked for', async ({ preset }) => {
    const stream = await client.chat.completions.create({ model: `${preset}-model`, messages: [{ role: 'user', content: 'stream me' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('echo: stream me');
    expect(upstream.requests[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });
});
