import { writeFile } from 'node:fs/promises';
import { writeLine, type CliContext } from './cli-context.ts';
import type { GatewayClient } from './gateway-client.ts';
import type { Batch } from './gateway-schemas.ts';
import { saveFileContent } from './save-file-content.ts';

export interface SaveBatchFilesOptions {
  output?: string | undefined;
  errors?: string | undefined;
  /** Without --output, stream the output file to stdout (`batch download`) instead of naming it. */
  outputToStdout: boolean;
}

/** Writes a finished batch's output and error files where asked, and says where the others are. */
export async function saveBatchFiles(context: CliContext, client: GatewayClient, batch: Batch, options: SaveBatchFilesOptions): Promise<void> {
  const output = options.output ?? (options.outputToStdout ? '-' : undefined);
  await saveOne(context, client, { fileId: batch.output_file_id, destination: output, what: 'output', flag: '--output', batchId: batch.id });
  await saveOne(context, client, { fileId: batch.error_file_id, destination: options.errors, what: 'errors', flag: '--errors', batchId: batch.id });
}

async function saveOne(
  context: CliContext,
  client: GatewayClient,
  input: { fileId: string | null | undefined; destination: string | undefined; what: string; flag: string; batchId: string },
): Promise<void> {
  const { stderr } = context;
  if (input.destination === undefined) {
    if (input.fileId) writeLine(stderr, `${input.what}: ${input.fileId} — llm-gateway batch download ${input.batchId} ${input.flag} <file>`);
    return;
  }
  if (!input.fileId) {
    if (input.destination === '-') return;
    // An empty file, so a script reading it finds no lines rather than no file.
    await writeFile(input.destination, '');
    writeLine(stderr, `${input.what}: none, ${input.destination} is empty`);
    return;
  }
  const saved = await saveFileContent(client, input.fileId, input.destination);
  if (input.destination !== '-') writeLine(stderr, `${input.what}: ${saved.lines.toLocaleString('en-US')} lines (${formatBytes(saved.bytes)}) → ${input.destination}`);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
