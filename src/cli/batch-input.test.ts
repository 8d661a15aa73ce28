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
  const failure = (name: string, content: string, options: Omit<BatchInputOptions, 'path'> = {}) => linesOf(name, content, options).then(() => 'no error', (error: Error) => error.message);

  it('turns CSV texts into chat requests: system message, model, custom_id from the id column', async () => {
    const { format, lines } = await linesOf('reviews.csv', '\uFEFFid,text\nr1,"Great, ""really"""\nr2,"two\nlines"\n', { model: 'm', system: 'labels: a, b' });
    expect(format).toBe('texts');
    expect(lines).toEqual([
      { custom_id: 'r1', method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [{ role: 'system', content: 'labels: a, b' }, { role: 'user', content: 'Great, "really"' }] } },
      { custom_id: 'r2', method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [{ role: 'system', content: 'labels: a, b' }, { role: 'user', content: 'two\nlines' }] } },
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
    const content = ['{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "old", "messages": [], "temperature": 0}}', '{"custom_id": "b", "body": {"messages": []}}'].join('\n');
    const { format, lines } = await linesOf('requests.jsonl', content, { model: 'new' });
    expect(format).toBe('batch-requests');
    expect(lines).toEqual([
      { custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body: { model: 'new', messages: [], temperature: 0 } },
      { custom_id: 'b', method: 'POST', url: '/v1/chat/completions', body: { model: 'new', messages: [] } },
    ]);
    expect(await failure('requests.jsonl', content)).toBe('requests.jsonl line 2: body.model is missing; give it in the line or pass --model');
    expect(await failure('requests.jsonl', content, { system: 'x' })).toMatch(/^requests\.jsonl holds batch request lines .*--system, --text-column and --id-column apply to texts/);
  });

  it('names the line of each problem, before or while it streams', async () => {
    expect(await failure('dupes.jsonl', '{"custom_id": "a", "body": {"model": "m"}}\n\n{"custom_id": "a", "body": {"model": "m"}}\n')).toBe("dupes.jsonl line 3: custom_id 'a' appears twice");
    expect(await failure('broken.jsonl', '{"custom_id": "a", "body": {"model": "m"}}\n{"custom_id": "b", "body": 5}\n')).toBe('broken.jsonl line 2: body must be an object (the chat completion request)');
    expect(await failure('ragged.csv', 'id,text\n1,a\n2,b,c\n', { model: 'm' })).toMatch(/^ragged\.csv: .*line 3/);
    expect(await failure('texts.csv', 'id,text\n1,a\n')).toBe('texts.csv holds texts, not batch requests: pass --model to say which model should answer them');
    expect(await failure('empty.csv', 'id,text\n', { model: 'm' })).toBe('empty.csv has no rows below its header; nothing to submit');
    expect(await failure('empty.jsonl', '\n\n')).toBe('empty.jsonl has no lines; nothing to submit');
    await expect(openBatchInput({ path: join(directory, 'absent.csv'), model: 'm' })).rejects.toThrow(`cannot read ${join(directory, 'absent.csv')}: no such file`);
    await expect(openBatchInput({ path: directory, model: 'm' })).rejects.toThrow(`${directory} is not a file`);
  });
});
