import { isUtf8 } from 'node:buffer';
import { FileProblem } from './file-problem.ts';

export interface RawLine {
  /** 1-based physical line number, blank lines included. */
  lineNumber: number;
  /** The line without its `\n` / `\r\n` (and without a UTF-8 BOM on line 1). */
  text: string;
}

const newline = 0x0a;
const carriageReturn = 0x0d;

/**
 * Passes chunks through while counting bytes into `stats`; past `maxBytes` it stops with a
 * `too_large` problem, so an oversized upload is refused as soon as it crosses the limit.
 */
export async function* countBytes(source: AsyncIterable<Uint8Array>, maxBytes: number, stats: { bytes: number }): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    stats.bytes += chunk.byteLength;
    if (stats.bytes > maxBytes) {
      throw new FileProblem({ kind: 'too_large', reason: `the file is larger than ${maxBytes} bytes (files.maxBytes)` });
    }
    yield chunk;
  }
}

/**
 * Splits a byte stream into lines on `\n` (a preceding `\r` is dropped; the last line needs no
 * newline). Lines are cut on bytes and decoded whole, so a multi-byte character split across
 * chunks is never mangled; invalid UTF-8 is refused naming the line. Only the line being read is
 * held in memory, and it may not grow past `maxLineBytes`.
 */
export async function* splitLines(source: AsyncIterable<Uint8Array>, options: { maxLineBytes: number }): AsyncGenerator<RawLine> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNumber = 0;
  const tooLong = (line: number) => new FileProblem({ kind: 'too_large', lineNumber: line, reason: `the line is longer than ${options.maxLineBytes} bytes (server.bodyLimitBytes)` });

  for await (const chunk of source) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (let end = buffer.indexOf(newline, start); end !== -1; end = buffer.indexOf(newline, start)) {
      lineNumber += 1;
      let line = buffer.subarray(start, end);
      if (pending.length > 0) {
        line = Buffer.concat([...pending, line], pendingBytes + line.length);
        pending = [];
        pendingBytes = 0;
      }
      yield decodeLine(line, lineNumber, options.maxLineBytes, tooLong);
      start = end + 1;
    }
    if (start < buffer.length) {
      const rest = buffer.subarray(start);
      pendingBytes += rest.length;
      // Checked while the line grows (+1: it may still end in `\r`), so a newline-free stream stops early.
      if (pendingBytes > options.maxLineBytes + 1) throw tooLong(lineNumber + 1);
      pending.push(rest);
    }
  }
  if (pendingBytes > 0) yield decodeLine(Buffer.concat(pending, pendingBytes), lineNumber + 1, options.maxLineBytes, tooLong);
}

function decodeLine(bytes: Buffer, lineNumber: number, maxLineBytes: number, tooLong: (line: number) => FileProblem): RawLine {
  const line = bytes.length > 0 && bytes[bytes.length - 1] === carriageReturn ? bytes.subarray(0, -1) : bytes;
  if (line.length > maxLineBytes) throw tooLong(lineNumber);
  if (!isUtf8(line)) throw new FileProblem({ kind: 'invalid', lineNumber, reason: 'not valid UTF-8' });
  const text = line.toString('utf8');
  // Editors on Windows often start a file with a byte order mark; JSON.parse would refuse it.
  return { lineNumber, text: lineNumber === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
}

/** Blank or whitespace-only. */
export function isBlankLine(text: string): boolean {
  return text.trim().length === 0;
}
