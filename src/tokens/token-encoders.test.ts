import { describe, expect, it } from 'vitest';
import { seededRandom } from '../routing/seeded-random.ts';
import { countTextTokens, sampledCountThreshold } from './token-encoders.ts';

const words = ['the', 'gateway', 'routes', 'requests', 'to', 'providers', 'and', 'counts', 'tokens', 'before', 'each', 'call', 'Kubernetes', 'latency', 'über', 'naïve', '東京', 'ok'];
const codeLines = ['function add(a, b) {', '  return a + b;', '}', 'const total = items.reduce((sum, item) => sum + item.price, 0);', 'if (x > 10) throw new Error("too big");'];

/** Prose, code and JSON in a seeded mix, so that no slice is a repeat of another. */
function mixedText(length: number, seed: number): string {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const parts: string[] = [];
  let size = 0;
  while (size < length) {
    const kind = random();
    const part =
      kind < 0.5
        ? Array.from({ length: 8 + Math.floor(random() * 20) }, () => pick(words)).join(' ') + '. '
        : kind < 0.8
          ? Array.from({ length: 3 }, () => pick(codeLines)).join('\n') + '\n'
          : JSON.stringify({ id: Math.floor(random() * 1e6), name: pick(words), tags: [pick(words), pick(words)], score: random() }) + '\n';
    parts.push(part);
    size += part.length;
  }
  return parts.join('').slice(0, length);
}

describe('countTextTokens', () => {
  it('counts exactly with each vocabulary, special tokens as plain text', () => {
    expect(countTextTokens('')).toBe(0);
    expect(countTextTokens('hello world')).toBe(2);
    expect(countTextTokens('hello world', 'cl100k_base')).toBe(2);
    expect(countTextTokens('hi <|endoftext|> there')).toBeGreaterThan(3);
  });

  it('estimates a text over the threshold from samples within 7 % of the exact count', () => {
    const errors: number[] = [];
    for (const length of [sampledCountThreshold + 1, 50_000, 100_000, 400_000]) {
      for (const seed of [1, 2, 3, 4, 5]) {
        const text = mixedText(length, seed);
        const exact = countExact(text);
        errors.push(Math.abs(countTextTokens(text) - exact) / exact);
      }
    }
    expect(Math.max(...errors)).toBeLessThan(0.07);
    // Most land much closer.
    expect(errors.filter((error) => error < 0.03).length).toBeGreaterThanOrEqual(errors.length * 0.75);
  });
});

/** The exact count of a long text: its pieces under the threshold, cut at newlines. */
function countExact(text: string): number {
  let total = 0;
  for (let start = 0; start < text.length;) {
    let end = Math.min(text.length, start + sampledCountThreshold);
    if (end < text.length) end = text.lastIndexOf('\n', end) + 1 || end;
    total += countTextTokens(text.slice(start, end));
    start = end;
  }
  return total;
}
