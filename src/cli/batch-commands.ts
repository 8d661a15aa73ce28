import { Command, Option } from 'commander';
import { z } from 'zod';
import { batchEndpointUrls, defaultBatchEndpoint } from './batch-endpoints.ts';
import { batchElapsedSeconds, reportOutcome } from './batch-outcome.ts';
import { formatBatchSummary, formatBatchTable, countsText } from './batch-format.ts';
import { saveBatchFiles } from './batch-results.ts';
import { batchModes, submitBatch, submitOptionsSchema } from './batch-submit.ts';
import { contextOf, optionsOf, runAction, writeLine } from './cli-context.ts';
import { CliError, exitCodes } from './cli-error.ts';
import { followBatch } from './follow-batch.ts';
import type { GatewayClient } from './gateway-client.ts';
import { batchListSchema, batchSchema, terminalStatuses } from './gateway-schemas.ts';
import { jsonOption, writeJson } from './json-output.ts';

const batchPath = (id: string) => `/v1/batches/${encodeURIComponent(id)}`;
const getBatch = (client: GatewayClient, id: string) => client.json('GET', batchPath(id), batchSchema);
const jsonOnly = z.object({ json: z.boolean().default(false) });

const exitStatusHelp = (when: string) => `
Exit status ${when}:
  0    the batch completed and every line succeeded
  3    it completed, but some lines failed (the first 5 are printed on stderr)
  2    it failed, expired or was cancelled
  1    an error: input, HTTP, connection
  130  interrupted by Ctrl-C (the batch keeps running)`;

