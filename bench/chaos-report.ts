/** What `bench/chaos.ts` prints: a table per run, the faults, what the gateway logged, the targets. */
import type { BatchLedger } from '../test/support/batch-ledger.ts';
import type { BatchCounts, LogTally } from './chaos-gateway.ts';

export const targets = { lost: 0, billedTwice: 0, fileDuplicates: 0, timeRatio: 1.5 };

export interface InjectedFault {
  name: string;
  /** The fraction of lines done it waited for, and the lines done when it fired. */
  fraction: number;
  doneAt: number;
  /** Seconds from `POST /v1/batches` to the fault, and how long injecting it took. */
  atSeconds: number;
  tookSeconds: number;
}

export interface RunResult {
  label: string;
  /** `completed`, another final status, or `timed out`. */
  status: string;
  counts: BatchCounts;
  uploadSeconds: number;
  /** From `POST /v1/batches` to the poll that saw it final (or to the time limit). */
  seconds: number;
  /** Seconds into the run at which 25 %, 50 % and 75 % of the lines were done. */
  milestones: number[];
  /** 1-minute load average when the run started (other work on the machine skews the times). */
  loadAverage: number;
  faults: InjectedFault[];
  /** Faults the batch ended before. */
  missedFaults: string[];
  /** Polls answered by an error or not at all (expected during the faults). */
  unavailablePolls: number;
  ledger: BatchLedger | undefined;
  logs: LogTally;
}

/** Lines billed more than once: counted twice by the batch, or usage rows beyond one per completed line. */
export const billedTwice = (ledger: BatchLedger) => ledger.countedTwice + Math.max(0, ledger.usageRows - ledger.completed);

const verdict = (met: boolean) => (met ? 'MET' : 'NOT MET');
const targetLine = (name: string, target: string, measured: string, met: boolean) => `  ${name.padEnd(36)} target ${target.padEnd(8)} measured ${measured.padStart(18)}     ${verdict(met)}`;

