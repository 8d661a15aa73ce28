import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CliError } from './cli-error.ts';
import type { GatewayClient } from './gateway-client.ts';

export interface SavedFile {
  bytes: number;
  lines: number;
}

/**
 * Streams a file's content (`GET /v1/files/{id}/content`) to `destination`, or to stdout when it is
 * undefined or `-`. A file is written beside its name and renamed at the end, so a cut-off download
 * never looks like a whole one.
 */
export async function saveFileContent(client: GatewayClient, fileId: string, destination: string | undefined): Promise<SavedFile> {
  const source = await client.stream(`/v1/files/${encodeURIComponent(fileId)}/content`);
  const saved: SavedFile = { bytes: 0, lines: 0 };
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      saved.bytes += chunk.length;
      for (const byte of chunk) if (byte === 0x0a) saved.lines += 1;
      callback(null, chunk);
    },
  });
  if (destination === undefined || destination === '-') {
    await pipeline(source, counter, process.stdout, { end: false }).catch((error: unknown) => {
      throw downloadError(fileId, 'stdout', error);
    });
    return saved;
  }
  const partial = `${destination}.part`;
  try {
    await pipeline(source, counter, createWriteStream(partial));
    await rename(partial, destination);
  } catch (error) {
    await rm(partial, { force: true });
    throw downloadError(fileId, destination, error);
  }
  return saved;
}

function downloadError(fileId: string, destination: string, error: unknown): CliError {
  const reason = error instanceof Error ? error.message : String(error);
  return new CliError(`downloading ${fileId} to ${destination} failed: ${reason}`, { cause: error });
}
