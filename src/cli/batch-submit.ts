import { randomUUID } from 'node:crypto';
import { basename, extname } from 'node:path';
import { z } from 'zod';
import { batchEndpoints, batchEndpointUrls, defaultBatchEndpoint } from './batch-endpoints.ts';
import { openBatchInput } from './batch-input.ts';
import { reportOutcome } from './batch-outcome.ts';
import { formatBytes } from './batch-results.ts';
import { writeLine, type CliContext } from './cli-context.ts';
import { CliError, exitCodes } from './cli-error.ts';
import { followBatch } from './follow-batch.ts';
import { batchSchema, fileSchema } from './gateway-schemas.ts';
import { writeJson } from './json-output.ts';
import { multipartJsonlUpload } from './multipart-upload.ts';
import { withRetries } from './retry-request.ts';
import { formatDuration } from './throughput-estimate.ts';

const positiveWholeNumber = 'a whole number of at least 1';

/** Where a batch's lines run (the gateway's `x-gateway-batch-mode` header); kept here so the CLI package needs no server module. */
export const batchModes = ['auto', 'native', 'gateway'] as const;

export const submitOptionsSchema = z.object({
  endpoint: z.enum(batchEndpointUrls, { error: `one of ${batchEndpointUrls.join(', ')}` }).default(defaultBatchEndpoint),
  model: z.string().min(1).optional(),
  system: z.string().optional(),
  dimensions: z.coerce.number({ error: positiveWholeNumber }).int({ error: positiveWholeNumber }).min(1, { error: positiveWholeNumber }).optional(),
  textColumn: z.string().min(1).optional(),
  idColumn: z.string().min(1).optional(),
  window: z.string().regex(/^\d+[smhd]$/, 'a duration such as 24h, 90m or 7d'),
  mode: z.enum(batchModes, { error: `one of ${batchModes.join(', ')}` }).optional(),
  wait: z.boolean().default(false),
  output: z.string().min(1).optional(),
  errors: z.string().min(1).optional(),
  json: z.boolean().default(false),
});
export type SubmitOptions = z.infer<typeof submitOptionsSchema>;

/** `batch submit`: upload, create, and (with --wait) follow the batch and fetch its results. */
export async function submitBatch(context: CliContext, path: string, options: SubmitOptions): Promise<number> {
  const client = context.apiClient();
  const { stdout, stderr } = context;
  if (!options.wait && (options.output || options.errors)) throw new CliError('--output and --errors need --wait (or use `batch download` later)');
  const { endpoint } = options;
  const inputOptions = { path, endpoint, model: options.model, system: options.system, dimensions: options.dimensions, textColumn: options.textColumn, idColumn: options.idColumn };
  let input = await openBatchInput(inputOptions);
  const name = basename(path);
  const what = input.format === 'texts' ? `texts as ${options.model} ${batchEndpoints[endpoint].textRequestsName}` : `${endpoint} batch requests`;
  writeLine(stderr, `Uploading ${name} (${what}) to ${client.baseUrl} …`);
  // One key per request of this invocation: a retry after a lost answer gets the first answer back
  // instead of uploading a second file or creating a second batch.
  const keys = { file: randomUUID(), batch: randomUUID() };
  const onRetry = (error: Error, attempt: number, delayMs: number) => writeLine(stderr, `${error.message}; retrying in ${formatDuration(delayMs / 1000)} (attempt ${attempt})`);

  const uploadStarted = performance.now();
  const file = await withRetries(
    async (attempt) => {
      // A retry sends the whole file again, read afresh: the first try's lines are spent.
      if (attempt > 1) input = await openBatchInput(inputOptions);
      const upload = multipartJsonlUpload({ filename: `${basename(name, extname(name))}.jsonl`, lines: input.lines });
      return client.postStream({ path: '/v1/files', contentType: upload.contentType, body: upload.body, bodyError: upload.sourceError, schema: fileSchema, idempotencyKey: keys.file });
    },
    { onRetry },
  );
  const uploadSeconds = (performance.now() - uploadStarted) / 1000;
  writeLine(stderr, `Uploaded ${input.count().toLocaleString('en-US')} requests (${formatBytes(file.bytes)}) as ${file.id} in ${formatDuration(uploadSeconds)}`);

  const batchRequest = {
    input_file_id: file.id,
    endpoint,
    completion_window: options.window,
    metadata: { source: 'llm-gateway-cli', input: name.slice(0, 512) },
  };
  const headers = options.mode ? { 'x-gateway-batch-mode': options.mode } : undefined;
  const created = await withRetries(() => client.json('POST', '/v1/batches', batchSchema, batchRequest, { idempotencyKey: keys.batch, ...(headers ? { headers } : {}) }), { onRetry });
  const createdAt = performance.now();
  if (!options.wait) {
    if (options.json) writeJson(stdout, created);
    else writeLine(stdout, created.id);
    writeLine(stderr, `Created ${created.id} (${created.status}). Follow it with: llm-gateway batch wait ${created.id} (or batch status ${created.id})`);
    return exitCodes.success;
  }
  if (options.json) writeLine(stderr, `Created ${created.id}`);
  else writeLine(stdout, created.id);

  const finished = await followBatch(context, client, created.id);
  // Timed here rather than by the gateway's clock: this invocation saw the batch from its creation.
  const elapsedSeconds = (performance.now() - createdAt) / 1000;
  return reportOutcome(context, client, finished, { output: options.output, errors: options.errors, json: options.json, elapsedSeconds });
}
