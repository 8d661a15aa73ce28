import { z } from 'zod';
import { chatCompletionsPath } from '../operations/chat/chat-operation.ts';
import { embeddingsPath } from '../operations/embeddings/embeddings-operation.ts';
import { batchEndpoints, formatOutlines } from '../formats/batch-line-formats.ts';

/** The paths a batch line may call (one per operation, and the translated formats); a batch's lines must all call its `endpoint`. */
export { batchEndpoints };

/**
 * Postgres refuses btree index entries over ~2.7 kB and `custom_id` is indexed (unique per file):
 * 512 characters stay under 2 kB even in 4-byte UTF-8.
 */
export const maxCustomIdLength = 512;

const missingOr = (name: string, expected: string) => (issue: { input?: unknown }) => (issue.input === undefined ? `${name} is missing` : `${name} must be ${expected}`);

export const customIdSchema = z
  .string({ error: missingOr('custom_id', 'a string') })
  .min(1, { error: 'custom_id must not be empty' })
  .max(maxCustomIdLength, { error: `custom_id is longer than ${maxCustomIdLength} characters` });

/**
 * Only the outline of a request: a file is stored whatever its models. The deeper checks (roles,
 * parameters, the model being routable with the capabilities the body needs, the line's url matching
 * the batch's endpoint) run when a batch is created from it, under `batches.onInvalidLines`: the batch
 * is refused naming the lines, or those lines alone fail.
 */
export const batchRequestBodySchema = z.looseObject(
  {
    model: z.string({ error: missingOr('body.model', 'a string') }).min(1, { error: 'body.model must not be empty' }),
  },
  { error: missingOr('body', 'a JSON object') },
);

/** The outline each operation's body must have: what a line needs to be stored at all. */
const bodyOutlines = {
  [chatCompletionsPath]: z.looseObject({ messages: z.array(z.unknown(), { error: missingOr('body.messages', 'an array') }) }),
  [embeddingsPath]: z.looseObject({}).refine((body) => body['input'] !== undefined, { error: 'body.input is missing' }),
  ...formatOutlines,
} satisfies Record<(typeof batchEndpoints)[number], z.ZodType>;

/** One line of a batch input file, as OpenAI documents it. Unknown keys are tolerated. */
export const batchInputLineSchema = z
  .object(
    {
      custom_id: customIdSchema,
      method: z.literal('POST', { error: missingOr('method', '"POST"') }),
      url: z.enum(batchEndpoints, { error: missingOr('url', `one of ${batchEndpoints.map((path) => `"${path}"`).join(', ')}`) }),
      body: batchRequestBodySchema,
    },
    { error: 'the line must be a JSON object' },
  )
  .superRefine((line, context) => {
    const outline = bodyOutlines[line.url].safeParse(line.body);
    if (!outline.success) context.addIssue({ code: 'custom', message: outline.error.issues[0]?.message ?? 'body is not valid', path: ['body'] });
  });

export type BatchInputLine = z.infer<typeof batchInputLineSchema>;

export type LineCheck = { ok: true; customId: string } | { ok: false; reason: string };

/** Checks one (non-blank) line; the reason is phrased to follow `line N: `. */
export function checkBatchInputLine(text: string): LineCheck {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not valid JSON (${(error as Error).message})` };
  }
  const parsed = batchInputLineSchema.safeParse(value);
  if (!parsed.success) return { ok: false, reason: parsed.error.issues[0]?.message ?? 'not a valid batch request' };
  return { ok: true, customId: parsed.data.custom_id };
}

/** An inline batch request (`{custom_id, body}`), checked by the same rules as a file line. */
export const inlineBatchRequestSchema = z.object({ custom_id: customIdSchema, body: batchRequestBodySchema }, { error: 'each request must be a JSON object' });

const inlineOutlines = Object.fromEntries(
  batchEndpoints.map((url) => [
    url,
    inlineBatchRequestSchema.superRefine((request, context) => {
      const outline = bodyOutlines[url].safeParse(request.body);
      if (!outline.success) context.addIssue({ code: 'custom', message: outline.error.issues[0]?.message ?? 'body is not valid', path: ['body'] });
    }),
  ]),
);

export type InlineBatchRequest = z.infer<typeof inlineBatchRequestSchema>;

export type InlineCheck = { ok: true; customId: string; content: string } | { ok: false; reason: string };

/** Checks an inline request and renders it as the JSONL line an upload would have had, calling `url` (the batch's endpoint). */
export function checkInlineBatchRequest(value: unknown, url: (typeof batchEndpoints)[number] = chatCompletionsPath): InlineCheck {
  const parsed = (inlineOutlines[url] ?? inlineBatchRequestSchema).safeParse(value);
  if (!parsed.success) return { ok: false, reason: parsed.error.issues[0]?.message ?? 'not a valid batch request' };
  const { custom_id, body } = parsed.data;
  return { ok: true, customId: custom_id, content: JSON.stringify({ custom_id, method: 'POST', url, body }) };
}
