/**
 * The parts a sync answer's `Server-Timing` names (`gateway`, then `enqueue`, `queue`, `prepare`,
 * `limits`, `provider`, `record`), gathered over a phase: where the gateway's time per call goes.
 */
import { percentile, Samples } from './load.ts';

export class ServerTimingParts {
  private readonly parts = new Map<string, Samples>();
  /** 2xx answers without the parts (cache hits, answers from the record). */
  missing = 0;

  add(header: string | undefined): void {
    const entries = (header ?? '').split(',').map((entry) => /^\s*([\w-]+);(?:[^,]*;)?\s*dur=([\d.]+)/.exec(entry));
    if (!entries.some((match) => match?.[1] === 'provider')) {
      this.missing += 1;
      return;
    }
    for (const match of entries) {
      if (!match?.[1]) continue;
      let samples = this.parts.get(match[1]);
      if (!samples) this.parts.set(match[1], (samples = new Samples()));
      samples.push(Number(match[2]));
    }
  }

  /** p50 and p99 of each part, in the order first seen (the header's). */
  summary(): Array<{ name: string; p50: number; p99: number; samples: number }> {
    return [...this.parts].map(([name, samples]) => {
      const sorted = samples.sorted();
      return { name, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), samples: sorted.length };
    });
  }
}

/** The parts as printed lines: each part's p50 and p99, and what the parts leave of `gateway` (the API's own work). */
export function describeServerTimingParts(parts: ServerTimingParts, label: string): string[] {
  const summary = parts.summary();
  if (summary.length === 0) return [`${label}: no answer named its Server-Timing parts`];
  const gateway = summary.find((part) => part.name === 'gateway');
  const named = summary.filter((part) => part.name !== 'gateway');
  const lines = [`${label}: where the gateway's time per call went (Server-Timing, p50 / p99 ms over ${gateway?.samples ?? 0} calls)`];
  for (const part of summary) lines.push(`  ${part.name.padEnd(10)} ${part.p50.toFixed(3).padStart(8)} ${part.p99.toFixed(3).padStart(9)}`);
  if (gateway)
    lines.push(
      `  ${'API (rest)'.padEnd(10)} ${(gateway.p50 - named.reduce((sum, part) => sum + part.p50, 0)).toFixed(3).padStart(8)}   (gateway p50 less the parts' p50s: authentication, validation, planning, serialisation)`,
    );
  if (parts.missing > 0) lines.push(`  ${parts.missing} answers without the parts`);
  return lines;
}