export function batchCommand(): Command {
  const batch = new Command('batch').description('submit and follow batches (OpenAI Batches API)');

  batch
    .command('submit')
    .description('upload a file of requests or texts and create a batch; prints its id')
    .argument('<file>', 'OpenAI batch JSONL ({custom_id, method, url, body} a line), or texts: a .csv/.tsv, or JSONL rows such as {"id": "…", "text": "…"}')
    .addOption(
      new Option('--endpoint <path>', "the batch's endpoint: texts become requests to it; batch JSONL lines must have it as their url (or no url)")
        .choices(batchEndpointUrls)
        .default(defaultBatchEndpoint),
    )
    .option('--model <model>', 'the model for texts (required for them); for batch JSONL, replaces every line’s body.model')
    .option('--system <text>', 'chat completions: a system message put before every text, e.g. "labels: positive, negative"')
    .option('--dimensions <n>', 'embeddings: the vector size to ask for, on models that can shorten theirs')
    .option('--text-column <column>', 'the column (or JSONL field) holding the text (default: text)')
    .option('--id-column <column>', 'the column giving each custom_id (default: id if present, else the row number)')
    .addOption(new Option('--window <duration>', 'completion window: 24h as OpenAI, or 30s…30d').default('24h'))
    .addOption(
      new Option(
        '--mode <mode>',
        "where lines run: auto (providers' own batch APIs where enabled, at about half the price), native (only there), gateway (the gateway's workers); default: the gateway's batches.mode",
      ).choices(batchModes),
    )
    .option('--wait', 'follow the batch with a progress bar until it ends, then fetch its results')
    .option('--output <file>', 'with --wait: write the output file (results JSONL) here')
    .option('--errors <file>', 'with --wait: write the error file here')
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Examples:
  llm-gateway batch submit reviews.csv --model mock-classifier --system "labels: positive, negative" \\
    --wait --output labels.jsonl
  llm-gateway batch submit passages.csv --endpoint /v1/embeddings --model text-embedding-3-small --dimensions 256 \\
    --wait --output vectors.jsonl

With --json: the batch object; with --wait --json, the outcome
{batch, result, exit_code, elapsed_seconds, first_errors, saved}.
${exitStatusHelp('with --wait')}`,
    )
    .action(runAction(async (file: string, _options: unknown, command: Command) => submitBatch(contextOf(command), file, optionsOf(command, submitOptionsSchema))));

  batch
    .command('wait')
    .description('follow a batch with a progress bar until it ends, then report (and fetch) its results')
    .argument('<id>', 'the batch id')
    .option('--output <file>', 'write the output file (results JSONL) here once it ends')
    .option('--errors <file>', 'write the error file here once it ends')
    .addOption(jsonOption())
    .addHelpText('after', `\nWith --json: the outcome {batch, result, exit_code, elapsed_seconds, first_errors, saved}.\n${exitStatusHelp('once the batch ends')}`)
    .action(
      runAction(async (id: string, _options: unknown, command: Command) => {
        const context = contextOf(command);
        const options = optionsOf(command, jsonOnly.extend({ output: z.string().min(1).optional(), errors: z.string().min(1).optional() }));
        const client = context.apiClient();
        const started = performance.now();
        const finished = await followBatch(context, client, id);
        const elapsedSeconds = batchElapsedSeconds(finished, (performance.now() - started) / 1000);
        return reportOutcome(context, client, finished, { ...options, elapsedSeconds });
      }),
    );

  batch
    .command('status')
    .description('show a batch: status, counts, times, files')
    .argument('<id>', 'the batch id')
    .option('--json', 'print the batch object as JSON')
    .action(
      runAction(async (id: string, _options: unknown, command: Command) => {
        const context = contextOf(command);
        const { json } = optionsOf(command, jsonOnly);
        const found = await getBatch(context.apiClient(), id);
        if (json) writeJson(context.stdout, found);
        else writeLine(context.stdout, formatBatchSummary(found));
        return exitCodes.success;
      }),
    );

  batch
    .command('cancel')
    .description('cancel a batch: lines not started are cancelled, finished ones are kept')
    .argument('<id>', 'the batch id')
    .addOption(jsonOption())
    .action(
      runAction(async (id: string, _options: unknown, command: Command) => {
        const context = contextOf(command);
        const { json } = optionsOf(command, jsonOnly);
        const cancelled = await context.apiClient().json('POST', `${batchPath(id)}/cancel`, batchSchema);
        if (json) writeJson(context.stdout, cancelled);
        else writeLine(context.stdout, `${cancelled.id} ${cancelled.status} (${countsText(cancelled)})`);
        return exitCodes.success;
      }),
    );

  batch
    .command('download')
    .description("write a finished batch's output (and error) file")
    .argument('<id>', 'the batch id')
    .option('--output <file>', 'where to write the output file (default: stdout, except with --json)')
    .option('--errors <file>', 'where to write the error file (default: only say it exists)')
    .addOption(jsonOption())
    .addHelpText('after', '\nWith --json: {batch_id, saved: [{which, file_id, path, bytes, lines}]}; the output file is written only where --output says.')
    .action(
      runAction(async (id: string, _options: unknown, command: Command) => {
        const context = contextOf(command);
        const options = optionsOf(command, jsonOnly.extend({ output: z.string().min(1).optional(), errors: z.string().min(1).optional() }));
        const client = context.apiClient();
        const found = await getBatch(client, id);
        if (!terminalStatuses.has(found.status)) {
          throw new CliError(`${found.id} is ${found.status} (${countsText(found)}); its files exist once it ends (llm-gateway batch wait ${found.id})`);
        }
        // With --json, stdout holds the JSON document: the output file goes to a path or nowhere.
        const saved = await saveBatchFiles(context, client, found, { output: options.output, errors: options.errors, outputToStdout: !options.json });
        if (options.json) writeJson(context.stdout, { batch_id: found.id, saved });
        return exitCodes.success;
      }),
    );

  batch
    .command('list')
    .description('list recent batches, newest first')
    .addOption(new Option('--limit <n>', 'how many (1–100)').default('20'))
    .option('--after <id>', 'list the batches after this one (pagination)')
    .option('--json', 'print the list as JSON')
    .action(
      runAction(async (_options: unknown, command: Command) => {
        const context = contextOf(command);
        const options = optionsOf(command, jsonOnly.extend({ limit: z.coerce.number().int().min(1).max(100), after: z.string().min(1).optional() }));
        const query = new URLSearchParams({ limit: String(options.limit), ...(options.after ? { after: options.after } : {}) });
        const page = await context.apiClient().json('GET', `/v1/batches?${query}`, batchListSchema);
        if (options.json) writeJson(context.stdout, page);
        else if (page.data.length === 0) writeLine(context.stderr, 'no batches');
        else writeLine(context.stdout, formatBatchTable(page.data));
        if (!options.json && page.has_more) writeLine(context.stderr, `more: llm-gateway batch list --after ${page.data.at(-1)?.id ?? ''}`);
        return exitCodes.success;
      }),
    );

  return batch;
}
