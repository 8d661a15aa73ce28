/** The tables `bench/sync.ts` prints, with the targets next to the figures. */
import { availableParallelism } from 'node:os';
import type { CacheBenchResult } from './cache-hits.ts';
import type { FormatStreamsResult } from './format-streams.ts';
import type { PhaseResult } from './load.ts';
import type { RecordCounts } from './record-checks.ts';
import type { StreamPhaseResult } from './stream-ttfb.ts';

export const targets = {
  rps: 2_500,
  addedP50Ms: 1.5,
  addedP99Ms: 5,
  streamAddedTtfbP50Ms: 2,
  cacheHitRps: 5_000,
  cacheServerP50Ms: 0.5,
  /** Messages and Responses streams against chat's: first-content p50 at most 10 % later, RPS at most 10 % lower. */
  formatTtfbRatio: 1.1,
  formatRpsRatio: 0.9,
};

const ms = (value: number) => value.toFixed(3);
const row = (cells: string[], widths: number[]) => cells.map((cell, index) => (index === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[index] ?? 0))).join('  ');
const rule = (widths: number[]) =>
  row(
    widths.map((width) => '-'.repeat(width)),
    widths,
  );
const verdict = (met: boolean) => (met ? 'MET' : 'NOT MET');
const phaseWidths = [24, 6, 9, 9, 8, 7, 10, 10, 10];
const phaseHeader = () => [row(['phase', 'secs', 'requests', '2xx', 'non-2xx', 'errors', 'RPS', 'p50 ms', 'p99 ms'], phaseWidths), rule(phaseWidths)];
const phaseRow = (result: PhaseResult) =>
  row(
    [result.label, result.seconds.toFixed(1), String(result.responses), String(result.ok), String(result.non2xx), String(result.errors), result.rps.toFixed(0), ms(result.p50), ms(result.p99)],
    phaseWidths,
  );
/** One line of a targets block: name, target, measured, verdict. */
const targetLine = (name: string, target: string, measured: string, met: boolean) => `  ${name.padEnd(30)} target ${target.padEnd(9)} measured ${measured.padStart(8)}     ${verdict(met)}`;

export function printReport(input: {
  directLoaded: PhaseResult;
  gatewayLoaded: PhaseResult;
  directIdle: PhaseResult;
  gatewayIdle: PhaseResult;
  gatewayCost: { cpuMs: number; coreShare: number; reads: number; writes: number } | undefined;
  /** 1-minute load average just before the load phases. */
  loadBefore: number;
}): void {
  const { directLoaded, gatewayLoaded, directIdle, gatewayIdle } = input;
  const lines = [
    '',
    `Sync chat benchmark: ${availableParallelism()} CPUs, 1-min load average before the phases ${input.loadBefore.toFixed(2)}; mock answers in 0 ms`,
    '',
    ...phaseHeader(),
    ...[directLoaded, gatewayLoaded, directIdle, gatewayIdle].map(phaseRow),
    '',
  ];
  const statuses = [directLoaded, gatewayLoaded, directIdle, gatewayIdle].filter((result) => result.non2xx > 0);
  for (const result of statuses) lines.push(`non-2xx in ${result.label}: ${JSON.stringify(result.statusCounts)}`);
  const ratio = gatewayLoaded.rps / directLoaded.rps;
  const addedP50 = gatewayIdle.p50 - directIdle.p50;
  const addedP99 = gatewayIdle.p99 - directIdle.p99;
  lines.push(
    `gateway/direct RPS ratio at c=${gatewayLoaded.connections}: ${ratio.toFixed(3)}`,
    input.gatewayCost === undefined
      ? 'gateway CPU per request: not measured (no /proc)'
      : `gateway at c=${gatewayLoaded.connections}, per request: ${input.gatewayCost.cpuMs.toFixed(3)} ms CPU, ${input.gatewayCost.reads.toFixed(1)} read + ${input.gatewayCost.writes.toFixed(1)} write syscalls (${(input.gatewayCost.coreShare * 100).toFixed(0)}% of one core)`,
    `added latency at c=1 (gateway - direct): p50 ${ms(addedP50)} ms, p99 ${ms(addedP99)} ms`,
    '',
    'targets',
    targetLine(`gateway RPS at c=${gatewayLoaded.connections}`, `>= ${targets.rps}`, gatewayLoaded.rps.toFixed(0), gatewayLoaded.rps >= targets.rps),
    targetLine('added p50 at c=1 (ms)', `<= ${targets.addedP50Ms}`, ms(addedP50), addedP50 <= targets.addedP50Ms),
    targetLine('added p99 at c=1 (ms)', `<= ${targets.addedP99Ms}`, ms(addedP99), addedP99 <= targets.addedP99Ms),
    '',
  );
  process.stdout.write(lines.join('\n'));
}

