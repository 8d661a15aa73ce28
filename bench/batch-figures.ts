/** Every figure `bench/batch.ts` prints, by name, for its results file (see results.ts). */
import type { CallCost } from './accounting.ts';
import { addAccountingFigures } from './accounting-report.ts';
import type { BullmqFloor } from './bullmq-floor.ts';
import { Figures, type Better } from './results.ts';

/** A row of one of the bench's tables: a batch, or one provider batch of a native batch. */
export type Row = Record<string, string | number>;

/** Which way is better per column; a numeric column not listed is a count (neither). */
const betterByColumn: Record<string, Better> = {
  'upload s': 'lower',
  'e2e s': 'lower',
  'requests/s': 'higher',
  'ingest s': 'lower',
  'ingest lines/s': 'higher',
  'API peak RSS MB': 'lower',
  'worker peak RSS MB': 'lower',
  'upload+create s': 'lower',
  'first→last result s': 'lower',
};
/** Columns that name a row rather than measure it. */
const identityColumns = new Set(['operation', 'lines', 'workers', 'batch lines', 'provider batch']);

/** The numeric cells of `row` (numbers, or text that is a number) as `<name>.<column>`. */
function addRow(figures: Figures, name: string, row: Row): void {
  for (const [column, cell] of Object.entries(row)) {
    if (identityColumns.has(column)) continue;
    const value = typeof cell === 'number' ? cell : /^-?[\d.]+$/.test(cell) ? Number(cell) : undefined;
    figures.add(`${name}.${column}`, value, betterByColumn[column]);
  }
}

export function batchFigures(input: {
  results: Row[];
  nativeResults: Row[];
  nativeParts: Row[];
  /** The bench process over each native batch (its test server runs here). */
  nativeOwn: Array<{ lines: number; cpuSeconds: number; longestStallMs: number }>;
  costs: CallCost[];
  floor: BullmqFloor | undefined;
  targets: { requestsPerSecond: number; rssMb: number; ingestLinesPerSecond: number; workerScaling: { workers: number; ratio: number } };
}): Figures {
  const figures = new Figures();
  const { targets } = input;
  const rssTargets = (name: string, row: Row) => {
    for (const column of ['API peak RSS MB', 'worker peak RSS MB']) figures.target(`${name}.${column}`, `<= ${targets.rssMb}`, Number(row[column]) <= targets.rssMb);
  };
  const single = new Map<string, number>();
  for (const row of input.results) {
    const workers = Number(row.workers ?? 1);
    const name = workers === 1 ? `${row.operation} ${row.lines}` : `${row.operation} ${row.lines} x${workers} workers`;
    addRow(figures, name, row);
    if (workers === 1) single.set(`${row.operation} ${row.lines}`, Number(row['requests/s']));
    const base = single.get(`${row.operation} ${row.lines}`);
    if (workers > 1 && base !== undefined) {
      const ratio = Number(row['requests/s']) / base;
      figures.higher(`${name}.requests/s against 1 worker`, ratio);
      if (workers === targets.workerScaling.workers) figures.target(`${name}.requests/s against 1 worker`, `>= ${targets.workerScaling.ratio}`, ratio >= targets.workerScaling.ratio);
    }
    figures.target(`${name}.requests/s`, `>= ${targets.requestsPerSecond}`, Number(row['requests/s']) >= targets.requestsPerSecond);
    rssTargets(name, row);
  }
  for (const row of input.nativeResults) {
    const name = `native ${row.lines}`;
    addRow(figures, name, row);
    figures.target(`${name}.ingest lines/s`, `>= ${targets.ingestLinesPerSecond}`, Number(row['ingest lines/s']) >= targets.ingestLinesPerSecond);
    rssTargets(name, row);
  }
  const partsSeen = new Map<string | number, number>();
  for (const row of input.nativeParts) {
    const ordinal = (partsSeen.get(row['batch lines'] ?? '') ?? 0) + 1;
    partsSeen.set(row['batch lines'] ?? '', ordinal);
    addRow(figures, `native ${row['batch lines']} part ${ordinal}`, row);
  }
  for (const own of input.nativeOwn) {
    figures.lower(`native ${own.lines}.bench process CPU s`, own.cpuSeconds);
    figures.lower(`native ${own.lines}.bench process longest stall ms`, own.longestStallMs);
  }
  if (input.floor) {
    figures.add('BullMQ floor commands per chunk job', input.floor.commands);
    figures.add('BullMQ floor script calls per chunk job', input.floor.scripts);
  }
  for (const cost of input.costs) addAccountingFigures(figures, cost);
  return figures;
}
