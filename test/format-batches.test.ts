import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnthropicWireServer } from './support/anthropic-wire-server.ts';
import { GeminiWireServer } from './support/gemini-wire-server.ts';
import { echoCompletion, OpenAIWireServer } from './support/openai-wire-server.ts';
import { startTestGateway, type TestGateway } from './support/test-gateway.ts';

/**
 * Batches written in the translated formats: Anthropic's Message Batches API through the official
 * `@anthropic-ai/sdk`, and OpenAI batch lines calling `/v1/responses` through the `openai` SDK, each
 * over Anthropic-, OpenAI- and Gemini-wire providers.
 */
describe('batches in the Messages and Responses formats', () => {
  const anthropicUpstream = new AnthropicWireServer();
  const openaiUpstream = new OpenAIWireServer();
  const geminiUpstream = new GeminiWireServer('AIza-test-key');
  /** Answers after a while, one call at a time: a batch on it is still running when cancelled. */
  const slowUpstream = new OpenAIWireServer((request) => ({ ...echoCompletion(request), delayMs: 100 }));
  let harness: TestGateway;
  let anthropic: Anthropic;
  let openai: OpenAI;
  let other: Anthropic;

  beforeAll(async () => {
    const [anthropicUrl, openaiUrl, geminiUrl, slowUrl] = await Promise.all([anthropicUpstream.start(), openaiUpstream.start(), geminiUpstream.start(), slowUpstream.start()]);
    harness = await startTestGateway({
      config: {
        providers: {
          anthropic: { type: 'anthropic', baseUrl: anthropicUrl, apiKey: 'sk-ant-upstream' },
          openai: { type: 'openai', baseUrl: openaiUrl, apiKey: 'sk-upstream' },
          google: { type: 'google', baseUrl: geminiUrl, apiKey: 'AIza-test-key' },
          slow: { type: 'openai', baseUrl: slowUrl, apiKey: 'sk-slow', concurrency: 1 },
        },
        models: {
          claude: { routes: [{ provider: 'anthropic', model: 'claude-haiku-5-5' }] },
          gpt: { routes: [{ provider: 'openai', model: 'gpt-6.2-sol' }] },
          gemini: { routes: [{ provider: 'google', model: 'gemini-3.8-flash' }] },
          slow: { routes: [{ provider: 'slow', model: 'gpt-slow' }] },
        },
      },
    });
    const key = (await harness.createKey('format-batches')).key;
    anthropic = new Anthropic({ apiKey: key, baseURL: harness.url, maxRetries: 0 });
    openai = new OpenAI({ apiKey: key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    other = new Anthropic({ apiKey: (await harness.createKey('format-batches-other')).key, baseURL: harness.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await harness?.close();
    await Promise.all([anthropicUpstream.stop(), openaiUpstream.stop(), geminiUpstream.stop(), slowUpstream.stop()]);
  });

  async function ended(id: string) {
    await expect.poll(async () => (await anthropic.messages.batches.retrieve(id)).processing_status, { timeout: 15_000, interval: 50 }).toBe('ended');
    return anthropic.messages.batches.retrieve(id);
  }

  it('runs a Message Batch over every provider: create, retrieve, list, results as Messages, delete', async () => {
    const created = await anthropic.messages.batches.create({
      requests: ['claude', 'gpt', 'gemini'].map((model) => ({
        custom_id: `ask-${model}`,
        params: { model, max_tokens: 64, system: 'Be brief.', messages: [{ role: 'user' as const, content: `batched hello from ${model}` }] },
      })),
    });
    expect(created.type).toBe('message_batch');
    expect(created.processing_status).toBe('in_progress');
    expect(created.results_url).toBeNull();
    expect(created.request_counts.processing + created.request_counts.succeeded).toBe(3);

    const batch = await ended(created.id);
    expect(batch.request_counts).toEqual({ processing: 0, succeeded: 3, errored: 0, canceled: 0, expired: 0 });
    expect(batch.ended_at).not.toBeNull();
    expect(batch.results_url).toMatch(new RegExp(`/v1/messages/batches/${created.id}/results$`));

    const results = [];
    for await (const line of await anthropic.messages.batches.results(created.id)) results.push(line);
    expect(results.map((line) => line.custom_id)).toEqual(['ask-claude', 'ask-gpt', 'ask-gemini']);
    for (const line of results) {
      if (line.result.type !== 'succeeded') throw new Error(`${line.custom_id}: ${line.result.type}`);
      const model = line.custom_id.slice('ask-'.length);
      expect(line.result.message.type).toBe('message');
      expect(line.result.message.model).toBe(model);
      expect(line.result.message.stop_reason).toBe('end_turn');
      const text = line.result.message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
      expect(text).toContain(`batched hello from ${model}`);
      expect(line.result.message.usage.output_tokens).toBeGreaterThan(0);
    }
    // The system prompt reached the OpenAI-wire provider as its system message.
    const sent = openaiUpstream.requests.find((request) => JSON.stringify(request.body).includes('batched hello from gpt'))?.body as { messages: Array<{ role: string }> };
    expect(sent.messages.map((message) => message.role)).toEqual(['system', 'user']);

    const listed = [];
    for await (const item of anthropic.messages.batches.list({ limit: 1 })) listed.push(item.id);
    expect(listed).toContain(created.id);
    // Another project sees none of it.
    await expect(other.messages.batches.retrieve(created.id)).rejects.toBeInstanceOf(Anthropic.NotFoundError);

    const deleted = await anthropic.messages.batches.delete(created.id);
    expect(deleted).toEqual({ id: created.id, type: 'message_batch_deleted' });
    await expect(anthropic.messages.batches.retrieve(created.id)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    // Its requests and their usage stay on record.
    const { rows } = await harness.sql.query<{ count: number }>('SELECT count(*)::int AS count FROM requests WHERE batch_id = $1', [created.id]);
    expect(rows[0]?.count).toBe(3);
  });

  it('pages the list both ways and keeps OpenAI batches out of it', async () => {
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const batch = await anthropic.messages.batches.create({ requests: [{ custom_id: `page-${n}`, params: { model: 'gpt', max_tokens: 8, messages: [{ role: 'user', content: `page ${n}` }] } }] });
      ids.push(batch.id);
    }
    const newestFirst = [...ids].reverse();
    const first = await anthropic.messages.batches.list({ limit: 2 });
    expect(first.data.map((batch) => batch.id)).toEqual(newestFirst.slice(0, 2));
    expect(first.has_more).toBe(true);
    const next = await anthropic.messages.batches.list({ limit: 2, after_id: first.last_id! });
    expect(next.data[0]?.id).toBe(newestFirst[2]);
    const back = await anthropic.messages.batches.list({ limit: 1, before_id: newestFirst[2]! });
    expect(back.data.map((batch) => batch.id)).toEqual([newestFirst[1]]);
    expect(back.has_more).toBe(true);
    const openaiBatch = await openai.batches.create({
      input_file_id: (await openai.files.create({ file: await toFile(Buffer.from(chatLine('only-openai')), 'x.jsonl'), purpose: 'batch' })).id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    const all = await anthropic.messages.batches.list({ limit: 100 });
    expect(all.data.map((batch) => batch.id)).not.toContain(openaiBatch.id);
    await expect(anthropic.messages.batches.retrieve(openaiBatch.id)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    for (const id of ids) await ended(id);
  });

  it('refuses bad requests in Anthropic’s error shape, naming the request at fault', async () => {
    const noMaxTokens = anthropic.messages.batches.create({ requests: [{ custom_id: 'a', params: { model: 'gpt', messages: [{ role: 'user', content: 'x' }] } as never }] });
    await expect(noMaxTokens).rejects.toMatchObject({ status: 400, error: { type: 'error', error: { type: 'invalid_request_error' } } });
    await expect(noMaxTokens).rejects.toThrow(/requests\[0\].*max_tokens/s);
    const badId = anthropic.messages.batches.create({ requests: [{ custom_id: 'not ok!', params: { model: 'gpt', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] } }] });
    await expect(badId).rejects.toThrow(/custom_id/);
    const unknownModel = anthropic.messages.batches.create({ requests: [{ custom_id: 'm', params: { model: 'no-such-model', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] } }] });
    await expect(unknownModel).rejects.toMatchObject({ status: 400 });
    await expect(unknownModel).rejects.toThrow(/no-such-model/);
    const duplicate = anthropic.messages.batches.create({
      requests: [
        { custom_id: 'same', params: { model: 'gpt', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] } },
        { custom_id: 'same', params: { model: 'gpt', max_tokens: 5, messages: [{ role: 'user', content: 'y' }] } },
      ],
    });
    await expect(duplicate).rejects.toThrow(/same/);
  });

  it('cancels a batch: requests not started are canceled, and results are refused until it has ended', async () => {
    {
      const created = await anthropic.messages.batches.create({
        requests: Array.from({ length: 40 }, (_, n) => ({ custom_id: `c${n}`, params: { model: 'slow', max_tokens: 8, messages: [{ role: 'user' as const, content: `slow ${n}` }] } })),
      });
      await expect(anthropic.messages.batches.results(created.id)).rejects.toThrow(/results_url|processing/);
      const response = await fetch(`${harness.url}/v1/messages/batches/${created.id}/results`, { headers: { 'x-api-key': anthropic.apiKey! } });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
      const deleting = anthropic.messages.batches.delete(created.id);
      await expect(deleting).rejects.toMatchObject({ status: 400 });
      const cancelling = await anthropic.messages.batches.cancel(created.id);
      expect(['canceling', 'ended']).toContain(cancelling.processing_status);
      expect(cancelling.cancel_initiated_at).not.toBeNull();
      const batch = await ended(created.id);
      expect(batch.request_counts.canceled).toBeGreaterThan(0);
      expect(batch.request_counts.succeeded + batch.request_counts.canceled + batch.request_counts.errored).toBe(40);
      const types = new Set<string>();
      for await (const line of await anthropic.messages.batches.results(created.id)) types.add(line.result.type);
      expect(types.has('canceled')).toBe(true);
    }
  });

  it('runs OpenAI batch lines calling /v1/responses: each output body is a Response', async () => {
    const lines = ['claude', 'gpt', 'gemini'].map((model) =>
      JSON.stringify({ custom_id: `r-${model}`, method: 'POST', url: '/v1/responses', body: { model, instructions: 'Be brief.', input: `responses batch ${model}`, metadata: { tag: model } } }),
    );
    const file = await openai.files.create({ file: await toFile(Buffer.from(`${lines.join('\n')}\n`), 'responses.jsonl'), purpose: 'batch' });
    const batch = await openai.batches.create({ input_file_id: file.id, endpoint: '/v1/responses', completion_window: '24h' });
    await expect.poll(async () => (await openai.batches.retrieve(batch.id)).status, { timeout: 15_000, interval: 50 }).toBe('completed');
    const done = await openai.batches.retrieve(batch.id);
    expect(done.request_counts).toMatchObject({ total: 3, completed: 3, failed: 0 });
    const output = (await (await openai.files.content(done.output_file_id!)).text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as OutputLine);
    expect(output.map((line) => line.custom_id)).toEqual(['r-claude', 'r-gpt', 'r-gemini']);
    for (const line of output) {
      const model = line.custom_id.slice(2);
      const body = line.response.body;
      expect(body.object).toBe('response');
      expect(body.id).toMatch(/^resp_/);
      expect(body.status).toBe('completed');
      expect(body.model).toBe(model);
      expect(body.instructions).toBe('Be brief.');
      expect(body.metadata).toEqual({ tag: model });
      const text = body.output.flatMap((item) => (item.type === 'message' ? item.content.map((part) => part.text ?? '') : [])).join('');
      expect(text).toContain(`responses batch ${model}`);
      expect(body.usage.output_tokens).toBeGreaterThan(0);
    }
    // The same Response whenever it is read: the JSON results pages agree with the file.
    const pages = (await (await fetch(`${harness.url}/v1/batches/${batch.id}/results`, { headers: { authorization: `Bearer ${openai.apiKey}` } })).json()) as { data: OutputLine[] };
    expect(pages.data.map((line) => line.response.body.id)).toEqual(output.map((line) => line.response.body.id));
  });

  it('refuses a /v1/responses line that cannot stand alone, naming it', async () => {
    const line = JSON.stringify({ custom_id: 'continues', method: 'POST', url: '/v1/responses', body: { model: 'gpt', previous_response_id: 'resp_x', input: 'and then?' } });
    const file = await openai.files.create({ file: await toFile(Buffer.from(`${line}\n`), 'bad.jsonl'), purpose: 'batch' });
    const refused = openai.batches.create({ input_file_id: file.id, endpoint: '/v1/responses', completion_window: '24h' });
    await expect(refused).rejects.toMatchObject({ status: 400, code: 'invalid_batch_lines' });
    await expect(refused).rejects.toThrow(/previous_response_id/);
  });
});

interface OutputLine {
  custom_id: string;
  response: {
    body: {
      id: string;
      object: string;
      status: string;
      model: string;
      instructions: string | null;
      metadata: unknown;
      usage: { output_tokens: number };
      output: Array<{ type: string; content: Array<{ text?: string }> }>;
    };
  };
}

function chatLine(customId: string): string {
  return `${JSON.stringify({ custom_id: customId, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt', messages: [{ role: 'user', content: 'hi' }] } })}\n`;
}
