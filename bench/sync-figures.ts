/** Every figure `bench/sync.ts` prints, by name, for its results file (see results.ts). */
import type { CallCost } from './accounting.ts';
import { addAccountingFigures } from './accounting-report.ts';
import type { CacheBenchResult } from './cache-hits.ts';
import type { FormatStreamsResult } from './format-streams.ts';
import type { PhaseResult } from './load.ts';
import type { RecordCounts } from './record-checks.ts';
import { targets } from './report.ts';
import { Figures } from './results.ts';
import type { StreamPhaseResult } from './stream-ttfb.ts';

export interface SyncResults {
  directLoaded: PhaseResult;
  gatewayLoaded: PhaseResult;
  directIdle: PhaseResult;
  gatewayIdle: PhaseResult;
  gatewayCost: { cpuMs: number; coreShare: number; reads: number; writes: number } | undefined;
  streamDirect: StreamPhaseResult;
  streamGateway: StreamPhaseResult;
  streamGatewayWarmup: StreamPhaseResult;
  formats: FormatStreamsResult | undefined;
  cache: CacheBenchResult;
  records: RecordCounts;
  gateway2xx: number;
  cost: CallCost | undefined;
  /** The gateway's Server-Timing parts at c=1. */
  idleParts: Array<{ name: string; p50: number; p99: number }>;
}

function addPhase(figures: Figures, phase: PhaseResult, name = phase.label): void {
  figures.add(`${name}.secs`, phase.seconds);
  figures.add(`${name}.requests`, phase.responses);
  figures.add(`${name}.2xx`, phase.ok);
  figures.lower(`${name}.non-2xx`, phase.non2xx);
  figures.lower(`${name}.errors`, phase.errors);
  figures.higher(`${name}.RPS`, phase.rps);
  figures.lower(`${name}.p50 ms`, phase.p50);
  figures.lower(`${name}.p99 ms`, phase.p99);
}

function addStreams(figures: Figures, phase: StreamPhaseResult, name = phase.label): void {
  figures.add(`${name}.secs`, phase.seconds);
  figures.add(`${name}.requests`, phase.requests);
  figures.add(`${name}.2xx`, phase.ok);
  figures.higher(`${name}.whole`, phase.completed);
  figures.lower(`${name}.failed`, phase.requests - phase.completed);
  figures.add(`${name}.events min`, phase.events.min);
  figures.add(`${name}.events max`, phase.events.max);
  for (const [timing, values] of [
    ['TTFB', phase.ttfb],
    ['first content', phase.firstContent],
    ['total', phase.total],
  ] as const) {
    for (const quantile of ['p50', 'p90', 'p95', 'p99'] as const) figures.lower(`${name}.${timing} ${quantile} ms`, values[quantile]);
  }
}

