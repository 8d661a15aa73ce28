/**
 * Two results files of one benchmark side by side (see results.ts): every figure both hold, with the
 * ratio b/a, which way is better, and a flag where it moved by more than 10 %; then the targets.
 *
 *   npm run bench:compare -- bench/results/sync-A.json bench/results/sync-B.json
 *   npm run bench:compare            the newest result and the one before it of the same bench
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { formatFigure, resultsDirectory, type ResultsFile } from './results.ts';

/** Moves beyond this share either way are flagged. */
const threshold = 0.1;
const resultName = /^(.+)-(\d{8}T\d{6}Z)\.json$/;

/** The newest results file that has an earlier one of the same bench, and that earlier one. */
function newestPair(): [string, string] {
  const files = readdirSync(resultsDirectory, { withFileTypes: true })
    .map((entry) => ({ entry, match: resultName.exec(entry.name) }))
    .filter(({ entry, match }) => entry.isFile() && match)
    .map(({ entry, match }) => ({ path: join(resultsDirectory, entry.name), bench: match?.[1] ?? '', stamp: match?.[2] ?? '' }))
    .sort((first, second) => second.stamp.localeCompare(first.stamp));
  for (const [index, newest] of files.entries()) {
    const previous = files.slice(index + 1).find((file) => file.bench === newest.bench);
    if (previous) return [previous.path, newest.path];
  }
  throw new Error(`bench:compare needs two results of one bench in ${resultsDirectory}`);
}

function describe(label: string, path: string, results: ResultsFile): string {
  const edits = results.git.dirty ? ` with edits in ${results.git.changed.length} files` : '';
  const load = results.machine.loadAverageAtStart[0]?.toFixed(2) ?? '?';
  const checks = results.checksPassed ? 'checks passed' : 'CHECKS FAILED';
  return `${label}: ${basename(path)}  rev ${results.git.rev.slice(0, 7)}${edits}, ${results.date}, ${results.machine.cpus} CPUs, load ${load}, ${checks}`;
}

/** Ratio b/a; a move flagged beyond the threshold, named better or worse where the figure says which way is better. */
function compare(a: number, b: number, better: 'higher' | 'lower' | undefined): { ratio: string; flag: string } {
  if (a === b) return { ratio: '1.000', flag: '' };
  if (a === 0) return { ratio: '-', flag: 'moved' };
  const ratio = b / a;
  if (Math.abs(ratio - 1) <= threshold) return { ratio: ratio.toFixed(3), flag: '' };
  if (better === undefined || a < 0 || b < 0) return { ratio: ratio.toFixed(3), flag: 'moved' };
  const improved = better === 'higher' ? ratio > 1 : ratio < 1;
  return { ratio: ratio.toFixed(3), flag: improved ? 'better' : 'WORSE' };
}

function main(): void {
  const args = process.argv.slice(2);
  if (args.length !== 0 && args.length !== 2) throw new Error('usage: npm run bench:compare [-- <a.json> <b.json>]');
  const [pathA, pathB] = args.length === 2 ? [args[0] ?? '', args[1] ?? ''] : newestPair();
  const [a, b] = [pathA, pathB].map((path) => JSON.parse(readFileSync(path, 'utf8')) as ResultsFile) as [ResultsFile, ResultsFile];
  if (a.bench !== b.bench) process.stdout.write(`note: comparing a ${a.bench} result with a ${b.bench} one\n`);

  const settingNames = [...new Set([...Object.keys(a.settings), ...Object.keys(b.settings)])];
  const settingsChanged = settingNames.filter((name) => a.settings[name] !== b.settings[name]).map((name) => `${name} ${String(a.settings[name] ?? '-')} → ${String(b.settings[name] ?? '-')}`);
  const names = Object.keys(b.figures).filter((name) => name in a.figures);
  const rows = names.map((name) => {
    const before = a.figures[name]?.value ?? Number.NaN;
    const after = b.figures[name]?.value ?? Number.NaN;
    const better = b.figures[name]?.better;
    const { ratio, flag } = compare(before, after, better);
    return [name, formatFigure(before), formatFigure(after), ratio, better ? `${better} is better` : '', flag];
  });
  const header = ['figure', 'a', 'b', 'b/a', '', `beyond ±${threshold * 100} %`];
  const widths = header.map((cell, index) => Math.max(cell.length, ...rows.map((row) => (row[index] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, index) => (index === 0 || index >= 4 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0)))
      .join('  ')
      .trimEnd();

  const targetsB = new Map(b.targets.map((target) => [`${target.figure} ${target.target}`, target.met]));
  const metText = (met: boolean | undefined) => (met === undefined ? '-' : met ? 'met' : 'NOT MET');
  const onlyA = Object.keys(a.figures).filter((name) => !(name in b.figures)).length;
  const onlyB = Object.keys(b.figures).filter((name) => !(name in a.figures)).length;
  const flagged = rows.filter((row) => row[5] !== '').length;
  process.stdout.write(
    [
      describe('a', pathA, a),
      describe('b', pathB, b),
      settingsChanged.length > 0 ? `settings differ: ${settingsChanged.join('; ')}` : 'same settings',
      '',
      line(header),
      line(widths.map((width) => '-'.repeat(width))),
      ...rows.map(line),
      '',
      'targets (a → b)',
      ...a.targets.map((target) => `  ${target.figure} ${target.target}: ${metText(target.met)} → ${metText(targetsB.get(`${target.figure} ${target.target}`))}`),
      '',
      `${names.length} figures in both, ${flagged} moved beyond ±${threshold * 100} %; only in a: ${onlyA}, only in b: ${onlyB}`,
      '',
    ].join('\n'),
  );
}

main();
