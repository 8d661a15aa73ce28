import { randomBytes } from 'node:crypto';

/** Flush to the socket in chunks of about this size rather than one write per line. */
const chunkBytes = 64 * 1024;

export interface MultipartUpload {
  contentType: string;
  body: AsyncIterable<Uint8Array>;
  /** The error the line source threw, if it did: fetch only reports its own. */
  sourceError(): unknown;
}

/**
 * `multipart/form-data` for `POST /v1/files` (`purpose=batch`, then `file`), streamed from JSONL
 * lines as they are produced: the file is never held whole in memory.
 */
export function multipartJsonlUpload(input: { filename: string; lines: AsyncIterable<string> }): MultipartUpload {
  const boundary = `----llm-gateway-${randomBytes(12).toString('hex')}`;
  const filename = input.filename.replace(/["\r\n\\]/g, '_');
  const head =
    `--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/jsonl\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  let failure: unknown;

  async function* body(): AsyncGenerator<Uint8Array> {
    yield Buffer.from(head);
    let pending: string[] = [];
    let pendingBytes = 0;
    try {
      for await (const line of input.lines) {
        pending.push(line, '\n');
        pendingBytes += line.length + 1;
        if (pendingBytes >= chunkBytes) {
          yield Buffer.from(pending.join(''));
          pending = [];
          pendingBytes = 0;
        }
      }
    } catch (error) {
      failure = error;
      throw error;
    }
    yield Buffer.from(pending.join('') + tail);
  }

  return { contentType: `multipart/form-data; boundary=${boundary}`, body: body(), sourceError: () => failure };
}