export function printRun(run: RunResult): void {
  const { ledger } = run;
  const lines = [
    '',
    `${run.label} run: ${run.status} in ${run.seconds.toFixed(1)} s (upload ${run.uploadSeconds.toFixed(1)} s before it), ${run.unavailablePolls} polls unanswered, 1-min load average at start ${run.loadAverage.toFixed(2)}`,
  ];
  const table: Record<string, string | number | boolean> = { 'batch status': run.status, request_counts: `${run.counts.completed} + ${run.counts.failed} failed of ${run.counts.total}` };
  if (ledger) {
    Object.assign(table, {
      'input lines': ledger.lines,
      'result rows': ledger.results,
      'completed / failed rows': `${ledger.completed} / ${ledger.failed}`,
      'lost (no result)': ledger.lost,
      'counted twice': ledger.countedTwice,
      'usage rows': ledger.usageRows,
      'billed twice': billedTwice(ledger),
      'completed without a usage row': Math.max(0, ledger.completed - ledger.usageRows),
      'cost = sum of usage rows': ledger.costAgrees,
      'output + error file lines': ledger.fileLines,
      'file duplicates': ledger.fileDuplicates,
    });
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  console.table(table);
  if (run.faults.length > 0) {
    console.table(
      run.faults.map((fault) => ({
        fault: fault.name,
        'at ≥': `${Math.round(fault.fraction * 100)} %`,
        'lines done': fault.doneAt,
        's into run': Number(fault.atSeconds.toFixed(1)),
        'took s': Number(fault.tookSeconds.toFixed(1)),
      })),
    );
    const last = run.faults.at(-1)!;
    if (run.missedFaults.length > 0) process.stdout.write(`NOT injected (the batch ended first): ${run.missedFaults.join(', ')}\n`);
    const after = run.seconds - last.atSeconds;
    process.stdout.write(`${run.status} ${after.toFixed(1)} s after the last fault (${last.name}) was injected, ${(after - last.tookSeconds).toFixed(1)} s after it was over\n`);
  }
  const logged = [...run.logs.entries].sort((a, b) => b[1].count - a[1].count);
  process.stdout.write(logged.length === 0 ? 'gateway logged nothing at warn or above\n' : 'gateway logs at warn and above (count, role level message — first error):\n');
  for (const [key, { count, example }] of logged.slice(0, 15)) process.stdout.write(`  ${String(count).padStart(7)}  ${key}${example ? ` — ${example}` : ''}\n`);
  if (logged.length > 15) process.stdout.write(`  … ${logged.length - 15} more kinds\n`);
}

/** The verdict lines; true when every correctness figure is 0 and both runs completed. */
export function printVerdict(faultFree: RunResult, chaos: RunResult | undefined): boolean {
  const runs = chaos ? [faultFree, chaos] : [faultFree];
  const completed = runs.every((run) => run.status === 'completed' && run.ledger !== undefined);
  const sum = (pick: (ledger: BatchLedger) => number) => runs.reduce((total, run) => total + (run.ledger ? pick(run.ledger) : 0), 0);
  const perRun = (pick: (ledger: BatchLedger) => number | string) => runs.map((run) => (run.ledger ? String(pick(run.ledger)) : '–')).join(' / ');
  const lost = sum((ledger) => ledger.lost);
  const twice = sum(billedTwice);
  const costAgrees = runs.every((run) => run.ledger?.costAgrees !== false);
  const duplicates = sum((ledger) => ledger.fileDuplicates);
  const ratio = chaos && chaos.status === 'completed' && faultFree.status === 'completed' ? chaos.seconds / faultFree.seconds : undefined;
  printSegments(runs);
  const lines = [
    `completion time (POST /v1/batches → completed): fault-free ${faultFree.seconds.toFixed(1)} s (${faultFree.status})${chaos ? `, chaos ${chaos.seconds.toFixed(1)} s (${chaos.status})` : ', chaos not run'}`,
    '',
    `targets (figures as ${chaos ? 'fault-free / chaos' : 'fault-free'})`,
    targetLine(
      'lines lost',
      `${targets.lost}`,
      perRun((ledger) => ledger.lost),
      completed && lost === targets.lost,
    ),
    targetLine('lines billed twice', `${targets.billedTwice}`, perRun(billedTwice), completed && twice === targets.billedTwice && costAgrees),
    targetLine(
      'lines in the output files twice',
      `${targets.fileDuplicates}`,
      perRun((ledger) => ledger.fileDuplicates),
      completed && duplicates === targets.fileDuplicates,
    ),
    targetLine('completion time chaos / fault-free', `<= ${targets.timeRatio}×`, ratio === undefined ? 'n/a' : `${ratio.toFixed(2)}×`, ratio !== undefined && ratio <= targets.timeRatio),
  ];
  if (!costAgrees) lines.push('  a batch cost differs from the sum of its usage rows: counted as lines billed twice NOT MET');
  if (!completed) lines.push(`  a run did not complete: ${runs.map((run) => `${run.label} ${run.status}`).join(', ')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return completed && lost === 0 && twice === 0 && costAgrees && duplicates === 0;
}

/** Seconds per quarter of progress in each run: which fault cost how much, and how noisy the machine was. */
function printSegments(runs: RunResult[]): void {
  const segments = ['0–25 %', '25–50 %', '50–75 %', '75–100 %'];
  const segmentSeconds = (run: RunResult) =>
    segments.map((_name, index) => {
      const end = index < run.milestones.length ? run.milestones[index] : index === segments.length - 1 && run.status === 'completed' ? run.seconds : undefined;
      return end === undefined ? undefined : end - (index === 0 ? 0 : (run.milestones[index - 1] ?? Number.NaN));
    });
  process.stdout.write("\nseconds per segment of progress (the chaos run's faults fire at the start of 25–50 %, 50–75 %, 75–100 %)\n");
  const cell = (seconds: number | undefined) => (seconds === undefined || Number.isNaN(seconds) ? '–' : Number(seconds.toFixed(1)));
  console.table(Object.fromEntries(segments.map((segment, index) => [segment, Object.fromEntries(runs.map((run) => [run.label, cell(segmentSeconds(run)[index])]))])));
}
