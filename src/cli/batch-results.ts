import { writeFile } from 'node:fs/promises';
import { writeLine, type CliContext } from './cli-context.ts';
import type { GatewayClient } from './gateway-client.ts';
import type { Batch } from './gateway-schemas.ts';
import type { SavedBatchFile } from './json-output.ts';
import { saveFileContent } from './save-file-content.ts';

export interface SaveBatchFilesOptions {
  output?: string | undefined;
  errors?: string | undefined;
  /** Without --output, stream the output file to stdout (`batch download`) instead of naming it. */
  outputToStdout: boolean;
}

/**
 * Writes a finished batch's output and error files where asked, and says where the others are.
 * Answers the files written to a path (stdout is not one).
 */
export async function saveBatchFiles(context: CliContext, client: GatewayClient, batch: Batch, options: SaveBatchFilesOptions): Promise<SavedBatchFile[]> {
  const output = options.output ?? (options.outputToStdout ? '-' : undefined);
  const saved = [
    await saveOne(context, client, { fileId: batch.output_file_id, destination: output, which: 'output', flag: '--output', batchId: batch.id }),
    await saveOne(context, client, { fileId: batch.error_file_id, destination: options.errors, which: 'errors', flag: '--errors', batchId: batch.id }),
  ];
  return saved.filter((file) => file !== undefined);
}

async function saveOne(
  context: CliContext,
  client: GatewayClient,
  input: { fileId: string | null | undefined; destination: string | undefined; which: 'output' | 'errors'; flag: string; batchId: string },
): Promise<SavedBatchFile | undefined> {
  const { stderr } = context;
  if (input.destination === undefined) {
    if (input.fileId) writeLine(stderr, `${input.which}: ${input.fileId} — llm-gateway batch download ${input.batchId} ${input.flag} <file>`);
    return undefined;
  }
  if (!input.fileId) {
    if (input.destination === '-') return undefined;
    // An empty file, so a script reading it finds no lines rather than no file.
    await writeFile(input.destination, '');
    writeLine(stderr, `${input.which}: none, ${input.destination} is empty`);
    return { which: input.which, file_id: null, path: input.destination, bytes: 0, lines: 0 };
  }
  const saved = await saveFileContent(client, input.fileId, input.destination);
  if (input.destination === '-') return undefined;
  writeLine(stderr, `${input.which}: ${saved.lines.toLocaleString('en-US')} lines (${formatBytes(saved.bytes)}) → ${input.destination}`);
  return { which: input.which, file_id: input.fileId, path: input.destination, bytes: saved.bytes, lines: saved.lines };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
