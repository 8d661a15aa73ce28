import { describe, expect, it } from 'vitest';
import { chatCompletionRequestSchema, chatCompletionSchema, type ChatCompletion } from '../../chat-completion-schemas.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { buildMockCompletion, countMockTokens } from './mock-completion.ts';
import { thrownBy } from '../../../../test/support/thrown-by.ts';

type Messages = Array<Record<string, unknown>>;

function complete(upstreamModel: string, messages: Messages, extra: Record<string, unknown> = {}): ChatCompletion {
  const request = chatCompletionRequestSchema.parse({ model: 'mock-x', messages, ...extra });
  return buildMockCompletion({ provider: 'mock', request, upstreamModel, requestId: 'req_1', nowSeconds: 1_700_000_000 });
}

function classify(text: string, system?: string): string | null | undefined {
  const messages: Messages = system === undefined ? [] : [{ role: 'system', content: system }];
  messages.push({ role: 'user', content: text });
  return complete('classifier', messages).choices[0]?.message.content;
}

describe('countMockTokens', () => {
  it('counts about four characters a token, rounding up', () => {
    expect(countMockTokens('')).toBe(0);
    expect(countMockTokens('a')).toBe(1);
    expect(countMockTokens('abcd')).toBe(1);
    expect(countMockTokens('abcde')).toBe(2);
  });
});

describe('buildMockCompletion: echo', () => {
  it('answers with the last user message as a valid chat.completion', () => {
    const completion = complete('echo', [
      { role: 'system', content: 'be nice' },
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: 'second question' },
    ]);
    expect(chatCompletionSchema.safeParse(completion).success).toBe(true);
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]).toMatchObject({ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'second question' } });
    expect(completion).toMatchObject({ id: 'chatcmpl-mock-req_1', object: 'chat.completion', created: 1_700_000_000, model: 'echo' });
  });

  it('joins the text parts of an array content and skips other parts', () => {
    const completion = complete('echo', [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Hello, ' },
          { type: 'image_url', image_url: { url: 'https://x.test/a.png' } },
          { type: 'text', text: 'world' },
        ],
      },
    ]);
    expect(completion.choices[0]?.message.content).toBe('Hello, world');
  });

  it('answers an empty string when there is no user message', () => {
    expect(complete('echo', [{ role: 'system', content: 'only a system prompt' }]).choices[0]?.message.content).toBe('');
  });

  it('truncates to max_tokens with finish_reason length', () => {
    const text = 'abcdefghijklmnopqrstuvwxyz0123456789ABCD'; // 40 characters, 10 mock tokens
    const completion = complete('echo', [{ role: 'user', content: text }], { max_tokens: 3 });
    expect(completion.choices[0]?.message.content).toBe(text.slice(0, 12));
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.usage?.completion_tokens).toBe(3);
  });

  it('prefers max_completion_tokens over max_tokens', () => {
    const text = 'x'.repeat(40);
    const completion = complete('echo', [{ role: 'user', content: text }], { max_tokens: 100, max_completion_tokens: 2 });
    expect(completion.choices[0]?.message.content).toBe('x'.repeat(8));
    expect(completion.choices[0]?.finish_reason).toBe('length');
  });

  it('does not truncate when the reply fits exactly', () => {
    const completion = complete('echo', [{ role: 'user', content: 'x'.repeat(12) }], { max_tokens: 3 });
    expect(completion.choices[0]?.message.content).toBe('x'.repeat(12));
    expect(completion.choices[0]?.finish_reason).toBe('stop');
  });

  it('gives n identical choices, indexed 0..n-1', () => {
    const completion = complete('echo', [{ role: 'user', content: 'again' }], { n: 3 });
    expect(completion.choices.map((choice) => choice.index)).toEqual([0, 1, 2]);
    expect(new Set(completion.choices.map((choice) => choice.message.content))).toEqual(new Set(['again']));
  });

  it('adds usage up: prompt + completion per choice = total', () => {
    const messages: Messages = [
      { role: 'system', content: 'abcdefgh' }, // 2 tokens + 3 overhead
      { role: 'user', content: 'hello world!' }, // 3 tokens + 3 overhead
    ];
    const completion = complete('echo', messages, { n: 2 });
    // 3 for the reply priming, 3 per message, plus the content tokens.
    expect(completion.usage?.prompt_tokens).toBe(3 + (3 + 2) + (3 + 3));
    expect(completion.usage?.completion_tokens).toBe(2 * 3);
    expect(completion.usage?.total_tokens).toBe(14 + 6);
  });
});

describe('buildMockCompletion: classifier', () => {
  const texts = Array.from({ length: 40 }, (_unused, index) => `review number ${index}: the product was fine`);

  it('gives the same label for the same text, across calls', () => {
    for (const text of texts.slice(0, 10)) {
      expect(classify(text)).toBe(classify(text));
    }
  });

  it('picks from positive/negative/neutral by default and uses more than one of them', () => {
    const labels = new Set(texts.map((text) => classify(text)));
    for (const label of labels) expect(['positive', 'negative', 'neutral']).toContain(label);
    expect(labels.size).toBeGreaterThan(1);
  });

  it('takes its labels from a system line `labels: a, b, c`', () => {
    const system = 'Classify the support ticket.\nlabels: billing, bug, feature\nAnswer with one label.';
    const labels = new Set(texts.map((text) => classify(text, system)));
    for (const label of labels) expect(['billing', 'bug', 'feature']).toContain(label);
    expect(labels.size).toBeGreaterThan(1);
  });

  it('strips quotes and brackets around labels', () => {
    const labels = new Set(texts.map((text) => classify(text, 'Labels: ["spam", "ham"]')));
    expect([...labels].sort()).toEqual(['ham', 'spam']);
  });

  it('reads labels from a developer message too', () => {
    const completion = complete('classifier', [
      { role: 'developer', content: 'label: only-one' },
      { role: 'user', content: 'anything' },
    ]);
    expect(completion.choices[0]?.message.content).toBe('only-one');
  });

  it('does not take labels from a user message', () => {
    const label = complete('classifier', [{ role: 'user', content: 'labels: x, y' }]).choices[0]?.message.content;
    expect(['positive', 'negative', 'neutral']).toContain(label);
  });
});

describe('buildMockCompletion: error directive', () => {
  it('throws a retryable ProviderError for mock:error:503', () => {
    const error = thrownBy(() => complete('echo', [{ role: 'user', content: 'mock:error:503' }]));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'mock', status: 503, code: 'mock_error', retryable: true });
  });

  it('throws a non-retryable ProviderError for mock:error:400', () => {
    const error = thrownBy(() => complete('classifier', [{ role: 'user', content: 'mock:error:400 please' }]));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 400, retryable: false });
  });

  it('only reacts to the directive at the start of the last user message', () => {
    expect(complete('echo', [{ role: 'user', content: 'say mock:error:503' }]).choices[0]?.message.content).toBe('say mock:error:503');
    expect(
      complete('echo', [
        { role: 'user', content: 'mock:error:503' },
        { role: 'user', content: 'fine' },
      ]).choices[0]?.message.content,
    ).toBe('fine');
    expect(complete('echo', [{ role: 'user', content: 'mock:error:5030' }]).choices[0]?.message.content).toBe('mock:error:5030');
  });
});
