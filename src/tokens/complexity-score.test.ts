import { describe, expect, it } from 'vitest';
import { complexityScorerNamed, defaultComplexityScorer, defaultComplexityWeights, registerComplexityScorer } from './complexity-score.ts';

describe('defaultComplexityScorer', () => {
  it('weights sum to 1, and scores stay in [0, 1]', () => {
    expect(Object.values(defaultComplexityWeights).reduce((sum, weight) => sum + weight, 0)).toBeCloseTo(1);
    const huge = 'First do this? Then that?\n1. step\n```js\nconst x = 1;\n```\n'.repeat(2000);
    expect(defaultComplexityScorer({ system: 'x'.repeat(100_000), conversation: huge, inputTokens: 1_000_000 })).toBeLessThanOrEqual(1);
    expect(defaultComplexityScorer({ system: '', conversation: '', inputTokens: 0 })).toBe(0);
  });

  it('a short classification prompt scores low, a multi-step coding task high', () => {
    const classify = defaultComplexityScorer({ system: '', conversation: 'Classify the sentiment of this review as positive or negative: "I loved it."', inputTokens: 20 });
    expect(classify).toBeLessThan(0.15);
    const task = [
      'I need help refactoring this service step by step.',
      '1. First, read the handler below.',
      '2. Then split the validation out.',
      '3. Finally, add tests. Why does it leak memory? Which pool should it use?',
      '```ts',
      'export async function handle(request) {',
      '  const body = JSON.parse(request.body);',
      '  return db.query(body);',
      '}',
      '```',
    ].join('\n');
    const complex = defaultComplexityScorer({ system: 'You are a senior TypeScript engineer. '.repeat(20), conversation: task, inputTokens: 1_500 });
    expect(complex).toBeGreaterThan(0.6);
  });

  it('is pluggable by name', () => {
    registerComplexityScorer('always-hard', () => 1);
    expect(complexityScorerNamed('always-hard')?.({ system: '', conversation: '', inputTokens: 0 })).toBe(1);
    expect(complexityScorerNamed('nope')).toBeUndefined();
  });
});
