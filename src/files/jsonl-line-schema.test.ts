import { describe, expect, it } from 'vitest';
import { checkBatchInputLine, checkInlineBatchRequest, maxCustomIdLength } from './jsonl-line-schema.ts';

const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };
const line = (value: unknown) => JSON.stringify(value);
const valid = { custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body };

describe('checkBatchInputLine', () => {
  it('accepts OpenAI’s documented line and returns its custom_id', () => {
    expect(checkBatchInputLine(line(valid))).toEqual({ ok: true, customId: 'a' });
  });

  it('tolerates unknown keys and unknown body fields (checked when the batch runs)', () => {
    expect(checkBatchInputLine(line({ ...valid, extra: 1, body: { ...body, temperature: 9, messages: [] } })).ok).toBe(true);
  });

  it.each([
    ['{"custom_id": "a", ', /^not valid JSON \(/],
    ['[1, 2]', /^the line must be a JSON object$/],
    ['"text"', /^the line must be a JSON object$/],
    ['null', /^the line must be a JSON object$/],
    [line({ ...valid, custom_id: undefined }), /^custom_id is missing$/],
    [line({ ...valid, custom_id: 7 }), /^custom_id must be a string$/],
    [line({ ...valid, custom_id: '' }), /^custom_id must not be empty$/],
    [line({ ...valid, custom_id: 'x'.repeat(maxCustomIdLength + 1) }), /^custom_id is longer than 512 characters$/],
    [line({ ...valid, method: 'GET' }), /^method must be "POST"$/],
    [line({ ...valid, method: undefined }), /^method is missing$/],
    [line({ ...valid, url: '/v1/embeddings' }), /^body\.input is missing$/],
    [line({ ...valid, url: '/v1/completions' }), /^url must be one of "\/v1\/chat\/completions", "\/v1\/embeddings", "\/v1\/responses", "\/v1\/messages"$/],
    [line({ ...valid, body: 'hello' }), /^body must be a JSON object$/],
    [line({ ...valid, body: [body] }), /^body must be a JSON object$/],
    [line({ ...valid, body: undefined }), /^body is missing$/],
    [line({ ...valid, body: { messages: [] } }), /^body.model is missing$/],
    [line({ ...valid, body: { model: 3, messages: [] } }), /^body.model must be a string$/],
    [line({ ...valid, body: { model: 'm', messages: 'hi' } }), /^body.messages must be an array$/],
  ])('refuses %s', (text, reason) => {
    const check = checkBatchInputLine(text);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(reason);
  });

  it('names the first problem in key order', () => {
    const check = checkBatchInputLine(line({ custom_id: '', method: 'GET', url: 'x', body: 1 }));
    expect(check).toEqual({ ok: false, reason: 'custom_id must not be empty' });
  });
});

describe('checkInlineBatchRequest', () => {
  it('renders the JSONL line an upload would carry', () => {
    const check = checkInlineBatchRequest({ custom_id: 'r1', body });
    expect(check.ok).toBe(true);
    if (check.ok) {
      expect(check.customId).toBe('r1');
      expect(JSON.parse(check.content)).toEqual({ custom_id: 'r1', method: 'POST', url: '/v1/chat/completions', body });
    }
  });

  it('applies the same rules as file lines', () => {
    expect(checkInlineBatchRequest({ custom_id: '', body })).toEqual({ ok: false, reason: 'custom_id must not be empty' });
    expect(checkInlineBatchRequest({ custom_id: 'x', body: { model: 'm' } })).toEqual({ ok: false, reason: 'body.messages is missing' });
    expect(checkInlineBatchRequest('nope')).toEqual({ ok: false, reason: 'each request must be a JSON object' });
  });
});