export function syncFigures(results: SyncResults): Figures {
  const figures = new Figures();
  const { directLoaded, gatewayLoaded, directIdle, gatewayIdle, gatewayCost } = results;
  for (const phase of [directLoaded, gatewayLoaded, directIdle, gatewayIdle]) addPhase(figures, phase);
  const addedP50 = gatewayIdle.p50 - directIdle.p50;
  figures.higher('gateway/direct RPS ratio', gatewayLoaded.rps / directLoaded.rps);
  figures.lower('gateway CPU ms per request', gatewayCost?.cpuMs);
  figures.lower('gateway read syscalls per request', gatewayCost?.reads);
  figures.lower('gateway write syscalls per request', gatewayCost?.writes);
  figures.add('gateway share of one core', gatewayCost?.coreShare);
  figures.lower('added latency p50 ms', addedP50);
  figures.lower('added latency p99 ms', gatewayIdle.p99 - directIdle.p99);
  for (const part of results.idleParts) {
    figures.lower(`server-timing at c=1.${part.name} p50 ms`, part.p50);
    figures.lower(`server-timing at c=1.${part.name} p99 ms`, part.p99);
  }
  figures.target(`${gatewayLoaded.label}.RPS`, `>= ${targets.rps}`, gatewayLoaded.rps >= targets.rps);
  figures.target('added latency p50 ms', `<= ${targets.addedP50Ms}`, addedP50 <= targets.addedP50Ms);
  figures.target('added latency p99 ms', `<= ${targets.addedP99Ms}`, gatewayIdle.p99 - directIdle.p99 <= targets.addedP99Ms);

  const { streamDirect, streamGateway, streamGatewayWarmup } = results;
  addStreams(figures, streamDirect);
  addStreams(figures, streamGateway);
  figures.higher('gateway (stream) warm-up.whole', streamGatewayWarmup.completed);
  figures.add('gateway (stream) warm-up.requests', streamGatewayWarmup.requests);
  const addedTtfb = streamGateway.ttfb.p50 - streamDirect.ttfb.p50;
  for (const quantile of ['p50', 'p90', 'p99'] as const) figures.lower(`added TTFB ${quantile} ms`, streamGateway.ttfb[quantile] - streamDirect.ttfb[quantile]);
  figures.target('added TTFB p50 ms', `<= ${targets.streamAddedTtfbP50Ms}`, addedTtfb <= targets.streamAddedTtfbP50Ms);

  const chat = results.formats?.formats.find((entry) => entry.format.name === 'chat');
  for (const { format, idle, loaded } of results.formats?.formats ?? []) {
    addStreams(figures, idle, `${format.name} stream (c=1)`);
    addPhase(figures, loaded.phase, `${format.name} stream (c=${loaded.phase.connections})`);
    figures.higher(`${format.name} stream (c=${loaded.phase.connections}).whole/s`, loaded.wholeRps);
    figures.lower(`${format.name} stream (c=${loaded.phase.connections}).CPU ms`, loaded.gatewayCpuMs);
    if (!chat || format.name === 'chat') continue;
    const firstRatio = idle.firstContent.p50 / chat.idle.firstContent.p50;
    const rpsRatio = loaded.wholeRps / chat.loaded.wholeRps;
    figures.lower(`${format.name}/chat first content p50`, firstRatio);
    figures.lower(`${format.name}/chat first content p95`, idle.firstContent.p95 / chat.idle.firstContent.p95);
    figures.higher(`${format.name}/chat stream RPS`, rpsRatio);
    figures.target(`${format.name}/chat first content p50`, `<= ${targets.formatTtfbRatio}`, firstRatio <= targets.formatTtfbRatio);
    figures.target(`${format.name}/chat stream RPS`, `>= ${targets.formatRpsRatio}`, rpsRatio >= targets.formatRpsRatio);
  }

  const { cache } = results;
  addPhase(figures, cache.loaded);
  addPhase(figures, cache.idle);
  figures.higher(`${cache.loaded.label}.HIT`, cache.loadedCache.HIT ?? 0);
  figures.higher(`${cache.idle.label}.HIT`, cache.idleCache.HIT ?? 0);
  figures.lower('gateway CPU ms per hit', cache.gatewayCost?.cpuMs);
  figures.add('gateway share of one core (hits)', cache.gatewayCost?.coreShare);
  figures.lower('hit server time p50 ms', cache.serverTiming.p50);
  figures.lower('hit server time p99 ms', cache.serverTiming.p99);
  figures.add('hit server time samples', cache.serverTiming.samples);
  figures.target(`${cache.loaded.label}.RPS`, `>= ${targets.cacheHitRps}`, cache.loaded.rps >= targets.cacheHitRps);
  figures.target('hit server time p50 ms', `<= ${targets.cacheServerP50Ms}`, cache.serverTiming.p50 <= targets.cacheServerP50Ms);

  const { records } = results;
  figures.add('usage rows', records.usageRows);
  figures.add('gateway 2xx responses', results.gateway2xx);
  figures.add('usage rows with cache_hit', records.cacheHitRows);
  figures.add('HIT 2xx responses', cache.hit2xx);
  figures.add('usage rows settled after s', records.settledMs / 1000);
  for (const [status, count] of Object.entries(records.requestRows)) figures.add(`requests rows ${status}`, count);
  for (const [status, count] of Object.entries(records.requestCacheRows)) figures.add(`requests rows cache ${status}`, count);
  if (results.cost) addAccountingFigures(figures, results.cost);
  return figures;
}
