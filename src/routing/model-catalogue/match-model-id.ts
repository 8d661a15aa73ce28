import type { ModelMatch } from './model-definition.ts';

const compiled = new Map<string, RegExp>();

function regex(source: string): RegExp {
  let pattern = compiled.get(source);
  if (!pattern) {
    pattern = new RegExp(source);
    compiled.set(source, pattern);
  }
  return pattern;
}

/** Whether a model id satisfies a match rule, as `@pydantic/genai-prices` reads them (case-insensitive except `regex`). */
export function matchesModelId(match: ModelMatch, modelId: string): boolean {
  const id = modelId.toLowerCase();
  if ('or' in match) return match.or.some((rule) => matchesModelId(rule, modelId));
  if ('and' in match) return match.and.every((rule) => matchesModelId(rule, modelId));
  if ('equals' in match) return id === match.equals.toLowerCase();
  if ('starts_with' in match) return id.startsWith(match.starts_with.toLowerCase());
  if ('ends_with' in match) return id.endsWith(match.ends_with.toLowerCase());
  if ('contains' in match) return id.includes(match.contains.toLowerCase());
  return regex(match.regex).test(modelId);
}

const compactDate = /(-)(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|$)/g;

/** `claude-x-20250929` → `claude-x-2025-09-29`: the package's second try for dated snapshots. */
export function normaliseSnapshotDate(modelId: string): string {
  return modelId.replace(compactDate, (whole: string, dash: string, year: string, month: string, day: string) => {
    const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
    return date.getUTCDate() === Number(day) ? `${dash}${year}-${month}-${day}` : whole;
  });
}