/** Streams at c=1: time to the first `data:` bytes and to the end, direct and through the gateway. */
export function printStreamReport(direct: StreamPhaseResult, viaGateway: StreamPhaseResult, gatewayWarmup: StreamPhaseResult): void {
  const widths = [24, 6, 9, 9, 9, 7, 10, 10, 10, 10, 10];
  const lines = [
    '',
    'Streaming (stream: true, include_usage) at c=1: TTFB = request sent to first body bytes holding `data:`; total = to the end of the body',
    '',
    row(['phase', 'secs', 'requests', '2xx', '[DONE]', 'failed', 'TTFB p50', 'TTFB p90', 'TTFB p99', 'total p50', 'total p99'], widths),
    rule(widths),
    ...[direct, viaGateway].map((result) =>
      row(
        [
          result.label,
          result.seconds.toFixed(1),
          String(result.requests),
          String(result.ok),
          String(result.completed),
          String(result.requests - result.completed),
          ms(result.ttfb.p50),
          ms(result.ttfb.p90),
          ms(result.ttfb.p99),
          ms(result.total.p50),
          ms(result.total.p99),
        ],
        widths,
      ),
    ),
    '',
  ];
  for (const result of [direct, viaGateway].filter((phase) => Object.keys(phase.failures).length > 0)) {
    lines.push(`failures in ${result.label}: ${JSON.stringify(result.failures)}; first one ended ${JSON.stringify(result.firstFailureTail ?? '')}`);
  }
  if (Object.keys(gatewayWarmup.failures).length > 0) {
    lines.push(`failures in the gateway's stream warm-up: ${JSON.stringify(gatewayWarmup.failures)}; first one ended ${JSON.stringify(gatewayWarmup.firstFailureTail ?? '')}`);
  }
  const added = { p50: viaGateway.ttfb.p50 - direct.ttfb.p50, p90: viaGateway.ttfb.p90 - direct.ttfb.p90, p99: viaGateway.ttfb.p99 - direct.ttfb.p99 };
  lines.push(
    `added TTFB at c=1 (gateway - direct): p50 ${ms(added.p50)} ms, p90 ${ms(added.p90)} ms, p99 ${ms(added.p99)} ms`,
    `gateway streams ended with data: [DONE]: ${viaGateway.completed} of ${viaGateway.requests}, warm-up ${gatewayWarmup.completed} of ${gatewayWarmup.requests} (${viaGateway.requests - viaGateway.completed + gatewayWarmup.requests - gatewayWarmup.completed} failures)`,
    '',
    'targets',
    targetLine('added TTFB p50 at c=1 (ms)', `<= ${targets.streamAddedTtfbP50Ms}`, ms(added.p50), added.p50 <= targets.streamAddedTtfbP50Ms),
    '',
  );
  process.stdout.write(lines.join('\n'));
}

