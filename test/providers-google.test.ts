import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GeminiWireServer, generateContentResponse, geminiError } from './support/gemini-wire-server.ts';
import { startTestGateway, type TestGateway } from './support/test-gateway.ts';

/** The official `openai` SDK → gateway (type: google) → a local server speaking Gemini's wire format. */
describe('Google Gemini provider end to end', () => {
  const upstream = new GeminiWireServer('AIza-test-key');
  let harness: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    const baseUrl = await upstream.start();
    harness = await startTestGateway({
      config: {
        providers: {
          gemini: { type: 'google', baseUrl, apiKey: 'AIza-test-key', maxAttempts: 3, retryBaseDelayMs: 10 },
          'gemini-misconfigured': { type: 'google', baseUrl, apiKey: 'AIza-revoked', maxAttempts: 1 },
        },
        models: {
          'gemini-flash': {
            routes: [{ provider: 'gemini', model: 'gemini-2.5-flash' }],
            pricing: { inputPerMillion: '0.30', cachedInputPerMillion: '0.03', outputPerMillion: '2.50' },
          },
          'gemini-broken': { routes: [{ provider: 'gemini-misconfigured', model: 'gemini-2.5-flash' }] },
        },
      },
    });
    const { key } = await harness.createKey('gemini-e2e');
    client = new OpenAI({ apiKey: key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await harness?.close();
    await upstream.stop();
  });

  beforeEach(() => {
    upstream.requests.length = 0;
  });

  it('sends generateContent with the key header and answers a chat.completion, usage recorded', async () => {
    upstream.enqueue(
      generateContentResponse([{ text: 'Hi! How can I help?' }], {
        usage: { promptTokenCount: 1200, cachedContentTokenCount: 1024, candidatesTokenCount: 20, thoughtsTokenCount: 30, totalTokenCount: 1250 },
      }),
    );
    const { data, response } = await client.chat.completions
      .create({
        model: 'gemini-flash',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hello Gemini' },
        ],
        temperature: 0.3,
        max_completion_tokens: 50,
      })
      .withResponse();

    expect(upstream.requests).toHaveLength(1);
    const sent = upstream.requests[0]!;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(sent.headers['x-goog-api-key']).toBe('AIza-test-key');
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'Hello Gemini' }] }],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      generationConfig: { temperature: 0.3, maxOutputTokens: 50 },
    });

    expect(data).toMatchObject({
      id: 'fakeResponse0001',
      object: 'chat.completion',
      model: 'gemini-2.5-flash',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi! How can I help?', refusal: null }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1200, completion_tokens: 50, total_tokens: 1250, prompt_tokens_details: { cached_tokens: 1024 } },
    });
    const { rows } = await harness.sql.query('SELECT * FROM usage WHERE request_id = $1', [response.headers.get('x-request-id')]);
    expect(rows).toHaveLength(1);
    // 176 uncached input tokens at $0.30/M + 1,024 cached at $0.03/M + 50 output at $2.50/M
    expect(rows[0]).toMatchObject({
      provider: 'gemini',
      upstream_model: 'gemini-2.5-flash',
      prompt_tokens: 1200,
      completion_tokens: 50,
      total_tokens: 1250,
      cached_prompt_tokens: 1024,
      estimated: false,
      cost: '0.0002085200',
    });
  });

  it('round-trips a tool call: functionCall → tool_calls, tool result → functionResponse with its name', async () => {
    const tools: OpenAI.Chat.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_current_weather',
          description: 'Get the current weather in a given location',
          parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
        },
      },
    ];
    upstream.enqueue(
      generateContentResponse([{ functionCall: { name: 'get_current_weather', args: { location: 'Boston, MA' } }, thoughtSignature: 'c2ln' }], {
        responseId: 'fakeResponse0002',
      }),
    );
    const question: OpenAI.Chat.ChatCompletionMessageParam = { role: 'user', content: 'Weather in Boston?' };
    const first = await client.chat.completions.create({ model: 'gemini-flash', messages: [question], tools, tool_choice: 'required' });
    expect(upstream.requests[0]?.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'Weather in Boston?' }] }],
      tools: [
        {
          functionDeclarations: [
            {
              name: 'get_current_weather',
              description: 'Get the current weather in a given location',
              parametersJsonSchema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
            },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: 'ANY' } },
    });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual([
      {
        id: 'call_fakeResponse0002_0',
        type: 'function',
        function: { name: 'get_current_weather', arguments: '{"location":"Boston, MA"}' },
        extra_content: { google: { thought_signature: 'c2ln' } },
      },
    ]);

    upstream.enqueue(generateContentResponse([{ text: 'It is 22°C in Boston.' }]));
    const second = await client.chat.completions.create({
      model: 'gemini-flash',
      tools,
      messages: [question, choice.message, { role: 'tool', tool_call_id: 'call_fakeResponse0002_0', content: '{"temperature": 22}' }],
    });
    expect(second.choices[0]?.message.content).toBe('It is 22°C in Boston.');
    expect(upstream.requests[1]?.body).toMatchObject({
      contents: [
        { role: 'user', parts: [{ text: 'Weather in Boston?' }] },
        { role: 'model', parts: [{ functionCall: { name: 'get_current_weather', args: { location: 'Boston, MA' } }, thoughtSignature: 'c2ln' }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_current_weather', response: { temperature: 22 } } }] },
      ],
    });
  });

  it('retries a 429 RESOURCE_EXHAUSTED after its RetryInfo delay and bills once', async () => {
    upstream.enqueue(
      geminiError(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota, please check your plan and billing details.', [
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '0.05s' },
      ]),
    );
    const { data, response } = await client.chat.completions.create({ model: 'gemini-flash', messages: [{ role: 'user', content: 'second time lucky' }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe('echo: second time lucky');
    expect(upstream.requests).toHaveLength(2);
    const requestId = response.headers.get('x-request-id');
    const { rows } = await harness.sql.query('SELECT attempts, status FROM requests WHERE id = $1', [requestId]);
    expect(rows).toEqual([{ attempts: 2, status: 'completed' }]);
    const { rows: usageRows } = await harness.sql.query('SELECT count(*)::int AS n FROM usage WHERE request_id = $1', [requestId]);
    expect(usageRows[0].n).toBe(1);
  });

  it('surfaces a 400 INVALID_ARGUMENT as a 400 with Gemini’s message and status, without retrying', async () => {
    const message = '* GenerateContentRequest.generation_config.max_output_tokens: max_output_tokens must be positive.';
    upstream.enqueue(geminiError(400, 'INVALID_ARGUMENT', message));
    const call = client.chat.completions.create({ model: 'gemini-flash', messages: [{ role: 'user', content: 'x' }] });
    await expect(call).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(call).rejects.toMatchObject({ status: 400, code: 'INVALID_ARGUMENT', type: 'invalid_request_error' });
    await expect(call).rejects.toThrow(message);
    expect(upstream.requests).toHaveLength(1);
  });

  it('answers 502 when Gemini refuses the gateway’s own key (its 400 API_KEY_INVALID)', async () => {
    const call = client.chat.completions.create({ model: 'gemini-broken', messages: [{ role: 'user', content: 'x' }] });
    await expect(call).rejects.toMatchObject({ status: 502, code: 'provider_auth_error' });
    // The provider's own words (which may quote the key) stay in the gateway's log, not the tenant's answer.
    await expect(call).rejects.toThrow("rejected the gateway's credentials");
    await expect(call).rejects.not.toThrow('API key not valid');
  });

  it('refuses a tool result for an unknown call with a 400 before calling Gemini', async () => {
    const call = client.chat.completions.create({
      model: 'gemini-flash',
      messages: [
        { role: 'user', content: 'x' },
        { role: 'tool', tool_call_id: 'call_nowhere', content: 'ok' },
      ],
    });
    await expect(call).rejects.toMatchObject({ status: 400, param: 'messages[1].tool_call_id' });
    expect(upstream.requests).toHaveLength(0);
  });
});
