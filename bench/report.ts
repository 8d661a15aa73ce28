/** The table `bench/sync.ts` prints, with the targets next to the figures. */
import { availableParallelism } from 'node:os';
import type { PhaseResult } from './load.ts';

export const targets = { rps: 2_000, addedP50Ms: 1.5 };

export function printReport(input: {
  directLoaded: PhaseResult;
  gatewayLoaded: PhaseResult;
  directIdle: PhaseResult;
  gatewayIdle: PhaseResult;
  usageRows: number;
  gateway2xx: number;
  requestRows: Record<string, number>;
  gatewayCost: { cpuMs: number; coreShare: number; reads: number; writes: number } | undefined;
  /** 1-minute load average just before the load phases. */
  loadBefore: number;
}): void {
  const { directLoaded, gatewayLoaded, directIdle, gatewayIdle } = input;
  const ms = (value: number) => value.toFixed(3);
  const row = (cells: string[], widths: number[]) => cells.map((cell, index) => (index === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[index] ?? 0))).join('  ');
  const widths = [24, 6, 9, 9, 8, 7, 10, 10, 10];
  const lines = [
    '',
    `Sync chat benchmark: ${availableParallelism()} CPUs, 1-min load average before the phases ${input.loadBefore.toFixed(2)}; mock answers in 0 ms`,
    '',
    row(['phase', 'secs', 'requests', '2xx', 'non-2xx', 'errors', 'RPS', 'p50 ms', 'p99 ms'], widths),
    row(['-'.repeat(24), '-'.repeat(6), '-'.repeat(9), '-'.repeat(9), '-'.repeat(8), '-'.repeat(7), '-'.repeat(10), '-'.repeat(10), '-'.repeat(10)], widths),
    ...[directLoaded, gatewayLoaded, directIdle, gatewayIdle].map((result) =>
      row(
        [result.label, result.seconds.toFixed(1), String(result.responses), String(result.ok), String(result.non2xx), String(result.errors), result.rps.toFixed(0), ms(result.p50), ms(result.p99)],
        widths,
      ),
    ),
    '',
  ];
  const statuses = [directLoaded, gatewayLoaded, directIdle, gatewayIdle].filter((result) => result.non2xx > 0);
  for (const result of statuses) lines.push(`non-2xx in ${result.label}: ${JSON.stringify(result.statusCounts)}`);
  const ratio = gatewayLoaded.rps / directLoaded.rps;
  const addedP50 = gatewayIdle.p50 - directIdle.p50;
  const addedP99 = gatewayIdle.p99 - directIdle.p99;
  const verdict = (met: boolean) => (met ? 'MET' : 'NOT MET');
  lines.push(
    `gateway/direct RPS ratio at c=${gatewayLoaded.connections}: ${ratio.toFixed(3)}`,
    input.gatewayCost === undefined
      ? 'gateway CPU per request: not measured (no /proc)'
      : `gateway at c=${gatewayLoaded.connections}, per request: ${input.gatewayCost.cpuMs.toFixed(3)} ms CPU, ${input.gatewayCost.reads.toFixed(1)} read + ${input.gatewayCost.writes.toFixed(1)} write syscalls (${(input.gatewayCost.coreShare * 100).toFixed(0)}% of one core)`,
    `added latency at c=1 (gateway - direct): p50 ${ms(addedP50)} ms, p99 ${ms(addedP99)} ms`,
    '',
    'targets',
    `  gateway RPS at c=${gatewayLoaded.connections}       target >= ${targets.rps}     measured ${gatewayLoaded.rps.toFixed(0).padStart(8)}     ${verdict(gatewayLoaded.rps >= targets.rps)}`,
    `  added p50 at c=1 (ms)      target <= ${targets.addedP50Ms}      measured ${ms(addedP50).padStart(8)}     ${verdict(addedP50 <= targets.addedP50Ms)}`,
    '',
    `usage rows ${input.usageRows} vs gateway 2xx responses (all phases, warm-ups included) ${input.gateway2xx}: ${input.usageRows === input.gateway2xx ? 'OK' : 'MISMATCH'}`,
    `requests rows by status: ${JSON.stringify(input.requestRows)}`,
    '',
  );
  process.stdout.write(lines.join('\n'));
}

