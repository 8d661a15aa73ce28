import { Option } from 'commander';
import { z } from 'zod';
import { batchSchema } from './gateway-schemas.ts';

/**
 * The JSON documents the CLI composes itself (`--json`); the others are the gateway's answers as it
 * sent them. One document on stdout, nothing else there: human lines and progress go to stderr.
 */

/** A file the CLI wrote: where, how big, and which gateway file it came from (null: none existed). */
export const savedFileSchema = z.object({
  file_id: z.string().nullable(),
  path: z.string(),
  bytes: z.number().int(),
  lines: z.number().int(),
});
export type SavedFileSummary = z.infer<typeof savedFileSchema>;

export const savedBatchFileSchema = savedFileSchema.extend({ which: z.enum(['output', 'errors']) });
export type SavedBatchFile = z.infer<typeof savedBatchFileSchema>;

/** One failed line of a batch, from its error file. */
export const batchLineErrorSchema = z.object({ custom_id: z.string().nullable(), code: z.string().nullable(), message: z.string() });
export type BatchLineError = z.infer<typeof batchLineErrorSchema>;

export const batchResults = ['completed', 'completed_with_failures', 'not_completed'] as const;
export type BatchResult = (typeof batchResults)[number];

/** `batch submit --wait --json`, `batch wait --json`: how a batch ended, and the exit code that says so. */
export const batchOutcomeSchema = z.object({
  batch: batchSchema,
  result: z.enum(batchResults),
  exit_code: z.number().int(),
  /** From the batch's creation to its end. */
  elapsed_seconds: z.number(),
  /** The first lines of the error file (up to 5); the error file has them all. */
  first_errors: z.array(batchLineErrorSchema),
  saved: z.array(savedBatchFileSchema),
});
export type BatchOutcome = z.infer<typeof batchOutcomeSchema>;

/** `batch download --json`. */
export const batchDownloadSchema = z.object({ batch_id: z.string(), saved: z.array(savedBatchFileSchema) });

/** `files download --json`. */
export const fileDownloadSchema = savedFileSchema;

export const jsonOption = () => new Option('--json', 'print one JSON document on stdout (human text goes to stderr)');

export function writeJson(stream: NodeJS.WritableStream, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}
