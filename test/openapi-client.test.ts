import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { generateApi } from 'swagger-typescript-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/test-gateway.ts';

const run = promisify(execFile);
const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsc = path.join(repositoryRoot, 'node_modules', '.bin', 'tsc');

/**
 * The client program: written as a user of the generated client would, compiled strictly against
 * the generated types (a wrong name, path parameter, body or answer type fails `tsc`), then run
 * against the gateway. It returns what it saw, for the assertions below.
 */
const program = String.raw`
import { Api, type Batch, type ChatCompletionJob, type ErrorResponse, type HttpResponse } from './gateway-client.ts';

const finished = new Set<Batch['status']>(['completed', 'failed', 'expired', 'cancelled']);
const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 50));

export async function run(baseUrl: string, apiKey: string) {
  const api = new Api<string>({ baseUrl, securityWorker: (key) => (key ? { headers: { Authorization: 'Bearer ' + key } } : {}) });
  api.setSecurityData(apiKey);

  const models = (await api.models.listModels()).data;
  const model = (await api.models.retrieveModel({ model: 'mock-echo' })).data;

  const completion = (await api.chat.createChatCompletion({ model: 'mock-echo', messages: [{ role: 'user', content: 'hello from a generated client' }] })).data;
  const answer: string | null = completion.choices[0]?.message.content ?? null;
  const cost: number | undefined = completion.usage?.cost;

  const lines = ['first', 'mock:error:400'].map((content, index) =>
    JSON.stringify({ custom_id: 'line-' + index, method: 'POST', url: '/v1/chat/completions', body: { model: 'mock-echo', messages: [{ role: 'user', content }] } }),
  );
  const file = (await api.files.createFile({ purpose: 'batch', file: new File([lines.join('\n') + '\n'], 'input.jsonl') })).data;
  let batch: Batch = (await api.batches.createBatch({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { source: 'generated-client' } })).data;
  const createdStatus = batch.status;
  for (let poll = 0; poll < 400 && !finished.has(batch.status); poll += 1) {
    await pause();
    batch = (await api.batches.retrieveBatch({ batchId: batch.id })).data;
  }
  const results = (await api.batches.listBatchResults({ batchId: batch.id, limit: 10 })).data;
  const files = (await api.files.listFiles({ purpose: 'batch' })).data;
  const listed = (await api.batches.listBatches({ limit: 5 })).data;

  let job: ChatCompletionJob = (await api.chat.createAsyncChatCompletion({ model: 'mock-echo', messages: [{ role: 'user', content: 'later' }] })).data;
  const jobStatus = job.status;
  for (let poll = 0; poll < 400 && (job.status === 'queued' || job.status === 'in_progress'); poll += 1) {
    await pause();
    job = (await api.chat.retrieveAsyncChatCompletion({ jobId: job.id })).data;
  }

  let missing: ErrorResponse['error'] | undefined;
  try {
    await api.batches.retrieveBatch({ batchId: 'batch_does_not_exist' });
  } catch (failure) {
    missing = (failure as HttpResponse<Batch, ErrorResponse>).error.error;
  }

  return {
    modelIds: models.data.map((entry) => entry.id),
    model: { id: model.id, object: model.object },
    completion: { object: completion.object, answer, cost },
    file: { id: file.id, object: file.object, purpose: file.purpose },
    batch: { id: batch.id, createdStatus, status: batch.status, counts: batch.request_counts, metadata: batch.metadata },
    results: results.data.map((result) => ({ line: result.line, status: result.status, customId: result.custom_id, statusCode: result.response?.status_code ?? null, errorCode: result.error?.code ?? null })),
    resultFields: results.data.map((result) => Object.keys(result).sort()),
    listedFileIds: files.data.map((entry) => entry.id),
    listedBatchIds: listed.data.map((entry) => entry.id),
    job: { acceptedStatus: jobStatus, status: job.status, response: job.response as Record<string, unknown> | null },
    missing,
  };
}
`;

