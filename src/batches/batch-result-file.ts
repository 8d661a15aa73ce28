import type pg from 'pg';
import { fileContentStream } from '../files/file-content-stream.ts';

export type BatchResultFileKind = 'batch_output' | 'batch_error';

/**
 * Size and line count of a generated output or error file, for its file object: the same stream
 * the content endpoint serves, counted once at finalisation (a page at a time, never whole).
 */
export async function measureBatchResultFile(pool: pg.Pool, batchId: string, kind: BatchResultFileKind): Promise<{ bytes: number; lines: number }> {
  const stream = fileContentStream(pool, {
    id: '',
    projectId: '',
    filename: '',
    purpose: 'batch_output',
    kind,
    bytes: 0,
    lineCount: 0,
    batchId,
    createdAt: new Date(),
    deletedAt: null,
  });
  let bytes = 0;
  let lines = 0;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    bytes += buffer.length;
    for (const byte of buffer) if (byte === 10) lines += 1;
  }
  return { bytes, lines };
}
