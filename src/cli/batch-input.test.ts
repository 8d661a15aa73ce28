import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBatchInput, type BatchInputOptions } from './batch-input.ts';

describe('openBatchInput', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'batch-input-'));
  });
  afterAll(async () => rm(directory, { recursive: true, force: true }));

  async function linesOf(name: string, content: string, options: Omit<BatchInputOptions, 'path'> = {}) {
    const path = join(directory, name);
    await writeFile(path, content);
    const input = await openBatchInput({ path, ...options });
    const lines: unknown[] = [];
    for await (const line of input.lines) lines.push(JSON.parse(line));
    expect(input.count()).toBe(lines.length);
    return { format: input.format, lines };
  }
  const failure = (name: string, content: string, options: Omit<BatchInputOptions, 'path'> = {}) =>
    linesOf(name, content, options).then(
      () => 'no error',
      (error: Error) => error.message,
    );

  it('turns CSV texts into chat requests: system message, model, custom_id from the id column', async () => {
    const { format, lines } = await linesOf('reviews.csv', '\uFEFFid,text\nr1,"Great, ""really"""\nr2,"two\nlines"\n', { model: 'm', system: 'labels: a, b' });
    expect(format).toBe('texts');
    expect(lines).toEqual([
      {
        custom_id: 'r1',
        method: 'POST',
        url: '/v1/chat/completions',
        body: {
          model: 'm',
          messages: [
            { role: 'system', content: 'labels: a, b' },
            { role: 'user', content: 'Great, "really"' },
          ],
        },
      },
      {
        custom_id: 'r2',
        method: 'POST',
        url: '/v1/chat/completions',
        body: {
          model: 'm',
          messages: [
            { role: 'system', content: 'labels: a, b' },
            { role: 'user', content: 'two\nlines' },
          ],
        },
      },
    ]);
  });

  it('numbers rows without an id column, and takes other columns by flag', async () => {
    const { lines } = await linesOf('plain.tsv', 'review\tkey\nfirst\tk1\nsecond\tk2\n', { model: 'm', textColumn: 'review' });
    expect(lines.map((line) => (line as { custom_id: string }).custom_id)).toEqual(['1', '2']);
    const { lines: keyed } = await linesOf('keyed.tsv', 'review\tkey\nfirst\tk1\n', { model: 'm', textColumn: 'review', idColumn: 'key' });
    expect(keyed).toMatchObject([{ custom_id: 'k1', body: { messages: [{ role: 'user', content: 'first' }] } }]);
    expect(await failure('keyed.tsv', 'review\tkey\nfirst\tk1\n', { model: 'm', textColumn: 'review', idColumn: 'uid' })).toBe("keyed.tsv has no column 'uid' for --id-column (columns: review, key)");
  });

  it('reads JSONL rows of texts (objects or strings)', async () => {
    const { format, lines } = await linesOf('texts.jsonl', '{"id": 7, "text": "seven"}\n\n{"id": "x", "text": "ex"}\n', { model: 'm' });
    expect(format).toBe('texts');
    expect(lines).toMatchObject([{ custom_id: '7' }, { custom_id: 'x', body: { messages: [{ content: 'ex' }] } }]);
    const { lines: strings } = await linesOf('strings.jsonl', '"alpha"\n"beta"\n', { model: 'm' });
    expect(strings).toMatchObject([{ custom_id: '1', body: { messages: [{ content: 'alpha' }] } }, { custom_id: '2' }]);
    expect(await failure('texts.jsonl', '{"id": 1, "text": "a"}\n{"id": 2, "body": "b"}\n', { model: 'm' })).toBe("texts.jsonl line 2: no text in 'text' (a string is needed)");
  });

  it('passes OpenAI batch lines through, --model replacing body.model and method/url filled in', async () => {
    const content = [
      '{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "old", "messages": [], "temperature": 0}}',
      '{"custom_id": "b", "body": {"messages": []}}',
    ].join('\n');
    const { format, lines } = await linesOf('requests.jsonl', content, { model: 'new' });
    expect(format).toBe('batch-requests');
    expect(lines).toEqual([
      { custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body: { model: 'new', messages: [], temperature: 0 } },
      { custom_id: 'b', method: 'POST', url: '/v1/chat/completions', body: { model: 'new', messages: [] } },
    ]);
    expect(await failure('requests.jsonl', content)).toBe('requests.jsonl line 2: body.model is missing; give it in the line or pass --model');
    expect(await failure('requests.jsonl', content, { system: 'x' })).toMatch(/^requests\.jsonl holds batch request lines .*--system, --dimensions, --text-column and --id-column apply to texts/);
  });

  it('turns texts into embeddings requests with --endpoint /v1/embeddings: the text as input, --dimensions passed on', async () => {
    const embeddings = { endpoint: '/v1/embeddings', model: 'e' } as const;
    const { format, lines } = await linesOf('passages.csv', 'id,text\np1,"first, passage"\np2,second\n', { ...embeddings, dimensions: 256 });
    expect(format).toBe('texts');
    expect(lines).toEqual([
      { custom_id: 'p1', method: 'POST', url: '/v1/embeddings', body: { model: 'e', input: 'first, passage', dimensions: 256 } },
      { custom_id: 'p2', method: 'POST', url: '/v1/embeddings', body: { model: 'e', input: 'second', dimensions: 256 } },
    ]);
    const { lines: strings } = await linesOf('strings.jsonl', '"alpha"\n42\n', embeddings);
    expect(strings).toEqual([
      { custom_id: '1', method: 'POST', url: '/v1/embeddings', body: { model: 'e', input: 'alpha' } },
      { custom_id: '2', method: 'POST', url: '/v1/embeddings', body: { model: 'e', input: '42' } },
    ]);
    // An embedding of nothing is refused by every provider: said here, naming the row.
    expect(await failure('gaps.csv', 'id,text\np1,one\np2,\n', embeddings)).toBe("gaps.csv line 3: the text in 'text' is empty; /v1/embeddings needs some");
    expect(await failure('texts.csv', 'id,text\n1,a\n', { endpoint: '/v1/embeddings' })).toBe('texts.csv holds texts, not batch requests: pass --model to say which model should embed them');
  });

  it('checks batch request lines against the endpoint: url filled in when absent, another url refused by line', async () => {
    const embeddingsLines = [
      '{"custom_id": "a", "method": "POST", "url": "/v1/embeddings", "body": {"model": "e", "input": ["x", "y"], "encoding_format": "base64"}}',
      '{"custom_id": "b", "body": {"input": "z"}}',
    ].join('\n');
    const { format, lines } = await linesOf('vectors.jsonl', embeddingsLines, { endpoint: '/v1/embeddings', model: 'e2' });
    expect(format).toBe('batch-requests');
    expect(lines).toEqual([
      { custom_id: 'a', method: 'POST', url: '/v1/embeddings', body: { model: 'e2', input: ['x', 'y'], encoding_format: 'base64' } },
      { custom_id: 'b', method: 'POST', url: '/v1/embeddings', body: { model: 'e2', input: 'z' } },
    ]);
    expect(await failure('vectors.jsonl', embeddingsLines, { model: 'e2' })).toBe(
      'vectors.jsonl line 1: url is "/v1/embeddings", but every line of this batch must go to its endpoint "/v1/chat/completions"; a batch of /v1/embeddings lines needs --endpoint /v1/embeddings',
    );
    const mixed = [
      '{"custom_id": "a", "body": {"model": "e", "input": "x"}}',
      '{"custom_id": "b", "url": "/v1/chat/completions", "body": {"model": "e", "messages": []}}',
      '{"custom_id": "c", "url": "/v1/responses", "body": {"model": "e"}}',
    ].join('\n');
    expect(await failure('mixed.jsonl', mixed, { endpoint: '/v1/embeddings' })).toBe(
      'mixed.jsonl line 2: url is "/v1/chat/completions", but every line of this batch must go to its endpoint "/v1/embeddings"; a batch of /v1/chat/completions lines needs --endpoint /v1/chat/completions',
    );
    expect(
      await failure(
        'mixed.jsonl',
        mixed
          .split('\n')
          .filter((_line, index) => index !== 1)
          .join('\n'),
        { endpoint: '/v1/embeddings' },
      ),
    ).toBe('mixed.jsonl line 2: url is "/v1/responses", but every line of this batch must go to its endpoint "/v1/embeddings"');
    expect(await failure('broken.jsonl', '{"custom_id": "a", "body": [1]}\n', { endpoint: '/v1/embeddings' })).toBe('broken.jsonl line 1: body must be an object (the embeddings request)');
  });

  it("refuses a flag of another endpoint's requests before reading the file", async () => {
    const absent = join(directory, 'never-read.csv');
    await expect(openBatchInput({ path: absent, endpoint: '/v1/embeddings', model: 'e', system: 'labels: a, b' })).rejects.toThrow(
      /^--system applies to --endpoint \/v1\/chat\/completions, not \/v1\/embeddings$/,
    );
    await expect(openBatchInput({ path: absent, model: 'm', dimensions: 256 })).rejects.toThrow(/^--dimensions applies to --endpoint \/v1\/embeddings, not \/v1\/chat\/completions$/);
    await expect(openBatchInput({ path: absent, endpoint: '/v1/chat/completions', model: 'm', dimensions: 256 })).rejects.toMatchObject({ name: 'CliError', exitCode: 1 });
    expect(await failure('vectors.jsonl', '{"custom_id": "a", "url": "/v1/embeddings", "body": {"model": "e", "input": "x"}}\n', { endpoint: '/v1/embeddings', dimensions: 8 })).toMatch(
      /^vectors\.jsonl holds batch request lines .*--dimensions/,
    );
  });

  it('names the line of each problem, before or while it streams', async () => {
    expect(await failure('dupes.jsonl', '{"custom_id": "a", "body": {"model": "m"}}\n\n{"custom_id": "a", "body": {"model": "m"}}\n')).toBe("dupes.jsonl line 3: custom_id 'a' appears twice");
    expect(await failure('broken.jsonl', '{"custom_id": "a", "body": {"model": "m"}}\n{"custom_id": "b", "body": 5}\n')).toBe(
      'broken.jsonl line 2: body must be an object (the chat completion request)',
    );
    expect(await failure('ragged.csv', 'id,text\n1,a\n2,b,c\n', { model: 'm' })).toMatch(/^ragged\.csv: .*line 3/);
    expect(await failure('texts.csv', 'id,text\n1,a\n')).toBe('texts.csv holds texts, not batch requests: pass --model to say which model should answer them');
    expect(await failure('empty.csv', 'id,text\n', { model: 'm' })).toBe('empty.csv has no rows below its header; nothing to submit');
    expect(await failure('empty.jsonl', '\n\n')).toBe('empty.jsonl has no lines; nothing to submit');
    await expect(openBatchInput({ path: join(directory, 'absent.csv'), model: 'm' })).rejects.toThrow(`cannot read ${join(directory, 'absent.csv')}: no such file`);
    await expect(openBatchInput({ path: directory, model: 'm' })).rejects.toThrow(`${directory} is not a file`);
  });
});