/** Strict settings, the generated file included (its `@ts-nocheck` is taken out). */
const strictTsconfig = {
  compilerOptions: {
    target: 'ES2023',
    lib: ['ES2023', 'DOM', 'DOM.Iterable'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    types: [],
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    noImplicitOverride: true,
    noUnusedLocals: true,
    noUnusedParameters: true,
    allowImportingTsExtensions: true,
    verbatimModuleSyntax: true,
    noEmit: true,
  },
  files: ['gateway-client.ts', 'program.ts'],
};

interface OpenApiDocument {
  components: { schemas: Record<string, { required?: string[] }> };
}

describe('a TypeScript client generated from /openapi.json', () => {
  let harness: TestGateway;
  let directory: string;
  let document: OpenApiDocument;

  beforeAll(async () => {
    harness = await startTestGateway();
    document = (await (await fetch(`${harness.url}/openapi.json`)).json()) as OpenApiDocument;
    directory = await mkdtemp(path.join(tmpdir(), 'gateway-openapi-client-'));
    // As a user would: the generator reads the document from the gateway. swagger-typescript-api is
    // kept, runs on Node 20 and brings its own TypeScript 6 (openapi-typescript needs the compiler API
    // of TypeScript 5, and the repo's TypeScript 7 has none).
    await generateApi({
      url: `${harness.url}/openapi.json`,
      output: directory,
      fileName: 'gateway-client.ts',
      httpClientType: 'fetch',
      moduleNameFirstTag: true,
      extractRequestParams: true,
      silent: true,
    });
    const generated = await readFile(path.join(directory, 'gateway-client.ts'), 'utf8');
    await writeFile(path.join(directory, 'gateway-client.ts'), generated.replace(/^\/\/ @ts-nocheck\n/m, ''));
    await writeFile(path.join(directory, 'program.ts'), program);
    await writeFile(path.join(directory, 'tsconfig.json'), JSON.stringify(strictTsconfig, null, 2));
    await writeFile(path.join(directory, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  }, 120_000);
  afterAll(async () => {
    await harness?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('generates a client with a method per operationId, named types and the renamed path parameters', async () => {
    const client = await readFile(path.join(directory, 'gateway-client.ts'), 'utf8');
    for (const method of [
      'createChatCompletion',
      'listModels',
      'retrieveModel',
      'createFile',
      'listFiles',
      'retrieveFile',
      'downloadFile',
      'createBatch',
      'retrieveBatch',
      'cancelBatch',
      'listBatches',
    ]) {
      expect(client, method).toMatch(new RegExp(`\\b${method}: \\(`));
    }
    for (const type of ['Batch', 'OpenAIFile', 'CreateChatCompletionResponse', 'ErrorResponse', 'ChatCompletionJob']) expect(client, type).toContain(`export interface ${type} {`);
    expect(client).toContain('path: `/v1/batches/${batchId}`');
    expect(client).not.toContain('@ts-nocheck');
  });

  it('compiles the generated client and a program using it with tsc --strict', async () => {
    const compiled = await run(tsc, ['-p', path.join(directory, 'tsconfig.json')], { cwd: directory, timeout: 120_000 }).then(
      () => ({ ok: true, output: '' }),
      (error: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
    );
    expect(compiled.output).toBe('');
    expect(compiled.ok).toBe(true);
  }, 120_000);

  it('a program with a type error does not compile (the check above can fail)', async () => {
    const broken = program.replace('api.batches.retrieveBatch({ batchId: batch.id })', 'api.batches.retrieveBatch({ id: batch.id })');
    expect(broken).not.toBe(program);
    await writeFile(path.join(directory, 'broken.ts'), broken);
    await writeFile(path.join(directory, 'tsconfig.broken.json'), JSON.stringify({ ...strictTsconfig, files: ['gateway-client.ts', 'broken.ts'] }));
    const failure = await run(tsc, ['-p', path.join(directory, 'tsconfig.broken.json')], { cwd: directory, timeout: 120_000 }).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? '',
    );
    expect(failure).toMatch(/broken\.ts\(\d+,\d+\): error TS\d+: .*'id'/);
  }, 120_000);

  it('runs the program against the gateway: chat, models, files, a batch and its results, an async job, an error', async () => {
    const key = (await harness.createKey('openapi-client')).key;
    const module = (await import(pathToFileURL(path.join(directory, 'program.ts')).href)) as { run(baseUrl: string, apiKey: string): Promise<Record<string, any>> };
    const seen = await module.run(harness.url, key);

    expect(seen.modelIds).toEqual(expect.arrayContaining(['mock-echo', 'mock-classifier']));
    expect(seen.model).toEqual({ id: 'mock-echo', object: 'model' });
    expect(seen.completion.object).toBe('chat.completion');
    expect(seen.completion.answer).toContain('hello from a generated client');
    expect(seen.file).toMatchObject({ object: 'file', purpose: 'batch' });
    expect(seen.batch).toMatchObject({ status: 'completed', counts: { total: 2, completed: 1, failed: 1 }, metadata: { source: 'generated-client' } });
    expect(seen.results).toEqual([
      { line: 1, status: 'completed', customId: 'line-0', statusCode: 200, errorCode: null },
      { line: 2, status: 'failed', customId: 'line-1', statusCode: 400, errorCode: expect.any(String) },
    ]);
    expect(seen.listedFileIds).toContain(seen.file.id);
    expect(seen.listedBatchIds).toContain(seen.batch.id);
    expect(seen.job).toMatchObject({ acceptedStatus: 'queued', status: 'completed', response: { object: 'chat.completion' } });
    expect(seen.missing).toMatchObject({ code: 'not_found', type: 'invalid_request_error' });

    // The result lines and the job's answer are written as stored (no serializer pass): each has
    // every property its documented component requires.
    const required = (name: string) => document.components.schemas[name]?.required ?? [];
    expect(required('BatchResult').length).toBeGreaterThan(0);
    for (const fields of seen.resultFields as string[][]) expect(fields).toEqual(expect.arrayContaining(required('BatchResult')));
    expect(Object.keys(seen.job.response ?? {})).toEqual(expect.arrayContaining(required('CreateChatCompletionResponse')));
  }, 60_000);
});
