import { describe, expect, it } from 'vitest';
import type { LineSink, StoredLine } from './file-line-writer.ts';
import { FileProblem, type FileProblemDetail } from './file-problem.ts';
import { splitLines } from './jsonl-lines.ts';
import { ingestJsonl, type JsonlLimits } from './jsonl-upload.ts';

async function* chunks(...parts: Array<string | Buffer>): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield typeof part === 'string' ? Buffer.from(part) : part;
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of source) items.push(item);
  return items;
}

/** A sink that, like the database, refuses a custom_id seen before (on flush). */
class MemorySink implements LineSink {
  readonly stored: StoredLine[] = [];
  private pending: StoredLine[] = [];
  async append(line: StoredLine) {
    this.pending.push(line);
    if (this.pending.length >= 2) await this.flush();
  }
  async flush() {
    for (const line of this.pending.splice(0)) {
      const first = this.stored.find((stored) => stored.customId === line.customId);
      if (first) throw new FileProblem({ kind: 'invalid', lineNumber: line.lineNumber, firstSeenOnLine: first.lineNumber, reason: `custom_id '${line.customId}' is duplicated` });
      this.stored.push(line);
    }
  }
}

const limits: JsonlLimits = { maxBytes: 1_000_000, maxLines: 100, maxLineBytes: 10_000 };
const request = (customId: string) => JSON.stringify({ custom_id: customId, method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [] } });

async function problemOf(promise: Promise<unknown>): Promise<FileProblemDetail> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof FileProblem)) throw new Error(`expected a FileProblem, got ${String(error)}`);
  return error.detail;
}

describe('splitLines', () => {
  it('splits on \\n and \\r\\n, across chunks, keeping a last line without newline', async () => {
    const lines = await collect(splitLines(chunks('a\r\nb', 'c\n\nd\r', '\ne'), { maxLineBytes: 100 }));
    expect(lines).toEqual([
      { lineNumber: 1, text: 'a' },
      { lineNumber: 2, text: 'bc' },
      { lineNumber: 3, text: '' },
      { lineNumber: 4, text: 'd' },
      { lineNumber: 5, text: 'e' },
    ]);
  });

  it('decodes a multi-byte character split across chunks and drops a leading BOM', async () => {
    const euro = Buffer.from('€');
    const lines = await collect(splitLines(chunks(Buffer.from([0xef, 0xbb, 0xbf]), 'x', euro.subarray(0, 1), euro.subarray(1), '\n'), { maxLineBytes: 100 }));
    expect(lines).toEqual([{ lineNumber: 1, text: 'x€' }]);
  });

  it('refuses invalid UTF-8 naming the line', async () => {
    const detail = await problemOf(collect(splitLines(chunks('ok\n', Buffer.from([0x7b, 0xff, 0x7d, 0x0a])), { maxLineBytes: 100 })));
    expect(detail).toMatchObject({ kind: 'invalid', lineNumber: 2, reason: 'not valid UTF-8' });
  });

  it('stops a line longer than the limit, even one never ending', async () => {
    expect(await problemOf(collect(splitLines(chunks('12345\n123456\n'), { maxLineBytes: 5 })))).toMatchObject({ kind: 'too_large', lineNumber: 2 });
    expect(await problemOf(collect(splitLines(chunks('ok\n', 'x'.repeat(4), 'x'.repeat(4)), { maxLineBytes: 5 })))).toMatchObject({ lineNumber: 2 });
    // The limit is on the content: a CRLF line may be one byte longer.
    expect(await collect(splitLines(chunks('12345\r\n'), { maxLineBytes: 5 }))).toEqual([{ lineNumber: 1, text: '12345' }]);
  });
});

describe('ingestJsonl', () => {
  it('stores every line with its number and counts bytes and lines; trailing blank lines are ignored', async () => {
    const sink = new MemorySink();
    const text = `${request('a')}\r\n${request('b')}\n${request('c')}\n\n  \n`;
    const stats = await ingestJsonl(chunks(text), sink, limits);
    expect(stats).toEqual({ bytes: Buffer.byteLength(text), lineCount: 3 });
    expect(sink.stored.map((line) => [line.lineNumber, line.customId])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
    expect(sink.stored[0]?.content).toBe(request('a'));
  });

  it('names a blank line that is followed by more lines', async () => {
    const detail = await problemOf(ingestJsonl(chunks(`${request('a')}\n\n${request('b')}\n`), new MemorySink(), limits));
    expect(detail).toMatchObject({ kind: 'invalid', lineNumber: 2, reason: expect.stringContaining('empty line') });
  });

  it('names the first bad line', async () => {
    const detail = await problemOf(ingestJsonl(chunks(`${request('a')}\n{"custom_id":\n${request('b')}\n`), new MemorySink(), limits));
    expect(detail).toMatchObject({ kind: 'invalid', lineNumber: 2, reason: expect.stringMatching(/^not valid JSON/) });
  });

  it('reports a buffered duplicate before a later bad line', async () => {
    // Line 2 duplicates line 1 but is still buffered when line 3 fails: line 2 is the first problem.
    const sink = new MemorySink();
    await sink.append({ lineNumber: 0, customId: 'warm-up', content: '' });
    const detail = await problemOf(ingestJsonl(chunks(`${request('a')}\n${request('a')}\nnot json\n`), sink, limits));
    expect(detail).toMatchObject({ lineNumber: 2, firstSeenOnLine: 1 });
  });

  it('refuses more than maxLines lines and more than maxBytes bytes', async () => {
    const three = `${request('a')}\n${request('b')}\n${request('c')}\n`;
    expect(await problemOf(ingestJsonl(chunks(three), new MemorySink(), { ...limits, maxLines: 2 }))).toMatchObject({
      kind: 'too_large',
      lineNumber: 3,
      reason: 'the file has more than 2 lines (files.maxLines)',
    });
    expect(await problemOf(ingestJsonl(chunks(three), new MemorySink(), { ...limits, maxBytes: 100 }))).toMatchObject({
      kind: 'too_large',
      reason: 'the file is larger than 100 bytes (files.maxBytes)',
    });
  });

  it('refuses an empty file', async () => {
    expect(await problemOf(ingestJsonl(chunks('\n\n'), new MemorySink(), limits))).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('no lines') });
  });
});
