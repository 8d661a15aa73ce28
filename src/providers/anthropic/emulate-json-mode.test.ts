import { describe, expect, it } from 'vitest';
import { buildAnthropicRequest, providerErrorThrownBy, text, user } from './__fixtures__/build-anthropic-request.ts';

const noWrapping = 'Output only the JSON: no Markdown code fences and no text before or after it.';

describe('convertToAnthropicRequest: JSON mode', () => {
  it('emulates json_object with a system instruction and says so in a warning', () => {
    const wire = buildAnthropicRequest({ messages: [user('List three colours.')], response_format: { type: 'json_object' } });
    expect(wire.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      system: `Respond with a single valid JSON object. ${noWrapping}`,
      messages: [{ role: 'user', content: [text('List three colours.')] }],
    });
    expect(wire.warnings).toEqual(['response_format json_object is emulated on Anthropic with a system instruction; the answer is not guaranteed to be valid JSON']);
  });

  it('emulates json_schema after the client’s own system prompt, carrying the schema verbatim', () => {
    const schema = { type: 'object', properties: { colours: { type: 'array', items: { type: 'string' } } }, required: ['colours'], additionalProperties: false };
    const wire = buildAnthropicRequest({
      messages: [{ role: 'system', content: 'You are a painter.' }, user('List three colours.')],
      response_format: { type: 'json_schema', json_schema: { name: 'palette', description: 'A list of colours', schema, strict: true } },
    });
    expect(wire.body).toMatchObject({
      system:
        'You are a painter.\n\n' +
        `Respond with a single valid JSON value that conforms to the JSON Schema "palette": A list of colours. ${noWrapping}\n` +
        `<json_schema>\n${JSON.stringify(schema)}\n</json_schema>`,
    });
    expect(wire.warnings).toEqual([
      'response_format json_schema is emulated on Anthropic with a system instruction carrying the schema; the answer is not guaranteed to be valid JSON or to match the schema',
    ]);
  });

  it('leaves a text response_format alone', () => {
    const wire = buildAnthropicRequest({ messages: [user('Hi')], response_format: { type: 'text' } });
    expect(wire.body).not.toHaveProperty('system');
    expect(wire.warnings).toBeUndefined();
  });

  it('refuses a json_schema response_format without a name', () => {
    const error = providerErrorThrownBy(() => buildAnthropicRequest({ messages: [user('Hi')], response_format: { type: 'json_schema', json_schema: { schema: {} } } }));
    expect(error).toMatchObject({ status: 400, code: 'invalid_value', param: 'response_format.json_schema.name' });
  });
});
