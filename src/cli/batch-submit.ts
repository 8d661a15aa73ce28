import { randomUUID } from 'node:crypto';
import { basename, extname } from 'node:path';
import { z } from 'zod';
import { openBatchInput } from './batch-input.ts';
import { BatchProgress } from './batch-progress.ts';
import { formatBytes, saveBatchFiles } from './batch-results.ts';
import { writeLine, type CliContext } from './cli-context.ts';
import { CliError, exitCodes } from './cli-error.ts';
import type { GatewayClient } from './gateway-client.ts';
import { batchSchema, fileSchema, type Batch } from './gateway-schemas.ts';
import { multipartJsonlUpload } from './multipart-upload.ts';
import { withRetries } from './retry-request.ts';
import { formatDuration, formatRate } from './throughput-estimate.ts';
import { waitForBatch } from './wait-for-batch.ts';

export const submitOptionsSchema = z.object({
  model: z.string().min(1).optional(),
  system: z.string().optional(),
  textColumn: z.string().min(1).optional(),
  idColumn: z.string().min(1).optional(),
  window: z.string().regex(/^\d+[smhd]$/, 'a duration such as 24h, 90m or 7d'),
  wait: z.boolean().default(false),
  output: z.string().min(1).optional(),
  errors: z.string().min(1).optional(),
});
export type SubmitOptions = z.infer<typeof submitOptionsSchema>;

/** `batch submit`: upload, create, and (with --wait) follow the batch and fetch its results. */
export async function submitBatch(context: CliContext, path: string, options: SubmitOptions): Promise<number> {
  const client = context.apiClient();
  const { stdout, stderr } = context;
  if (!options.wait && (options.output || options.errors)) throw new CliError('--output and --errors need --wait (or use `batch download` later)');
  const inputOptions = { path, model: options.model, system: options.system, textColumn: options.textColumn, idColumn: options.idColumn };
  let input = await openBatchInput(inputOptions);
  const name = basename(path);
  const what = input.format === 'texts' ? `texts as ${options.model} chat requests` : 'batch requests';
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
    endpoint: '/v1/chat/completions',
    completion_window: options.window,
    metadata: { source: 'llm-gateway-cli', input: name.slice(0, 512) },
  };
  const created = await withRetries(() => client.json('POST', '/v1/batches', batchSchema, batchRequest, { idempotencyKey: keys.batch }), { onRetry });
  const createdAt = performance.now();
  writeLine(stdout, created.id);
  if (!options.wait) {
    writeLine(stderr, `Created ${created.id} (${created.status}). Follow it with: llm-gateway batch status ${created.id}`);
    return 0;
  }

  const finished = await followBatch(context, client, created.id);
  const seconds = (performance.now() - createdAt) / 1000;
  return reportFinished(context, client, finished, { ...options, seconds });
}

/** Waits with a progress bar; Ctrl-C stops waiting, not the batch. */
async function followBatch(context: CliContext, client: GatewayClient, batchId: string): Promise<Batch> {
  const progress = new BatchProgress({ stream: context.stderr });
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  process.once('SIGINT', onSignal);
  try {
    return await waitForBatch(client, batchId, {
      signal: interrupt.signal,
      onUpdate: (batch) => progress.update(batch),
      onTransientError: (error, attempt) => writeLine(context.stderr, `poll ${attempt} failed, retrying: ${error.message}`),
    });
  } catch (error) {
    if (interrupt.signal.aborted) {
      progress.stop();
      throw new CliError(`stopped waiting; ${batchId} keeps running on the gateway (llm-gateway batch status ${batchId}, or batch cancel ${batchId})`, {
        exitCode: exitCodes.interrupted,
      });
    }
    throw error;
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
  }
}

async function reportFinished(context: CliContext, client: GatewayClient, batch: Batch, options: SubmitOptions & { seconds: number }): Promise<number> {
  const { stdout, stderr } = context;
  const { completed, failed } = batch.request_counts;
  const rate = (completed + failed) / Math.max(options.seconds, 0.001);
  const total = batch.request_counts.total.toLocaleString('en-US');
  writeLine(stdout, `${batch.id} ${batch.status} in ${formatDuration(options.seconds)}: ${completed.toLocaleString('en-US')} completed, ${failed.toLocaleString('en-US')} failed of ${total} (${formatRate(rate)} req/s)`);

  await saveBatchFiles(context, client, batch, { output: options.output, errors: options.errors, outputToStdout: false });
  for (const error of batch.errors?.data ?? []) writeLine(stderr, `  ${error.code ?? 'error'}: ${error.message}${error.line ? ` (line ${error.line})` : ''}`);
  if (batch.status === 'completed') {
    if (failed > 0) writeLine(stderr, `${failed.toLocaleString('en-US')} request(s) failed; the error file says why`);
    return 0;
  }
  writeLine(stderr, `${batch.id} did not complete: it is ${batch.status}`);
  return exitCodes.batchNotCompleted;
}