/** Streamed formats side by side: first content event at c=1, whole streams per second under load, ratios to chat. */
export function printFormatStreamsReport(result: FormatStreamsResult): void {
  const chat = result.formats.find((entry) => entry.format.name === 'chat');
  const eventsText = (events: { min: number; max: number }) => (events.min === events.max ? String(events.min) : `${events.min}-${events.max}`);
  const idleWidths = [12, 6, 9, 9, 7, 7, 10, 10, 10, 10];
  const loadWidths = [26, 6, 9, 9, 7, 7, 7, 10, 10, 10, 8];
  const ratioWidths = [10, 10, 7, 10, 7, 10, 7];
  const lines = [
    '',
    'Streamed formats through the gateway (bench-model, same upstream): OpenAI chat completions, Anthropic Messages, OpenAI Responses',
    `first content = request sent to the first content event (${result.formats.map((entry) => `${entry.format.name}: ${entry.format.contentEvent}`).join('; ')}); total = to the end of the body`,
    '',
    row(['at c=1', 'secs', 'requests', 'whole', 'failed', 'events', 'first p50', 'first p95', 'total p50', 'total p95'], idleWidths),
    rule(idleWidths),
    ...result.formats.map(({ format, idle }) =>
      row(
        [
          format.name,
          idle.seconds.toFixed(1),
          String(idle.requests),
          String(idle.completed),
          String(idle.requests - idle.completed),
          eventsText(idle.events),
          ms(idle.firstContent.p50),
          ms(idle.firstContent.p95),
          ms(idle.total.p50),
          ms(idle.total.p95),
        ],
        idleWidths,
      ),
    ),
    '',
    row(['streamed under load', 'secs', 'requests', '2xx', 'non-2xx', 'errors', 'events', 'whole/s', 'p50 ms', 'p99 ms', 'CPU ms'], loadWidths),
    rule(loadWidths),
    ...result.formats.map(({ format, loaded }) =>
      row(
        [
          loaded.phase.label,
          loaded.phase.seconds.toFixed(1),
          String(loaded.phase.responses),
          String(loaded.phase.ok),
          String(loaded.phase.non2xx),
          String(loaded.phase.errors),
          eventsText(loaded.events),
          loaded.wholeRps.toFixed(0),
          ms(loaded.phase.p50),
          ms(loaded.phase.p99),
          loaded.gatewayCpuMs === undefined ? '-' : ms(loaded.gatewayCpuMs),
        ],
        loadWidths,
      ),
    ),
    '',
    'CPU ms: gateway CPU per stream under load (user + system, from /proc)',
    '',
    `against chat (first content: lower is better; RPS: higher is better; target within ${Math.round((targets.formatTtfbRatio - 1) * 100)} %)`,
    row(['format', 'first p50', 'ratio', 'first p95', 'ratio', 'RPS', 'ratio'], ratioWidths),
    rule(ratioWidths),
  ];
  const ratio = (value: number, base: number | undefined) => (base === undefined || !(base > 0) ? Number.NaN : value / base);
  for (const { format, idle, loaded } of result.formats) {
    lines.push(
      row(
        [
          format.name,
          ms(idle.firstContent.p50),
          ratio(idle.firstContent.p50, chat?.idle.firstContent.p50).toFixed(3),
          ms(idle.firstContent.p95),
          ratio(idle.firstContent.p95, chat?.idle.firstContent.p95).toFixed(3),
          loaded.wholeRps.toFixed(0),
          ratio(loaded.wholeRps, chat?.loaded.wholeRps).toFixed(3),
        ],
        ratioWidths,
      ),
    );
  }
  lines.push('', ...result.problems.map((problem) => `PROBLEM: ${problem}`), 'targets');
  for (const { format, idle, loaded } of result.formats.filter((entry) => entry !== chat)) {
    const ttfbRatio = ratio(idle.firstContent.p50, chat?.idle.firstContent.p50);
    const rpsRatio = ratio(loaded.wholeRps, chat?.loaded.wholeRps);
    lines.push(
      targetLine(`${format.name} first p50 / chat`, `<= ${targets.formatTtfbRatio.toFixed(2)}`, ttfbRatio.toFixed(3), ttfbRatio <= targets.formatTtfbRatio),
      targetLine(`${format.name} stream RPS / chat`, `>= ${targets.formatRpsRatio.toFixed(2)}`, rpsRatio.toFixed(3), rpsRatio >= targets.formatRpsRatio),
    );
  }
  lines.push('');
  process.stdout.write(lines.join('\n'));
}

/** Cache hits: the rate at c=50, client latency and the gateway's own time at c=1. */
export function printCacheReport(result: CacheBenchResult, problems: string[]): void {
  const { loaded, idle, serverTiming } = result;
  const lines = [
    '',
    `Response cache hits (model bench-cached, cache on for it alone): priming said ${result.prime.join(' then ')}`,
    '',
    ...phaseHeader(),
    ...[loaded, idle].map(phaseRow),
    '',
    `x-gateway-cache on 2xx: c=${loaded.connections} ${JSON.stringify(result.loadedCache)}, c=1 ${JSON.stringify(result.idleCache)}`,
    result.gatewayCost === undefined
      ? 'gateway CPU per hit: not measured (no /proc)'
      : `gateway at c=${loaded.connections}, per hit: ${result.gatewayCost.cpuMs.toFixed(3)} ms CPU (${(result.gatewayCost.coreShare * 100).toFixed(0)}% of one core)`,
    `server time per hit at c=1 (server-timing gateway;dur, ${serverTiming.samples} responses): p50 ${ms(serverTiming.p50)} ms, p99 ${ms(serverTiming.p99)} ms`,
    ...problems.map((problem) => `PROBLEM: ${problem}`),
    '',
    'targets',
    targetLine(`hit RPS at c=${loaded.connections}`, `>= ${targets.cacheHitRps}`, loaded.rps.toFixed(0), loaded.rps >= targets.cacheHitRps),
    targetLine('server time p50 at c=1 (ms)', `<= ${targets.cacheServerP50Ms}`, ms(serverTiming.p50), serverTiming.p50 <= targets.cacheServerP50Ms),
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

/** Billing checks over every phase: one usage row per gateway 2xx, one cache-hit row per HIT. */
export function printRecordChecks(records: RecordCounts, expected: { gateway2xx: number; hit2xx: number }): void {
  const check = (ok: boolean) => (ok ? 'OK' : 'MISMATCH');
  const lines = [
    '',
    `usage rows ${records.usageRows} vs gateway 2xx responses (all phases, warm-ups and priming included) ${expected.gateway2xx}: ${check(records.usageRows === expected.gateway2xx)}`,
    `usage rows with cache_hit ${records.cacheHitRows} vs HIT 2xx responses ${expected.hit2xx}: ${check(records.cacheHitRows === expected.hit2xx)} (settled after ${(records.settledMs / 1000).toFixed(1)} s)`,
    `requests rows by status: ${JSON.stringify(records.requestRows)}; by cache status: ${JSON.stringify(records.requestCacheRows)}`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
}
