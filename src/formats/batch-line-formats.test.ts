import { describe, expect, it } from 'vitest';
import type { ChatCompletion } from '../providers/chat-completion-schemas.ts';
import { answerRendererFor, batchEndpoints, operationOfEndpoint, parseLineBody, responseIdOfLine } from './batch-line-formats.ts';

const completion: ChatCompletion = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'upstream',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
};
const context = { requestId: 'batch_req_abc_7', model: 'claude', createdAt: new Date('2026-01-02T03:04:05Z'), completedAt: new Date('2026-01-02T03:04:09Z') };

describe('batch line formats', () => {
  it('lists every endpoint a batch may call, translated formats running as chat', () => {
    expect(batchEndpoints).toEqual(['/v1/chat/completions', '/v1/embeddings', '/v1/responses', '/v1/messages']);
    expect(operationOfEndpoint('/v1/embeddings')).toBe('embeddings');
    expect(operationOfEndpoint('/v1/responses')).toBe('chat');
    expect(operationOfEndpoint('/v1/messages')).toBe('chat');
  });

  it('translates a Messages line, with its warnings, and refuses one without max_tokens', () => {
    const parsed = parseLineBody('/v1/messages', { model: 'claude', max_tokens: 50, system: 'Be brief.', top_k: 5, messages: [{ role: 'user', content: 'hi' }] });
    if (!parsed.ok) throw new Error('refused');
    expect(parsed.payload.request).toMatchObject({ model: 'claude', max_completion_tokens: 50, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user' }] });
    const refused = parseLineBody('/v1/messages', { model: 'claude', messages: [{ role: 'user', content: 'hi' }] });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.issue?.message).toMatch(/max_tokens is required/);
  });

  it('translates a Responses line and refuses what needs a stored conversation or a background run', () => {
    const parsed = parseLineBody('/v1/responses', { model: 'gpt', instructions: 'Be brief.', input: 'hi', max_output_tokens: 20 });
    if (!parsed.ok) throw new Error('refused');
    expect(parsed.payload.request).toMatchObject({
      model: 'gpt',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
    });
    const continued = parseLineBody('/v1/responses', { model: 'gpt', previous_response_id: 'resp_1', input: 'hi' });
    expect(continued.ok ? undefined : continued.issue?.path).toEqual(['previous_response_id']);
    const background = parseLineBody('/v1/responses', { model: 'gpt', background: true, input: 'hi' });
    expect(background.ok ? undefined : background.issue?.path).toEqual(['background']);
    const streamed = parseLineBody('/v1/responses', { model: 'gpt', stream: true, input: 'hi' });
    expect(streamed.ok && streamed.payload.request.stream).toBe(true);
  });

  it('checks chat lines against the chat schema, without warnings', () => {
    expect(parseLineBody('/v1/chat/completions', { model: 'gpt', messages: [{ role: 'user', content: 'hi' }] })).toMatchObject({ ok: true, warnings: [] });
    expect(parseLineBody('/v1/chat/completions', { model: 'gpt' }).ok).toBe(false);
  });

  it('renders a stored completion as a Message and as a Response, the same at every read', () => {
    expect(answerRendererFor('/v1/chat/completions')).toBeUndefined();
    const message = answerRendererFor('/v1/messages')!(completion, { ...context, body: {} });
    expect(message).toMatchObject({
      type: 'message',
      id: 'msg_batch_req_abc_7',
      model: 'claude',
      stop_reason: 'end_turn',
      content: [{ type: 'text', text: 'Hello there.' }],
      usage: { input_tokens: 12, output_tokens: 3 },
    });
    const render = answerRendererFor('/v1/responses')!;
    const body = { model: 'gpt', instructions: 'Be brief.', input: 'hi', metadata: { tag: 'x' } };
    const response = render(completion, { ...context, model: 'gpt', body });
    expect(response).toMatchObject({
      object: 'response',
      id: responseIdOfLine('batch_req_abc_7'),
      status: 'completed',
      instructions: 'Be brief.',
      metadata: { tag: 'x' },
      created_at: 1_767_323_045,
      completed_at: 1_767_323_049,
      usage: { input_tokens: 12, output_tokens: 3 },
    });
    expect(render(completion, { ...context, model: 'gpt', body })).toEqual(response);
  });
});
