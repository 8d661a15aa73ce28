/**
 * A benchmark's figures as JSON, `bench/results/<bench>-<timestamp>.json`, for `npm run bench:compare`:
 * every figure by name with which way is better, the targets, and what the run ran on (git revision,
 * date, CPUs, load average).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';

export const resultsDirectory = resolve(import.meta.dirname, 'results');

export type Better = 'higher' | 'lower';

export interface Figure {
  value: number;
  /** Absent: neither (a count, a duration the run chose). */
  better?: Better;
}

export interface TargetResult {
  /** The figure it applies to. */
  figure: string;
  target: string;
  met: boolean;
}

export interface ResultsFile {
  bench: string;
  date: string;
  git: { rev: string; dirty: boolean; changed: string[] };
  machine: { cpus: number; loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
  settings: Record<string, string | number | boolean>;
  /** The run's correctness checks (every answer billed, every line present): a failed run's speed means little. */
  checksPassed: boolean;
  figures: Record<string, Figure>;
  targets: TargetResult[];
}

/** 0.123, 12.35, 123.5, 1,235 (and whole numbers whole): enough digits to tell runs apart, no more. */
export function formatFigure(value: number): string {
  if (!Number.isFinite(value)) return '-';
  const magnitude = Math.abs(value);
  if (magnitude >= 1000 || Number.isInteger(value)) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(magnitude >= 100 ? 1 : magnitude >= 10 ? 2 : 3);
}

/** Figures by name, in the order they were added; values that are not finite numbers are left out. */
export class Figures {
  readonly figures: Record<string, Figure> = {};
  readonly targets: TargetResult[] = [];

  add(name: string, value: number | undefined, better?: Better): void {
    if (value === undefined || !Number.isFinite(value)) return;
    this.figures[name] = better === undefined ? { value } : { value, better };
  }

  higher(name: string, value: number | undefined): void {
    this.add(name, value, 'higher');
  }

  lower(name: string, value: number | undefined): void {
    this.add(name, value, 'lower');
  }

  target(figure: string, target: string, met: boolean): void {
    this.targets.push({ figure, target, met });
  }
}

/** The checked-out revision and whether tracked files differ from it (the build may include those edits). */
function gitState(): ResultsFile['git'] {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: resolve(import.meta.dirname, '..'), encoding: 'utf8' });
  try {
    // Porcelain lines are `XY path`: the status takes the first two columns, even when X is a space.
    const changed = git('status', '--porcelain', '--untracked-files=no')
      .split('\n')
      .filter((line) => line.length > 3)
      .map((line) => line.slice(3));
    return { rev: git('rev-parse', 'HEAD').trim(), dirty: changed.length > 0, changed };
  } catch {
    return { rev: 'unknown', dirty: false, changed: [] };
  }
}

/** Writes `bench/results/<bench>-<UTC timestamp>.json`; returns its path. */
export async function writeResults(options: { bench: string; settings: ResultsFile['settings']; checksPassed: boolean; figures: Figures; loadAverageAtStart: number[] }): Promise<string> {
  const date = new Date();
  const results: ResultsFile = {
    bench: options.bench,
    date: date.toISOString(),
    git: gitState(),
    machine: { cpus: availableParallelism(), loadAverageAtStart: options.loadAverageAtStart, loadAverageAtEnd: loadavg() },
    settings: options.settings,
    checksPassed: options.checksPassed,
    figures: options.figures.figures,
    targets: options.figures.targets,
  };
  await mkdir(resultsDirectory, { recursive: true });
  const stamp = date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const path = join(resultsDirectory, `${options.bench}-${stamp}.json`);
  await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
  return path;
}
