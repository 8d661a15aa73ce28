import { Command, Option } from 'commander';
import { z } from 'zod';
import { formatBatchSummary, formatBatchTable, countsText } from './batch-format.ts';
import { saveBatchFiles } from './batch-results.ts';
import { submitBatch, submitOptionsSchema } from './batch-submit.ts';
import { contextOf, optionsOf, writeLine } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import type { GatewayClient } from './gateway-client.ts';
import { batchListSchema, batchSchema, terminalStatuses } from './gateway-schemas.ts';

/** Runs an action and records its exit code; errors go to main's handler. */
const run =
  <A extends unknown[]>(action: (...args: A) => Promise<number>) =>
  async (...args: A): Promise<void> => {
    process.exitCode = await action(...args);
  };

const batchPath = (id: string) => `/v1/batches/${encodeURIComponent(id)}`;
const getBatch = (client: GatewayClient, id: string) => client.json('GET', batchPath(id), batchSchema);

export function batchCommand(): Command {
  const batch = new Command('batch').description('submit and follow batches (OpenAI Batches API)');

  batch
    .command('submit')
    .description('upload a file of requests or texts and create a batch; prints its id')
    .argument('<file>', 'OpenAI batch JSONL ({custom_id, method, url, body} a line), or texts: a .csv/.tsv, or JSONL rows such as {"id": "…", "text": "…"}')
    .option('--model <model>', 'the model for texts (required for them); for batch JSONL, replaces every line’s body.model')
    .option('--system <text>', 'a system message put before every text, e.g. "labels: positive, negative"')
    .option('--text-column <column>', 'the column (or JSONL field) holding the text (default: text)')
    .option('--id-column <column>', 'the column giving each custom_id (default: id if present, else the row number)')
    .addOption(new Option('--window <duration>', 'completion window: 24h as OpenAI, or 30s…30d').default('24h'))
    .option('--wait', 'follow the batch with a progress bar until it ends, then fetch its results')
    .option('--output <file>', 'with --wait: write the output file (results JSONL) here')
    .option('--errors <file>', 'with --wait: write the error file here')
    .addHelpText('after', '\nExit status with --wait: 0 when the batch completed (even with failed lines), 2 when it failed, expired or was cancelled.')
    .action(run(async (file: string, _options: unknown, command: Command) => submitBatch(contextOf(command), file, optionsOf(command, submitOptionsSchema))));

  batch
    .command('status')
    .description('show a batch: status, counts, times, files')
    .argument('<id>', 'the batch id')
    .option('--json', 'print the batch object as JSON')
    .action(
      run(async (id: string, _options: unknown, command: Command) => {
        const context = contextOf(command);
        const { json } = optionsOf(command, z.object({ json: z.boolean().default(false) }));
        const found = await getBatch(context.apiClient(), id);
        writeLine(context.stdout, json ? JSON.stringify(found, null, 2) : formatBatchSummary(found));
        return 0;
      }),
    );

  batch
    .command('cancel')
    .description('cancel a batch: lines not started are cancelled, finished ones are kept')
    .argument('<id>', 'the batch id')
    .action(
      run(async (id: string, _options: unknown, command: Command) => {
        const context = contextOf(command);
        const cancelled = await context.apiClient().json('POST', `${batchPath(id)}/cancel`, batchSchema);
        writeLine(context.stdout, `${cancelled.id} ${cancelled.status} (${countsText(cancelled)})`);
        return 0;
      }),
    );

  batch
    .command('download')
    .description("write a finished batch's output (and error) file")
    .argument('<id>', 'the batch id')
    .option('--output <file>', 'where to write the output file (default: stdout)')
    .option('--errors <file>', 'where to write the error file (default: only say it exists)')
    .action(
      run(async (id: string, _options: unknown, command: Command) => {
        const context = contextOf(command);
        const options = optionsOf(command, z.object({ output: z.string().min(1).optional(), errors: z.string().min(1).optional() }));
        const client = context.apiClient();
        const found = await getBatch(client, id);
        if (!terminalStatuses.has(found.status)) {
          throw new CliError(`${found.id} is ${found.status} (${countsText(found)}); its files exist once it ends (see llm-gateway batch status ${found.id})`);
        }
        await saveBatchFiles(context, client, found, { ...options, outputToStdout: true });
        return 0;
      }),
    );

  batch
    .command('list')
    .description('list recent batches, newest first')
    .addOption(new Option('--limit <n>', 'how many (1–100)').default('20'))
    .option('--after <id>', 'list the batches after this one (pagination)')
    .option('--json', 'print the list as JSON')
    .action(
      run(async (_options: unknown, command: Command) => {
        const context = contextOf(command);
        const options = optionsOf(command, z.object({ limit: z.coerce.number().int().min(1).max(100), after: z.string().min(1).optional(), json: z.boolean().default(false) }));
        const query = new URLSearchParams({ limit: String(options.limit), ...(options.after ? { after: options.after } : {}) });
        const page = await context.apiClient().json('GET', `/v1/batches?${query}`, batchListSchema);
        if (options.json) writeLine(context.stdout, JSON.stringify(page, null, 2));
        else if (page.data.length === 0) writeLine(context.stderr, 'no batches');
        else writeLine(context.stdout, formatBatchTable(page.data));
        if (!options.json && page.has_more) writeLine(context.stderr, `more: llm-gateway batch list --after ${page.data.at(-1)?.id ?? ''}`);
        return 0;
      }),
    );

  return batch;
}
