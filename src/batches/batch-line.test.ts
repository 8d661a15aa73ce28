import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../config/gateway-config.ts';
import { noModelName } from '../usage/no-model.ts';
import { createBatchLineChecker, modelOfLine, prepareBatchLine } from './batch-line.ts';
import { invalidLinesError, listedInvalidLines, type InvalidLine } from './find-invalid-lines.ts';

const config = parseGatewayConfig(
  {
    providers: {
      mock: { type: 'mock' },
      search: { type: 'perplexity', baseUrl: 'http://127.0.0.1:9', apiKey: 'pplx-test' },
    },
    models: {
      echo: { routes: [{ provider: 'mock', model: 'echo' }] },
      sonar: { routes: [{ provider: 'search', model: 'sonar' }] },
      lookup: {
        routes: [
          { provider: 'search', model: 'sonar' },
          { provider: 'mock', model: 'echo' },
        ],
      },
    },
  },
  {},
);

const line = (body: unknown) => JSON.stringify({ custom_id: 'x', method: 'POST', url: '/v1/chat/completions', body });
const chat = (model: string, extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: 'user', content: 'hi' }], ...extra });
const tools = [{ type: 'function', function: { name: 'lookup' } }];
const image = { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } }] }] };

describe('createBatchLineChecker', () => {
  it('answers each line as a checker of its own would, whatever lines came before (the shared answers are keyed by every need)', () => {
    const lines = [
      line(chat('sonar')),
      line(chat('sonar', { tools })),
      line(chat('sonar', { functions: [{ name: 'f' }] })),
      line(chat('sonar', { response_format: { type: 'json_object' } })),
      line({ model: 'sonar', ...image }),
      line(chat('lookup', { tools })),
      line(chat('lookup', { tools, provider: 'search' })),
      line(chat('lookup', { provider: 'elsewhere' })),
      line(chat('sonar')),
    ];
    const shared = createBatchLineChecker(config);
    for (const content of [...lines, ...lines]) expect(shared(content)).toEqual(prepareBatchLine(content, config));
    expect(lines.map((content) => shared(content)).map((checked) => (checked.ok ? `ok:${checked.provider}` : checked.code))).toEqual([
      'ok:search',
      'unsupported_capability',
      'unsupported_capability',
      'ok:search',
      'unsupported_capability',
      'ok:mock',
      'unsupported_capability',
      'provider_not_routable',
      'ok:search',
    ]);
  });

  it('words a refusal as the sync API does, keeping the model the line asked for', () => {
    expect(prepareBatchLine(line(chat('ecko')), config)).toEqual({
      ok: false,
      model: 'ecko',
      code: 'model_not_found',
      statusCode: 404,
      message: "The model 'ecko' does not exist or you do not have access to it.",
    });
    expect(prepareBatchLine(line(chat('sonar', { tools })), config)).toMatchObject({
      ok: false,
      model: 'sonar',
      statusCode: 400,
      message: expect.stringMatching(/^body\.tools: The model 'sonar' .*does not support tool calling/),
    });
    expect(prepareBatchLine(line(chat('lookup', { provider: 'elsewhere' })), config)).toMatchObject({
      code: 'provider_not_routable',
      message: "The model 'lookup' has no route on provider 'elsewhere'; its routes use: search, mock.",
    });
    expect(prepareBatchLine(line(chat('echo', { stream: true })), config)).toMatchObject({ ok: false, model: 'echo', code: 'stream_not_supported' });
    expect(prepareBatchLine(line(chat('echo', { temperature: 9 })), config)).toMatchObject({
      ok: false,
      model: 'echo',
      code: 'invalid_request_body',
      message: expect.stringMatching(/^body\.temperature: /),
    });
  });

  it('keeps the body pin for the planner, and queues the line on its first servable route', () => {
    const pinned = prepareBatchLine(line(chat('lookup', { provider: 'mock' })), config);
    expect(pinned).toMatchObject({ ok: true, model: 'lookup', provider: 'mock', request: { provider: 'mock' } });
    expect(prepareBatchLine(line(chat('lookup')), config)).toMatchObject({ ok: true, provider: 'search' });
    expect(prepareBatchLine(line(chat('mock/anything')), config)).toMatchObject({ ok: true, model: 'mock/anything', provider: 'mock' });
  });

  it('records a line without a readable model under the no-model marker, never an empty name', () => {
    expect(prepareBatchLine('{not json', config)).toMatchObject({ ok: false, model: noModelName, code: 'invalid_json' });
    expect(prepareBatchLine(line({ messages: [{ role: 'user', content: 'x' }] }), config)).toMatchObject({ ok: false, model: noModelName, code: 'invalid_request_body' });
    expect(prepareBatchLine(line(chat('')), config)).toMatchObject({ ok: false, model: noModelName });
    expect(prepareBatchLine('null', config)).toMatchObject({ ok: false, model: noModelName, code: 'invalid_request_body' });
    expect(modelOfLine(line(chat('ecko')))).toBe('ecko');
    expect(modelOfLine('[1]')).toBe(noModelName);
    expect(modelOfLine('{')).toBe(noModelName);
  });
});

describe('invalidLinesError', () => {
  const invalid = (lineNumber: number): InvalidLine => ({
    lineNumber,
    customId: `r${lineNumber}`,
    model: 'ecko',
    code: 'model_not_found',
    message: "The model 'ecko' does not exist or you do not have access to it.",
  });

  it('names the first lines with their custom_id and reason, and counts the rest', () => {
    const first = Array.from({ length: listedInvalidLines }, (_unused, index) => invalid(index * 3 + 1));
    const error = invalidLinesError({ lines: 500, count: 25, first }, { inline: false });
    expect(error.toBody().error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_batch_lines', param: 'input_file_id' });
    expect(error.status).toBe(400);
    expect(error.message).toMatch(
      /^25 of 500 lines cannot run, so no batch was created: line 1 \(custom_id 'r1'\): model_not_found: The model 'ecko' does not exist or you do not have access to it; line 4 /,
    );
    expect(error.message).toContain("line 28 (custom_id 'r28')");
    expect(error.message).toContain('; and 15 more. ');
  });

  it('names inline requests by index, without a count of more when all are listed', () => {
    const error = invalidLinesError({ lines: 3, count: 1, first: [invalid(2)] }, { inline: true });
    expect(error.param).toBe('requests');
    expect(error.message).toMatch(/^1 of 3 requests cannot run, so no batch was created: requests\[1\] \(custom_id 'r2'\): model_not_found: .*\. Correct them/);
    expect(error.message).not.toContain('more');
  });
});
