import { describe, expect, it } from 'vitest';
import { convertPackageModel, convertPackagePrices, modelKind, selectCurrentPrices } from './convert-package-model.ts';
import { toDecimalPrice } from './decimal-price.ts';

describe('toDecimalPrice', () => {
  it.each([
    [0.075, '0.075'],
    [2.5, '2.5'],
    [10, '10'],
    [1e-7, '0.0000001'],
    [0, '0'],
  ])('%s → %s', (value, expected) => {
    expect(toDecimalPrice(value)).toBe(expected);
  });

  it('refuses what is not a price', () => {
    for (const value of [-1, Number.NaN, Number.POSITIVE_INFINITY, '1', undefined]) expect(toDecimalPrice(value)).toBeUndefined();
  });
});

describe('convertPackagePrices', () => {
  it('turns per-key tiers into rows, each key at its rate above the threshold', () => {
    const prices = convertPackagePrices(
      {
        input_mtok: {
          base: 1,
          tiers: [
            { start: 100, price: 2 },
            { start: 200, price: 3 },
          ],
        },
        output_mtok: { base: 5, tiers: [{ start: 200, price: 7 }] },
        cache_read_mtok: 0.1,
      },
      'chat',
    );
    expect(prices).toEqual({
      input: '1',
      output: '5',
      cachedInput: '0.1',
      tiers: [
        { aboveInputTokens: 100, input: '2', output: '5' },
        { aboveInputTokens: 200, input: '3', output: '7' },
      ],
    });
  });

  it('is undefined for a chat model without an output price, and charges embeddings no output', () => {
    expect(convertPackagePrices({ input_mtok: 1 }, 'chat')).toBeUndefined();
    expect(convertPackagePrices({ input_mtok: 0.13, output_mtok: 0.1 }, 'embeddings')).toEqual({ input: '0.13', output: '0' });
  });
});

describe('selectCurrentPrices', () => {
  const dated = [{ prices: { input_mtok: 0.75 } }, { constraint: { type: 'start_date' as const, start_date: '2027-01-01' }, prices: { input_mtok: 1.5 } }];

  it('takes the latest dated price that has begun', () => {
    expect(selectCurrentPrices(dated, new Date('2026-12-05'))).toEqual({ input_mtok: 0.75 });
    expect(selectCurrentPrices(dated, new Date('2027-01-02'))).toEqual({ input_mtok: 1.5 });
  });

  it('takes the dearer of the standard and the time-of-day rates (one rate is billed whatever the hour)', () => {
    const peak = [
      { prices: { input_mtok: 0.14 } },
      { constraint: { type: 'start_date' as const, start_date: '2026-08-17' }, prices: { input_mtok: 0.22 } },
      { constraint: { type: 'time_of_date' as const, start_time: '01:00:00Z', end_time: '04:00:00Z' }, prices: { input_mtok: 0.44 } },
    ];
    expect(selectCurrentPrices(peak, new Date('2026-12-05T12:00:00Z'))).toEqual({ input_mtok: 0.44 });
    const offPeakDiscount = [{ prices: { input_mtok: 0.27 } }, { constraint: { type: 'time_of_date' as const, start_time: '16:30:00Z', end_time: '00:30:00Z' }, prices: { input_mtok: 0.135 } }];
    expect(selectCurrentPrices(offPeakDiscount, new Date('2026-12-05T12:00:00Z'))).toEqual({ input_mtok: 0.27 });
  });
});

describe('convertPackageModel', () => {
  it('skips speech, image and realtime models', () => {
    expect(['whisper-1', 'gpt-4o-mini-tts', 'gpt-realtime', 'dall-e-3', 'gemini-2.5-flash-image', 'mistral-ocr-2505'].map(modelKind)).toEqual(Array(6).fill(undefined));
    expect(modelKind('text-embedding-3-small')).toBe('embeddings');
    expect(modelKind('gpt-4o')).toBe('chat');
  });

  it('keeps a model without prices, with no prices (its cost is unknown, not zero)', () => {
    const definition = convertPackageModel({ providerType: 'openrouter', model: { id: 'x/y', match: { equals: 'x/y' }, prices: {}, deprecated: true }, now: new Date() });
    expect(definition).toMatchObject({ id: 'x/y', deprecated: true, source: 'catalogue-package' });
    expect(definition?.prices).toBeUndefined();
  });
});
