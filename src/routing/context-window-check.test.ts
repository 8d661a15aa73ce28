import { describe, expect, it } from 'vitest';
import { checkContextWindows, describeContextRefusal, type ContextNeed } from './context-window-check.ts';
import type { ResolvedRoute } from './resolve-route.ts';

const route = (provider: string, upstreamModel: string): ResolvedRoute => ({ provider, upstreamModel, pricing: { inputPerMillion: '0', outputPerMillion: '0' } });
const short = route('a', 'short');
const long = route('b', 'long');
const unknown = route('c', 'unknown');
const windows: Record<string, number | undefined> = { short: 8_000, long: 128_000, unknown: undefined };
const needing =
  (neededTokens: number) =>
  (candidate: ResolvedRoute): ContextNeed => ({ route: candidate, neededTokens, contextWindow: windows[candidate.upstreamModel] });

describe('checkContextWindows', () => {
  it('leaves the order alone when every route fits', () => {
    expect(checkContextWindows({ routes: [short, long], needOf: needing(5_000) })).toEqual({ ok: true, routes: [short, long], moved: [] });
  });

  it('moves the routes that cannot fit after those that can, keeping them', () => {
    const checked = checkContextWindows({ routes: [short, long], needOf: needing(9_000) });
    expect(checked).toMatchObject({ ok: true, routes: [long, short] });
    expect(checked.ok && checked.moved.map((need) => need.route)).toEqual([short]);
  });

  it('never checks a model of unknown window', () => {
    expect(checkContextWindows({ routes: [short, unknown], needOf: needing(1_000_000) })).toMatchObject({ ok: true, routes: [unknown, short] });
  });

  it('refuses with the longest window when none fits', () => {
    const checked = checkContextWindows({ routes: [short, long], needOf: needing(200_000) });
    expect(checked).toEqual({ ok: false, longest: { route: long, neededTokens: 200_000, contextWindow: 128_000 } });
    expect(!checked.ok && describeContextRefusal(checked.longest)).toBe("This request needs 200000 tokens but the longest context window among this model's routes is 128000 (route b/long).");
  });
});
