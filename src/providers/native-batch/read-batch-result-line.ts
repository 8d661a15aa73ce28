import type { z } from 'zod';
import type { MalformedBatchLine } from './native-batch-types.ts';

/**
 * One line of a provider's results file (text, or JSON already parsed) through its wire schema: the
 * line, or why it is not one, naming its id (`idField`: `custom_id`, Gemini's `key`) when it got that
 * far. Never throws: a bad line fails alone.
 */
export function readBatchResultLine<Schema extends z.ZodType>(input: string | unknown, schema: Schema, idField: string): { kind: 'line'; line: z.output<Schema> } | MalformedBatchLine {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch {
      return { kind: 'malformed', message: `batch result line is not JSON: ${input.slice(0, 200)}` };
    }
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return { kind: 'line', line: parsed.data };
  const issue = parsed.error.issues[0];
  const id = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[idField] : undefined;
  return { kind: 'malformed', ...(typeof id === 'string' ? { customId: id } : {}), message: `unexpected batch result line: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}` };
}
