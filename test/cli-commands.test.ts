import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { apiKeyListSchema, apiKeySchema, batchListSchema, createdKeySchema, batchSchema, fileListSchema, modelListSchema, terminalStatuses, usageReportSchema } from '../src/cli/gateway-schemas.ts';
import { batchDownloadSchema, batchOutcomeSchema, fileDownloadSchema, type BatchOutcome } from '../src/cli/json-output.ts';
import { buildCli, type BuiltCli, type CliRun } from './support/built-cli.ts';
import { startTestGateway, testAdminKey, type TestGateway } from './support/test-gateway.ts';

/** `--json` output: the whole of stdout is one JSON document, and it matches the schema. */
function jsonOf<T>(run: CliRun, schema: z.ZodType<T>): T {
  expect(run.stderr).not.toContain('llm-gateway:');
  return schema.parse(JSON.parse(run.stdout));
}

const lastLine = (run: CliRun) => run.stderr.trim().split('\n').at(-1);
const failure = 'mock provider failed with HTTP 400 as asked';

/** The commands beside `batch submit`, each against a whole gateway on the mock provider. */
// Many child processes on a shared machine: more time than a unit test gets.
describe('llm-gateway CLI: batch wait/list, files, keys, usage, models', { timeout: 60_000 }, () => {
  let harness: TestGateway;
  let built: BuiltCli;
  let directory: string;
  let environment: Record<string, string>;
  const start = (args: string[], extra: Record<string, string> = {}) => built.start(args, { ...environment, ...extra });
  const cli = (args: string[], extra: Record<string, string> = {}) => start(args, extra).done;
  const admin = { GATEWAY_ADMIN_KEY: testAdminKey };
  /** Batch lines written to a file: `fail` lines ask the mock provider for an HTTP 400. */
  const writeBatchInput = async (name: string, count: number, options: { model: string; fail?: (index: number) => boolean }) => {
    const lines = Array.from({ length: count }, (_unused, index) => ({
      custom_id: `row-${index + 1}`,
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model: options.model, messages: [{ role: 'user', content: options.fail?.(index + 1) ? 'mock:error:400' : `hello ${index + 1}` }] },
    }));
    const path = join(directory, name);
    await writeFile(path, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
    return path;
  };

  beforeAll(async () => {
    built = await buildCli();
    harness = await startTestGateway({
      config: {
        providers: {
          mock: { type: 'mock', concurrency: 32 },
          slow: { type: 'mock', latencyMs: 250, concurrency: 2 },
        },
        models: {
          'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] },
          'slow-echo': { routes: [{ provider: 'slow', model: 'echo' }], pricing: { inputPerMillion: 1000, outputPerMillion: 2000 } },
          // An upstream model the catalogue does not know: no limits, no price.
          'unlisted-echo': { routes: [{ provider: 'mock', model: 'unlisted' }] },
        },
      },
    });
    directory = await mkdtemp(join(tmpdir(), 'llm-gateway-cli-commands-'));
    environment = { GATEWAY_URL: harness.url, GATEWAY_API_KEY: (await harness.createKey('cli-commands')).key };
  });
  afterAll(async () => {
    await harness?.close();
    await built?.remove();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('batch list shows a submitted batch; batch wait follows it while it runs and exits 0 with its counts', async () => {
    const input = await writeBatchInput('slow.jsonl', 24, { model: 'slow-echo' });
    const submitted = await cli(['batch', 'submit', input]);
    expect(submitted.code).toBe(0);
    const batchId = submitted.stdout.trim();
    expect(batchId).toMatch(/^batch_\w+$/);
    expect(submitted.stderr).toContain(`llm-gateway batch wait ${batchId}`);

    // Still running when the waits start: 24 lines two at a time at 250 ms take about 3 s.
    const status = await fetch(`${harness.url}/v1/batches/${batchId}`, { headers: { authorization: `Bearer ${environment.GATEWAY_API_KEY}` } });
    expect(terminalStatuses.has(batchSchema.parse(await status.json()).status)).toBe(false);
    const output = join(directory, 'slow-out.jsonl');
    const waits = [start(['batch', 'wait', batchId, '--output', output]), start(['batch', 'wait', batchId, '--json'])] as const;

    const [table, json, page] = await Promise.all([cli(['batch', 'list']), cli(['batch', 'list', '--json']), cli(['batch', 'list', '--limit', '1'])]);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID +STATUS +DONE\/TOTAL +FAILED +CREATED$/);
    expect(table.stdout).toMatch(new RegExp(`^${batchId} +(validating|in_progress|finalizing) +\\d+/24 +0 +\\d{4}-\\d{2}-\\d{2} `, 'm'));
    const listed = jsonOf(json, batchListSchema);
    expect(listed.data.find((batch) => batch.id === batchId)?.request_counts.total).toBe(24);
    expect(page.stdout.trim().split('\n')).toHaveLength(2);

    const [human, machine] = await Promise.all([waits[0].done, waits[1].done]);
    expect(human.stderr).not.toContain('llm-gateway:');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^${batchId} completed in .+: 24 completed, 0 failed of 24 \\(.+ req/s\\)\\n$`));
    // The progress it followed, as plain lines off a terminal: at least one before the end.
    expect(human.stderr).toMatch(new RegExp(`^${batchId} (validating|in_progress|finalizing): \\d+/24 `, 'm'));
    expect(human.stderr).toMatch(/output: 24 lines \(.+\) → .*slow-out\.jsonl/);
    const outputLines = (await readFile(output, 'utf8')).trim().split('\n');
    expect(outputLines.map((line) => (JSON.parse(line) as { custom_id: string }).custom_id).sort()).toEqual(Array.from({ length: 24 }, (_unused, index) => `row-${index + 1}`).sort());

    expect(machine.code).toBe(0);
    const outcome = jsonOf(machine, batchOutcomeSchema);
    expect(outcome).toMatchObject({ result: 'completed', exit_code: 0, first_errors: [], saved: [] });
    expect(outcome.batch).toMatchObject({ id: batchId, status: 'completed', request_counts: { total: 24, completed: 24, failed: 0 } });
    expect(outcome.elapsed_seconds).toBeGreaterThan(0);
  });

  it('a batch with failed lines: submit --wait and batch wait exit 3 and print the first errors', async () => {
    const failing = new Set([2, 4, 5, 6, 8, 10, 11]);
    const input = await writeBatchInput('some-fail.jsonl', 12, { model: 'mock-echo', fail: (line) => failing.has(line) });
    const errors = join(directory, 'some-fail-errors.jsonl');
    const submitted = await cli(['batch', 'submit', input, '--wait', '--errors', errors]);
    expect(submitted.code).toBe(3);
    const [batchId, summary] = submitted.stdout.trim().split('\n');
    expect(summary).toMatch(new RegExp(`^${batchId} completed in .+: 5 completed, 7 failed of 12 `));
    const shown = ['row-2', 'row-4', 'row-5', 'row-6', 'row-8'].map((id) => `  ${id}: mock_error: ${failure}\n`).join('');
    expect(submitted.stderr).toContain(`7 request(s) failed; the first 5:\n${shown}  … and 2 more in the error file\n`);
    expect((await readFile(errors, 'utf8')).trim().split('\n')).toHaveLength(7);

    const [waitedJson, waitedHuman] = await Promise.all([cli(['batch', 'wait', batchId!, '--json']), cli(['batch', 'wait', batchId!])]);
    expect(waitedJson.code).toBe(3);
    const outcome = jsonOf(waitedJson, batchOutcomeSchema);
    expect(outcome).toMatchObject({ result: 'completed_with_failures', exit_code: 3, batch: { status: 'completed', request_counts: { total: 12, completed: 5, failed: 7 } } });
    expect(outcome.first_errors).toEqual(['row-2', 'row-4', 'row-5', 'row-6', 'row-8'].map((id) => ({ custom_id: id, code: 'mock_error', message: failure })));
    // Human lines still go to stderr with --json.
    expect(waitedJson.stderr).toContain('7 request(s) failed; the first 5:');
    expect(waitedHuman.code).toBe(3);
    expect(waitedHuman.stdout).toMatch(new RegExp(`^${batchId} completed in .+: 5 completed, 7 failed of 12 `));
    expect(waitedHuman.stderr).toContain(`  row-2: mock_error: ${failure}\n`);

    const again = join(directory, 'some-fail-errors-again.jsonl');
    const downloaded = await cli(['batch', 'download', batchId!, '--errors', again, '--json']);
    expect(downloaded.code).toBe(0);
    const errorFileId = outcome.batch.error_file_id;
    expect(jsonOf(downloaded, batchDownloadSchema)).toEqual({ batch_id: batchId, saved: [{ which: 'errors', file_id: errorFileId, path: again, bytes: expect.any(Number), lines: 7 }] });
    expect(await readFile(again, 'utf8')).toBe(await readFile(errors, 'utf8'));
  });

  it('a batch whose every line failed is not a success', async () => {
    const input = await writeBatchInput('all-fail.jsonl', 3, { model: 'mock-echo', fail: () => true });
    const run = await cli(['batch', 'submit', input, '--wait', '--json']);
    expect(run.code).toBe(3);
    const outcome: BatchOutcome = jsonOf(run, batchOutcomeSchema);
    expect(outcome).toMatchObject({ result: 'completed_with_failures', exit_code: 3, batch: { request_counts: { total: 3, completed: 0, failed: 3 } } });
    expect(outcome.first_errors.map((error) => error.custom_id)).toEqual(['row-1', 'row-2', 'row-3']);
    expect(run.stderr).toContain('3 request(s) failed; the first 3:\n');
  });

  it('files list and download: the content is the upload, byte for byte, to a file or stdout', async () => {
    const line = (id: string, text: string) =>
      JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'mock-echo', messages: [{ role: 'user', content: text }] } });
    const content = `${line('a', 'café → ünïcode')}\n${line('b', 'second')}\n`;
    const form = new FormData();
    form.append('purpose', 'batch');
    form.append('file', new Blob([content]), 'cli-upload.jsonl');
    const uploaded = await fetch(`${harness.url}/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${environment.GATEWAY_API_KEY}` }, body: form });
    expect(uploaded.status).toBe(200);
    const { id: fileId } = (await uploaded.json()) as { id: string };

    const saved = join(directory, 'downloaded.jsonl');
    const [table, json, toFile, toStdout] = await Promise.all([
      cli(['files', 'list']),
      cli(['files', 'list', '--json', '--purpose', 'batch', '--limit', '100']),
      cli(['files', 'download', fileId, '-o', saved]),
      cli(['files', 'download', fileId]),
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID +PURPOSE +SIZE +CREATED +FILENAME$/);
    expect(table.stdout).toMatch(new RegExp(`^${fileId} +batch +${Buffer.byteLength(content)} B +\\d{4}-\\d{2}-\\d{2} [\\d:]+Z +cli-upload\\.jsonl$`, 'm'));
    const listed = jsonOf(json, fileListSchema).data.find((file) => file.id === fileId);
    expect(listed).toMatchObject({ filename: 'cli-upload.jsonl', purpose: 'batch', bytes: Buffer.byteLength(content) });

    expect(toFile.code).toBe(0);
    expect(toFile.stdout).toBe('');
    expect(await readFile(saved, 'utf8')).toBe(content);
    expect(toFile.stderr).toContain(`${fileId}: 2 lines`);
    expect(toStdout.code).toBe(0);
    expect(toStdout.stdout).toBe(content);

    const summaryPath = join(directory, 'downloaded-again.jsonl');
    const [summary, noPath, unknown] = await Promise.all([
      cli(['files', 'download', fileId, '--output', summaryPath, '--json']),
      cli(['files', 'download', fileId, '--json']),
      cli(['files', 'download', 'file-doesnotexist']),
    ]);
    expect(jsonOf(summary, fileDownloadSchema)).toEqual({ file_id: fileId, path: summaryPath, bytes: Buffer.byteLength(content), lines: 2 });
    expect(await readFile(summaryPath, 'utf8')).toBe(content);
    expect(noPath).toMatchObject({ code: 1, stdout: '' });
    expect(lastLine(noPath)).toBe('llm-gateway: --json prints a summary on stdout, so the content needs a file: add --output <path>');
    expect(unknown.code).toBe(1);
    expect(lastLine(unknown)).toMatch(/^llm-gateway: .*file-doesnotexist.* \[HTTP 404 not_found, GET \/v1\/files\/file-doesnotexist\/content\]$/);
  });

  it('keys list shows a key made through the API; keys revoke makes the gateway refuse it', async () => {
    const created = await harness.createKey('cli-keys-revoke');
    const models = () => fetch(`${harness.url}/v1/models`, { headers: { authorization: `Bearer ${created.key}` } }).then((response) => response.status);
    expect(await models()).toBe(200);

    const [table, json, noAdmin, createdByCli] = await Promise.all([
      cli(['keys', 'list'], admin),
      cli(['keys', 'list', '--project', 'cli-keys-revoke', '--json'], admin),
      cli(['keys', 'list']),
      cli(['keys', 'create', '--project', 'cli-keys-json', '--name', 'json', '--json'], admin),
    ]);
    expect(jsonOf(createdByCli, createdKeySchema)).toMatchObject({ name: 'json', project: 'cli-keys-json', key: expect.stringMatching(/^gw-/) });
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID +NAME +PROJECT +PREFIX +CREATED +STATUS$/);
    expect(table.stdout).toMatch(new RegExp(`^${created.id} +key_\\w+ +cli-keys-revoke +${created.key.slice(0, 6)}\\S* +\\d{4}-[\\d: -]+Z +active$`, 'm'));
    expect(table.stdout).not.toContain(created.key);
    const listed = jsonOf(json, apiKeyListSchema);
    expect(listed.data.map((key) => [key.id, key.project, key.revoked_at])).toEqual([[created.id, 'cli-keys-revoke', null]]);
    expect(noAdmin.code).toBe(1);
    expect(lastLine(noAdmin)).toBe('llm-gateway: no admin key: set GATEWAY_ADMIN_KEY or pass --admin-key');

    const revoked = await cli(['keys', 'revoke', created.id], admin);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^${created.id} revoked \\d{4}-\\d{2}-\\d{2} [\\d:]+Z \\('key_\\w+' in project cli-keys-revoke\\)\\n$`));
    expect(await models()).toBe(401);

    const [again, after, unknown] = await Promise.all([
      cli(['keys', 'revoke', created.id, '--json'], admin),
      cli(['keys', 'list', '--project', 'cli-keys-revoke'], admin),
      cli(['keys', 'revoke', 'key_doesnotexist'], admin),
    ]);
    expect(again.code).toBe(0);
    const key = jsonOf(again, apiKeySchema);
    expect(key.id).toBe(created.id);
    expect(key.revoked_at).toBeGreaterThan(0);
    expect(after.stdout).toMatch(new RegExp(`^${created.id} .* revoked \\d{4}-`, 'm'));
    expect(unknown.code).toBe(1);
    expect(lastLine(unknown)).toMatch(/\[HTTP 404 not_found, DELETE \/admin\/keys\/key_doesnotexist\]$/);
  });

  it('usage: a table and --json of what the batches above used, by model', async () => {
    // 24 slow-echo lines, then 12 + 3 mock-echo lines of which 10 failed (earlier tests of this file).
    const expected = { 'slow-echo': { requests: 24, errors: 0 }, 'mock-echo': { requests: 15, errors: 10 } };
    const read = async () => {
      const response = await fetch(`${harness.url}/v1/usage?group_by=model`, { headers: { authorization: `Bearer ${environment.GATEWAY_API_KEY}` } });
      return usageReportSchema.parse(await response.json()).total.requests;
    };
    await expect.poll(read, { timeout: 15_000, interval: 100 }).toBe(39);

    const [json, table, total, invalid] = await Promise.all([
      cli(['usage', '--group-by', 'model', '--json']),
      cli(['usage', '--group-by', 'model']),
      cli(['usage', '--from', new Date(Date.now() - 3_600_000).toISOString(), '--to', new Date(Date.now() + 3_600_000).toISOString()]),
      cli(['usage', '--from', 'yesterday-ish']),
    ]);
    const report = jsonOf(json, usageReportSchema);
    expect(report.group_by).toEqual(['model']);
    expect(Object.fromEntries(report.data.map((row) => [row.model, { requests: row.requests, errors: row.errors }]))).toEqual(expected);
    expect(Number(report.data.find((row) => row.model === 'slow-echo')?.cost)).toBeGreaterThan(0);

    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^MODEL +REQUESTS +ERRORS +CACHE HITS +INPUT TOKENS +OUTPUT TOKENS +COST \$ +P50 MS +P95 MS$/);
    expect(table.stdout).toMatch(/^slow-echo +24 +0 +0 +[\d,]+ +[\d,]+ +\d+\.\d{2,} +/m);
    expect(table.stdout).toMatch(/^mock-echo +15 +10 +0 +/m);
    expect(lines.at(-1)).toMatch(/^TOTAL +39 +10 +0 +[\d,]+ +[\d,]+ +\d+\.\d{2,} /);
    expect(table.stderr).toMatch(/^usage from \d{4}-.+Z to \d{4}-.+Z, by model\n$/);

    expect(total.code).toBe(0);
    expect(total.stdout.trim().split('\n')).toHaveLength(2);
    expect(total.stdout.split('\n')[1]).toMatch(/^ +39 +10 +/);
    expect(invalid.code).toBe(1);
    expect(lastLine(invalid)).toMatch(/^llm-gateway: Invalid 'from': 'yesterday-ish' .*\[HTTP 400 invalid_request_body, GET \/v1\/usage\?from=yesterday-ish\]$/);
  });

  it('models: each model with its limits and prices; --json parses', async () => {
    const [json, table] = await Promise.all([cli(['models', '--json']), cli(['models'])]);
    const list = jsonOf(json, modelListSchema);
    const byId = new Map(list.data.map((model) => [model.id, model]));
    expect([...byId.keys()]).toEqual(expect.arrayContaining(['mock-echo', 'slow-echo', 'unlisted-echo']));
    // The config's price over the catalogue's; the catalogue's limits of the mock's echo model.
    expect(byId.get('slow-echo')).toMatchObject({ context_window: 1_000_000, max_output_tokens: 1_000_000 });
    expect(Number(byId.get('slow-echo')?.pricing?.input_per_million)).toBe(1000);
    expect(Number(byId.get('slow-echo')?.pricing?.output_per_million)).toBe(2000);
    expect(byId.get('unlisted-echo')).toMatchObject({ context_window: null, max_output_tokens: null, pricing: null });

    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^MODEL +OWNED BY +CONTEXT +MAX OUTPUT +INPUT \$\/1M +CACHED \$\/1M +OUTPUT \$\/1M$/);
    expect(table.stdout).toMatch(/^slow-echo +\S+ +1,000,000 +1,000,000 +1,000\.00 +1,000\.00 +2,000\.00$/m);
    expect(table.stdout).toMatch(/^mock-echo +\S+ +1,000,000 +1,000,000 +0\.00 +0\.00 +0\.00$/m);
    expect(table.stdout).toMatch(/^unlisted-echo +\S+ +– +– +– +– +–$/m);
  });

  it('batch submit --mode sends x-gateway-batch-mode: native is refused for a provider without a batch API, gateway runs', async () => {
    const input = await writeBatchInput('mode.jsonl', 3, { model: 'mock-echo' });
    const refused = await cli(['batch', 'submit', input, '--mode', 'native']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("provider 'mock' (type mock) has no batch API");
    const accepted = await cli(['batch', 'submit', input, '--mode', 'gateway', '--json']);
    expect(accepted.code).toBe(0);
    const unknown = await cli(['batch', 'submit', input, '--mode', 'cheap']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/auto, native, gateway/);
  });

  it('batch cancel --json answers the batch; batch wait on it exits 2', async () => {
    const input = await writeBatchInput('to-cancel.jsonl', 40, { model: 'slow-echo' });
    const submitted = await cli(['batch', 'submit', input, '--json']);
    expect(submitted.code).toBe(0);
    const batchId = jsonOf(submitted, batchSchema).id;
    const waiting = start(['batch', 'wait', batchId]);
    const cancelled = await cli(['batch', 'cancel', batchId, '--json']);
    expect(cancelled.code).toBe(0);
    expect(jsonOf(cancelled, batchSchema)).toMatchObject({ id: batchId, status: expect.stringMatching(/^cancell(ing|ed)$/), request_counts: { total: 40 } });

    const [human, json] = await Promise.all([waiting.done, cli(['batch', 'wait', batchId, '--json'])]);
    expect(human.code).toBe(2);
    expect(human.stdout).toMatch(new RegExp(`^${batchId} cancelled in .+: \\d+ completed, \\d+ failed of 40 `));
    expect(human.stderr).toContain(`${batchId} did not complete: it is cancelled\n`);
    expect(human.stderr).toMatch(/ request\(s\) failed; the first 5:\n {2}row-\d+: batch_cancelled: .+\n/);
    expect(json.code).toBe(2);
    expect(jsonOf(json, batchOutcomeSchema)).toMatchObject({ result: 'not_completed', exit_code: 2, batch: { status: 'cancelled' } });
  });
});
