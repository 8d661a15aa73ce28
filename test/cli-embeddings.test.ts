import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { batchSchema } from '../src/cli/gateway-schemas.ts';
import { buildCli, type BuiltCli } from './support/built-cli.ts';
import { startTestGateway, type TestGateway } from './support/test-gateway.ts';

/** A line of an embeddings batch's output file: OpenAI's batch output line around an embeddings response. */
const embeddingsOutputLineSchema = z.looseObject({
  custom_id: z.string(),
  response: z.looseObject({
    status_code: z.literal(200),
    body: z.looseObject({
      object: z.literal('list'),
      data: z.array(z.looseObject({ object: z.literal('embedding'), index: z.number().int(), embedding: z.array(z.number().finite()).min(1) })).min(1),
      model: z.string().min(1),
      usage: z.looseObject({ prompt_tokens: z.number().int().min(0), total_tokens: z.number().int().min(0) }),
    }),
  }),
  error: z.null().optional(),
});
type EmbeddingsOutputLine = z.infer<typeof embeddingsOutputLineSchema>;

const readOutput = async (path: string): Promise<EmbeddingsOutputLine[]> =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => embeddingsOutputLineSchema.parse(JSON.parse(line)));

/** `batch submit --endpoint /v1/embeddings` end to end: the CLI as a child process against a whole gateway on the mock provider. */
describe('llm-gateway CLI: embeddings batches', { timeout: 60_000 }, () => {
  let harness: TestGateway;
  let built: BuiltCli;
  let directory: string;
  let environment: Record<string, string>;
  const cli = (args: string[], extra: Record<string, string> = {}) => built.start(args, { ...environment, ...extra }).done;

  beforeAll(async () => {
    built = await buildCli();
    // Its own database and Redis prefix (startTestGateway), as every gateway test file has.
    harness = await startTestGateway({
      config: {
        providers: { mock: { type: 'mock', concurrency: 32 } },
        models: {
          'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] },
          'mock-embed': { routes: [{ provider: 'mock', model: 'embed' }] },
        },
      },
    });
    directory = await mkdtemp(join(tmpdir(), 'llm-gateway-cli-embeddings-'));
    environment = { GATEWAY_URL: harness.url, GATEWAY_API_KEY: (await harness.createKey('cli-embeddings')).key };
  });
  afterAll(async () => {
    await harness?.close();
    await built?.remove();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('embeds 150 CSV texts with one command: an embeddings batch, and a vector per custom_id in the output file', async () => {
    const texts = Array.from({ length: 150 }, (_unused, index) => ({ id: `doc-${index + 1}`, text: `Passage ${index + 1}: "quoted", with commas, ${'y'.repeat(index % 5)}` }));
    const csv = ['id,text', ...texts.map((row) => `${row.id},"${row.text.replaceAll('"', '""')}"`)].join('\n');
    await writeFile(join(directory, 'passages.csv'), `${csv}\n`);
    const output = join(directory, 'vectors.jsonl');

    const run = await cli(['batch', 'submit', join(directory, 'passages.csv'), '--endpoint', '/v1/embeddings', '--model', 'mock-embed', '--wait', '--output', output]);
    expect(run.stderr).not.toContain('llm-gateway:');
    expect(run.code).toBe(0);
    const [batchId, summary] = run.stdout.trim().split('\n');
    expect(batchId).toMatch(/^batch_\w{24}$/);
    expect(summary).toMatch(new RegExp(`^${batchId} completed in .+: 150 completed, 0 failed of 150 \\(.+ req/s\\)$`));
    expect(run.stderr).toContain('Uploading passages.csv (texts as mock-embed embeddings requests)');
    expect(run.stderr).toContain('Uploaded 150 requests');
    expect(run.stderr).toMatch(/output: 150 lines \(.+\) → .*vectors\.jsonl/);

    const lines = await readOutput(output);
    expect(lines.map((line) => line.custom_id).sort()).toEqual(texts.map((row) => row.id).sort());
    // One text a line: one vector, at index 0, every vector as long as the others.
    for (const line of lines) expect(line.response.body.data.map((item) => item.index)).toEqual([0]);
    expect(new Set(lines.map((line) => line.response.body.data[0]?.embedding.length)).size).toBe(1);
    expect(lines.every((line) => line.response.body.usage.prompt_tokens > 0)).toBe(true);

    // The batch was created for the endpoint, and each text was a request of the embeddings model.
    const status = await cli(['batch', 'status', batchId!, '--json']);
    expect(batchSchema.extend({ endpoint: z.string() }).parse(JSON.parse(status.stdout))).toMatchObject({ endpoint: '/v1/embeddings', status: 'completed' });
    const { rows } = await harness.sql.query<{ count: string }>("SELECT count(*) FROM requests WHERE batch_id = $1 AND status = 'completed' AND model = 'mock-embed'", [batchId]);
    expect(Number(rows[0]?.count)).toBe(150);
  });

  it('submits OpenAI batch JSONL of embeddings requests as they are, a list input answered by a vector per item', async () => {
    const lines = Array.from({ length: 10 }, (_unused, index) => ({
      custom_id: `pair-${index}`,
      method: 'POST',
      url: '/v1/embeddings',
      body: { model: 'mock-embed', input: [`left ${index}`, `right ${index}`] },
    }));
    await writeFile(join(directory, 'pairs.jsonl'), `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
    const output = join(directory, 'pairs-out.jsonl');

    const run = await cli(['batch', 'submit', join(directory, 'pairs.jsonl'), '--endpoint', '/v1/embeddings', '--wait', '--output', output]);
    expect(run.stderr).not.toContain('llm-gateway:');
    expect(run.code).toBe(0);
    const written = await readOutput(output);
    expect(written.map((line) => line.custom_id).sort()).toEqual(lines.map((line) => line.custom_id).sort());
    for (const line of written) expect(line.response.body.data.map((item) => item.index)).toEqual([0, 1]);
  });

  it('refuses, before uploading anything, a chat flag, a chat line or an unknown endpoint', async () => {
    await writeFile(join(directory, 'refused.csv'), 'id,text\n1,hello\n');
    await writeFile(join(directory, 'chat-lines.jsonl'), `${JSON.stringify({ custom_id: 'a', url: '/v1/chat/completions', body: { model: 'mock-echo', messages: [] } })}\n`);
    const [system, chatLine, unknown, dimensions] = await Promise.all([
      cli(['batch', 'submit', join(directory, 'refused.csv'), '--endpoint', '/v1/embeddings', '--model', 'mock-embed', '--system', 'labels: a, b']),
      cli(['batch', 'submit', join(directory, 'chat-lines.jsonl'), '--endpoint', '/v1/embeddings']),
      cli(['batch', 'submit', join(directory, 'refused.csv'), '--endpoint', '/v1/responses', '--model', 'mock-embed']),
      cli(['batch', 'submit', join(directory, 'refused.csv'), '--model', 'mock-echo', '--dimensions', '64']),
    ]);
    const lastLine = (stderr: string) => stderr.trim().split('\n').at(-1);
    expect(system).toMatchObject({ code: 1, stderr: 'llm-gateway: --system applies to --endpoint /v1/chat/completions, not /v1/embeddings\n' });
    expect(dimensions).toMatchObject({ code: 1, stderr: 'llm-gateway: --dimensions applies to --endpoint /v1/embeddings, not /v1/chat/completions\n' });
    expect(chatLine.code).toBe(1);
    expect(lastLine(chatLine.stderr)).toBe(
      'llm-gateway: chat-lines.jsonl line 1: url is "/v1/chat/completions", but every line of this batch must go to its endpoint "/v1/embeddings"; a batch of /v1/chat/completions lines needs --endpoint /v1/chat/completions',
    );
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("argument '/v1/responses' is invalid. Allowed choices are /v1/chat/completions, /v1/embeddings.");
    const { rows } = await harness.sql.query<{ count: string }>("SELECT count(*) FROM files WHERE filename IN ('refused.jsonl', 'chat-lines.jsonl')");
    expect(Number(rows[0]?.count)).toBe(0);
  });
});
