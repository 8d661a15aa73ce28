import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommanderError, type Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/program.ts';
import { buildCli, type BuiltCli, type CliRun } from './support/built-cli.ts';
import { startTestGateway, testAdminKey, type TestGateway } from './support/test-gateway.ts';

const readJsonl = async (path: string) =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as { custom_id: string; response: { body: { choices: Array<{ message: { content: string } }> } } | null; error: { code: string } | null });

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 1;
}

const progressLine = /^(batch_\w+) (validating|in_progress|finalizing|completed|cancelling|cancelled): (\d+)\/(\d+) \(\d+%\) \| (\d+) completed, (\d+) failed \| \S+ req\/s \| ETA .+$/;

/** The CLI end to end: child processes against a whole gateway on the mock provider. */
describe('llm-gateway CLI', () => {
  let harness: TestGateway;
  let built: BuiltCli;
  let directory: string;
  let environment: Record<string, string>;
  const startCli = (args: string[], extra: Record<string, string>) => built.start(args, extra);
  const cli = (args: string[], extra: Record<string, string> = {}) => startCli(args, { ...environment, ...extra }).done;

  beforeAll(async () => {
    built = await buildCli();
    harness = await startTestGateway({
      config: {
        providers: {
          mock: { type: 'mock', concurrency: 32 },
          slow: { type: 'mock', latencyMs: 250, concurrency: 2 },
          slower: { type: 'mock', latencyMs: 500, concurrency: 1 },
        },
        models: {
          'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] },
          'mock-classifier': { routes: [{ provider: 'mock', model: 'classifier' }] },
          'slow-echo': { routes: [{ provider: 'slow', model: 'echo' }] },
          // 60 lines of this take 30 s: the cancel always lands mid-batch.
          'slower-echo': { routes: [{ provider: 'slower', model: 'echo' }] },
        },
      },
    });
    directory = await mkdtemp(join(tmpdir(), 'llm-gateway-cli-'));
    environment = { GATEWAY_URL: harness.url, GATEWAY_API_KEY: (await harness.createKey('cli-project')).key };
  });
  afterAll(async () => {
    await harness?.close();
    await built?.remove();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('keys create prints the key once, which then works; without the admin key it says so', async () => {
    const created = await cli(['keys', 'create', '--project', 'cli-keys', '--name', 'ci'], { GATEWAY_ADMIN_KEY: testAdminKey, GATEWAY_API_KEY: '' });
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^gw-[\w-]{20,}$/);
    expect(created.stderr).toMatch(/Created API key key_[\w-]+ 'ci' in project cli-keys \(proj_[\w-]+\)/);
    const { rows } = await harness.sql.query<{ name: string; project: string }>('SELECT k.name, p.name AS project FROM api_keys k JOIN projects p ON p.id = k.project_id WHERE k.key_prefix = $1', [
      key.slice(0, 10),
    ]);
    expect(rows).toEqual([{ name: 'ci', project: 'cli-keys' }]);

    const listed = await fetch(`${harness.url}/v1/batches`, { headers: { authorization: `Bearer ${key}` } });
    expect(listed.status).toBe(200);

    const [refused, missing] = await Promise.all([cli(['keys', 'create', '--project', 'x'], { GATEWAY_ADMIN_KEY: 'wrong-admin-key-0123456789' }), cli(['keys', 'create', '--project', 'x'])]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toMatch(/^llm-gateway: .*\[HTTP 401 invalid_admin_key, POST \/admin\/keys\] Check GATEWAY_ADMIN_KEY/);
    expect(missing).toMatchObject({ code: 1, stderr: 'llm-gateway: no admin key: set GATEWAY_ADMIN_KEY or pass --admin-key\n' });
  });

  it('classifies 200 CSV texts with one command: upload, wait, output file with a label per custom_id', async () => {
    const texts = Array.from({ length: 200 }, (_unused, index) => ({ id: `rev-${index + 1}`, text: `Review ${index + 1}: "quoted", with commas, ${'x'.repeat(index % 7)}` }));
    const csv = ['id,text', ...texts.map((row) => `${row.id},"${row.text.replaceAll('"', '""')}"`)].join('\n');
    await writeFile(join(directory, 'reviews.csv'), `${csv}\n`);
    const output = join(directory, 'labels.jsonl');

    const run = await cli(['batch', 'submit', join(directory, 'reviews.csv'), '--model', 'mock-classifier', '--system', 'labels: positive, negative', '--wait', '--output', output]);
    expect(run.stderr).not.toContain('llm-gateway:');
    expect(run.code).toBe(0);
    const [batchId, summary] = run.stdout.trim().split('\n');
    expect(batchId).toMatch(/^batch_\w{24}$/);
    expect(summary).toMatch(new RegExp(`^${batchId} completed in .+: 200 completed, 0 failed of 200 \\(.+ req/s\\)$`));
    expect(run.stderr).toContain('Uploaded 200 requests');
    expect(run.stderr).toMatch(/output: 200 lines \(.+\) → .*labels\.jsonl/);

    const lines = await readJsonl(output);
    expect(lines.map((line) => line.custom_id).sort()).toEqual(texts.map((row) => row.id).sort());
    const labels = lines.map((line) => line.response?.body.choices[0]?.message.content);
    expect(new Set(labels)).toEqual(new Set(['positive', 'negative']));
    // The system line and the user text reached the provider as the CLI built them.
    const { rows } = await harness.sql.query<{ count: string }>("SELECT count(*) FROM requests WHERE batch_id = $1 AND status = 'completed' AND model = 'mock-classifier'", [batchId]);
    expect(Number(rows[0]?.count)).toBe(200);
  });

  it('submits OpenAI batch JSONL with --model overriding each line, shows plain progress lines off a TTY, and writes the error file', async () => {
    const lines = Array.from({ length: 40 }, (_unused, index) => ({
      custom_id: `line-${index}`,
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model: 'no-such-model', messages: [{ role: 'user', content: index === 7 ? 'mock:error:400' : `echo ${index}` }] },
    }));
    await writeFile(join(directory, 'requests.jsonl'), lines.map((line) => JSON.stringify(line)).join('\n'));
    const [output, errors] = [join(directory, 'out.jsonl'), join(directory, 'errors.jsonl')];

    const run = await cli(['batch', 'submit', join(directory, 'requests.jsonl'), '--model', 'slow-echo', '--wait', '--output', output, '--errors', errors]);
    // Completed, but not every line: exit 3, and the failed line named on stderr.
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/completed in .+: 39 completed, 1 failed of 40/);
    expect(run.stderr).toContain('1 request(s) failed; the first one:\n  line-7: mock_error: mock provider failed with HTTP 400 as asked\n');

    // Off a terminal: whole lines, no cursor movement, one every couple of seconds while it runs.
    expect(run.stderr).not.toContain('\u001b');
    const progress = run.stderr
      .split('\n')
      .filter((line) => progressLine.test(line))
      .map((line) => progressLine.exec(line)!);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.some((match) => Number(match[3]) > 0 && Number(match[3]) < 40)).toBe(true);
    expect(progress.at(-1)?.slice(2, 7)).toEqual(['completed', '40', '40', '39', '1']);

    const outputLines = await readJsonl(output);
    expect(outputLines).toHaveLength(39);
    expect(outputLines.find((line) => line.custom_id === 'line-3')?.response?.body.choices[0]?.message.content).toBe('echo 3');
    const errorLines = await readJsonl(errors);
    expect(errorLines.map((line) => [line.custom_id, line.error?.code])).toEqual([['line-7', 'mock_error']]);
  });

  it('status, download, cancel and list; a cancelled --wait exits 2 and keeps what finished', async () => {
    const texts = Array.from({ length: 60 }, (_unused, index) => JSON.stringify({ id: `t${index}`, text: `slow ${index}` }));
    await writeFile(join(directory, 'texts.jsonl'), `${texts.join('\n')}\n`);
    const waitOutput = join(directory, 'cancelled-out.jsonl');
    const submit = startCli(['batch', 'submit', join(directory, 'texts.jsonl'), '--model', 'slower-echo', '--wait', '--output', waitOutput], environment);
    await expect.poll(() => /^batch_\w+$/m.test(submit.stdout()), { timeout: 10_000, interval: 50 }).toBe(true);
    const batchId = submit.stdout().trim().split('\n')[0]!;

    const [status, early] = await Promise.all([cli(['batch', 'status', batchId]), cli(['batch', 'download', batchId])]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`^${batchId}\\n  status +(validating|in_progress)\\n  requests +60 total: `));
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(new RegExp(`^llm-gateway: ${batchId} is (validating|in_progress) .*its files exist once it ends`));

    const cancel = await cli(['batch', 'cancel', batchId]);
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toMatch(new RegExp(`^${batchId} (cancelling|cancelled) \\(60 total: `));

    const waited = await submit.done;
    expect(waited.code).toBe(2);
    expect(waited.stdout).toMatch(new RegExp(`${batchId} cancelled in .+: \\d+ completed, \\d+ failed of 60`));
    expect(waited.stderr).toContain(`${batchId} did not complete: it is cancelled`);

    const errors = join(directory, 'cancelled-errors.jsonl');
    const [json, download, list] = await Promise.all([cli(['batch', 'status', batchId, '--json']), cli(['batch', 'download', batchId, '--errors', errors]), cli(['batch', 'list', '--limit', '100'])]);
    const batch = JSON.parse(json.stdout) as { status: string; request_counts: { completed: number; failed: number } };
    expect(batch.status).toBe('cancelled');
    expect(batch.request_counts.failed).toBeGreaterThan(0);
    expect((await readJsonl(waitOutput)).length).toBe(batch.request_counts.completed);

    expect(download.code).toBe(0);
    expect(download.stdout.split('\n').filter((line) => line.length > 0)).toHaveLength(batch.request_counts.completed);
    const errorLines = await readJsonl(errors);
    expect(errorLines).toHaveLength(batch.request_counts.failed);
    expect(errorLines.every((line) => line.error?.code === 'batch_cancelled')).toBe(true);

    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^ID +STATUS +DONE\/TOTAL +FAILED +CREATED$/);
    expect(list.stdout).toMatch(new RegExp(`^${batchId} +cancelled +60/60 +\\d+ +\\d{4}-`, 'm'));
  });

  it('fails with one clear line and a non-zero exit for each expected error', async () => {
    await writeFile(join(directory, 'no-text.csv'), 'id,body\n1,hello\n');
    await writeFile(join(directory, 'bad.jsonl'), '{"custom_id": "a", "body": {"model": "mock-echo", "messages": []}}\n{"custom_id": "b", oops}\n');
    const port = await closedPort();
    const [noKey, unreachable, unknown, noColumn, badLine] = await Promise.all([
      cli(['batch', 'list'], { GATEWAY_API_KEY: '' }),
      cli(['batch', 'status', 'batch_x'], { GATEWAY_URL: `http://127.0.0.1:${port}` }),
      cli(['batch', 'status', 'batch_doesnotexist']),
      cli(['batch', 'submit', join(directory, 'no-text.csv'), '--model', 'mock-classifier']),
      cli(['batch', 'submit', join(directory, 'bad.jsonl')]),
    ]);
    const lastLine = (run: CliRun) => run.stderr.trim().split('\n').at(-1);
    expect(noKey.code).toBe(1);
    expect(lastLine(noKey)).toBe('llm-gateway: no API key: set GATEWAY_API_KEY or pass --api-key (create one with `llm-gateway keys create --project <name>`)');
    expect(unreachable.code).toBe(1);
    expect(lastLine(unreachable)).toBe(`llm-gateway: cannot reach the gateway at http://127.0.0.1:${port} (ECONNREFUSED); is it running? Set GATEWAY_URL or --url.`);
    expect(unknown.code).toBe(1);
    expect(lastLine(unknown)).toMatch(/^llm-gateway: .*batch_doesnotexist.* \[HTTP 404 not_found, GET \/v1\/batches\/batch_doesnotexist\]$/);
    expect(noColumn.code).toBe(1);
    expect(lastLine(noColumn)).toBe("llm-gateway: no-text.csv has no column 'text' (columns: 'id', 'body'); name the text column with --text-column");
    expect(badLine.code).toBe(1);
    expect(lastLine(badLine)).toMatch(/^llm-gateway: bad\.jsonl line 2: not valid JSON \(/);
    // Other input problems (missing file, no --model, duplicates…) are covered in src/cli/batch-input.test.ts.
    for (const run of [noKey, unreachable, unknown, noColumn, badLine]) expect(run.stderr).not.toMatch(/\n\s+at /);
    // Nothing half-uploaded is left behind by the refused files.
    const { rows } = await harness.sql.query<{ count: string }>("SELECT count(*) FROM files WHERE filename IN ('no-text.jsonl', 'bad.jsonl')");
    expect(Number(rows[0]?.count)).toBe(0);
  });

  it('has --help for every command', () => {
    const helpOf = (path: string[]) => {
      let text = '';
      const quiet = (command: Command) => {
        command.exitOverride().configureOutput({ writeOut: (chunk) => (text += chunk), writeErr: (chunk) => (text += chunk) });
        command.commands.forEach(quiet);
      };
      const program = buildProgram();
      quiet(program);
      let thrown: unknown;
      try {
        program.parse([...path, '--help'], { from: 'user' });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(CommanderError);
      expect((thrown as CommanderError).code).toBe('commander.helpDisplayed');
      return text;
    };
    const leaves = [
      ['batch', 'submit'],
      ['batch', 'wait'],
      ['batch', 'status'],
      ['batch', 'cancel'],
      ['batch', 'download'],
      ['batch', 'list'],
      ['files', 'list'],
      ['files', 'download'],
      ['keys', 'create'],
      ['keys', 'list'],
      ['keys', 'revoke'],
      ['usage'],
      ['models'],
    ];
    const paths = [[], ['batch'], ['files'], ['keys'], ...leaves];
    for (const path of paths) expect(helpOf(path)).toMatch(new RegExp(`^Usage: llm-gateway ${path.join(' ')}`));
    // Machine-readable output everywhere.
    for (const leaf of leaves) expect(helpOf(leaf)).toMatch(/^ {2}--json /m);
    // And the leaves listed are all there are: a new command joins the list (and gets --json).
    const program = buildProgram();
    const leafPaths = (command: Command, path: string[]): string[][] => (command.commands.length === 0 ? [path] : command.commands.flatMap((sub) => leafPaths(sub, [...path, sub.name()])));
    expect(
      leafPaths(program, [])
        .map((path) => path.join(' '))
        .sort(),
    ).toEqual(leaves.map((path) => path.join(' ')).sort());
    expect(helpOf(['batch', 'submit'])).toMatch(/--model <model>[\s\S]*--wait[\s\S]*--output <file>[\s\S]*--errors <file>/);
    expect(helpOf([])).toMatch(/GATEWAY_URL[\s\S]*GATEWAY_API_KEY[\s\S]*GATEWAY_ADMIN_KEY/);
    expect(helpOf([])).toMatch(/Exit status: 0 success; 1 .*; 2 .*; 3 .*; 130 interrupted/s);
  });
});
