/**
 * Response-cache phases of `bench/sync.ts`, against a model whose cache is on (`bench-cached`): one
 * request stores the answer (`x-gateway-cache: MISS`) and the next is served from it (`HIT`); then
 * autocannon at c=50 for the hit rate, and a sequential c=1 loop for client latency and the gateway's
 * own time per hit (its `server-timing: gateway;dur=<ms>` header). Every 2xx's `x-gateway-cache` is
 * counted, for the check that each hit got its usage row.
 */
import { request } from 'undici';
import { percentile, runAutocannon, runSequential, Samples, type PhaseResult, type ResponseHeadersHook, type Target } from './load.ts';
import { processCounters } from './processes.ts';

export interface CacheBenchResult {
  /** `x-gateway-cache` of the two priming requests (expected MISS, then HIT). */
  prime: string[];
  loaded: PhaseResult;
  /** `x-gateway-cache` values of the loaded phase's 2xx responses, with counts. */
  loadedCache: Record<string, number>;
  idle: PhaseResult;
  idleCache: Record<string, number>;
  /** The gateway's own time per 2xx at c=1, in ms, from `server-timing`; `missing`: 2xx without it. */
  serverTiming: { p50: number; p99: number; samples: number; missing: number };
  /** Gateway CPU per response in the loaded phase (undefined without /proc). */
  gatewayCost: { cpuMs: number; coreShare: number } | undefined;
  /** Every phase here, priming and warm-ups included: 2xx responses, and those of them that said HIT. */
  gateway2xx: number;
  hit2xx: number;
}

const serverTimingPattern = /(?:^|,)\s*gateway;(?:[^,]*;)?\s*dur=([\d.]+)/;

/** Counts `x-gateway-cache` values of 2xx responses. */
function cacheHeaderCounter(): { counts: Record<string, number>; onHeaders: ResponseHeadersHook } {
  const counts: Record<string, number> = {};
  return {
    counts,
    onHeaders: (statusCode, header) => {
      if (statusCode < 200 || statusCode >= 300) return;
      const value = header('x-gateway-cache') ?? '(none)';
      counts[value] = (counts[value] ?? 0) + 1;
    },
  };
}

export async function runCacheBench(options: {
  target: Target;
  connections: number;
  duration: number;
  warmup: number;
  c1Duration: number;
  gatewayPid: number;
  log: (message: string) => void;
}): Promise<CacheBenchResult> {
  const { target, connections, log } = options;
  let gateway2xx = 0;
  let hit2xx = 0;
  const tally = (result: PhaseResult, counts: Record<string, number>) => {
    gateway2xx += result.ok;
    hit2xx += counts.HIT ?? 0;
    return result;
  };

  log('response cache: priming bench-cached (expect MISS, then HIT)');
  const prime: string[] = [];
  for (let index = 0; index < 2; index += 1) {
    const response = await request(target.url, { method: 'POST', headers: target.headers, body: target.body, headersTimeout: 30_000, bodyTimeout: 30_000 });
    await response.body.dump();
    const cache = response.headers['x-gateway-cache'];
    const value = typeof cache === 'string' ? cache : '(none)';
    prime.push(response.statusCode === 200 ? value : `HTTP ${response.statusCode}`);
    if (response.statusCode >= 200 && response.statusCode < 300) {
      gateway2xx += 1;
      if (value === 'HIT') hit2xx += 1;
    }
  }

  log(`response cache: warm-up ${options.warmup} s, then ${options.duration} s at c=${connections}`);
  const warmCounter = cacheHeaderCounter();
  tally(await runAutocannon('warm-up', target, connections, options.warmup, { onHeaders: warmCounter.onHeaders }), warmCounter.counts);
  const loadedCounter = cacheHeaderCounter();
  const before = processCounters(options.gatewayPid);
  const loaded = tally(await runAutocannon(`cache hits (c=${connections})`, target, connections, options.duration, { onHeaders: loadedCounter.onHeaders }), loadedCounter.counts);
  const after = processCounters(options.gatewayPid);
  const gatewayCost = before && after && loaded.responses > 0 ? { cpuMs: ((after.cpu - before.cpu) * 1000) / loaded.responses, coreShare: (after.cpu - before.cpu) / loaded.seconds } : undefined;

  log(`response cache: ${options.c1Duration} s sequential (c=1)`);
  const idleWarmCounter = cacheHeaderCounter();
  tally(await runSequential('warm-up', target, 1, { onHeaders: idleWarmCounter.onHeaders }), idleWarmCounter.counts);
  const idleCounter = cacheHeaderCounter();
  const serverTimes = new Samples();
  let missing = 0;
  const idle = tally(
    await runSequential('cache hits (c=1, seq)', target, options.c1Duration, {
      onHeaders: (statusCode, header) => {
        idleCounter.onHeaders(statusCode, header);
        if (statusCode < 200 || statusCode >= 300) return;
        const match = serverTimingPattern.exec(header('server-timing') ?? '');
        if (match?.[1] === undefined) missing += 1;
        else serverTimes.push(Number(match[1]));
      },
    }),
    idleCounter.counts,
  );
  const sorted = serverTimes.sorted();
  return {
    prime,
    loaded,
    loadedCache: loadedCounter.counts,
    idle,
    idleCache: idleCounter.counts,
    serverTiming: { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), samples: sorted.length, missing },
    gatewayCost,
    gateway2xx,
    hit2xx,
  };
}

/** The correctness checks of the cache phases: what went wrong, or nothing. */
export function cacheProblems(result: CacheBenchResult): string[] {
  const problems: string[] = [];
  if (result.prime.join(',') !== 'MISS,HIT') problems.push(`priming said ${result.prime.join(', ')} (expected MISS, HIT)`);
  const { idle } = result;
  const idleHits = result.idleCache.HIT ?? 0;
  if (idle.non2xx > 0 || idle.errors > 0 || idleHits !== idle.responses) {
    problems.push(`c=1 phase: ${idleHits} of ${idle.responses} responses said HIT (${idle.non2xx} non-2xx, ${idle.errors} errors; x-gateway-cache ${JSON.stringify(result.idleCache)})`);
  }
  const { loaded } = result;
  if (loaded.non2xx > 0 || loaded.errors > 0) problems.push(`c=${loaded.connections} phase: ${loaded.non2xx} non-2xx ${JSON.stringify(loaded.statusCounts)}, ${loaded.errors} errors`);
  const loadedHits = result.loadedCache.HIT ?? 0;
  if (loadedHits !== result.loaded.ok) problems.push(`c=${result.loaded.connections} phase: ${loadedHits} of ${result.loaded.ok} 2xx said HIT (${JSON.stringify(result.loadedCache)})`);
  if (result.serverTiming.missing > 0) problems.push(`${result.serverTiming.missing} responses at c=1 without server-timing: gateway;dur=`);
  return problems;
}
