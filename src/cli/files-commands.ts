import { Command, Option } from 'commander';
import { z } from 'zod';
import { formatBytes } from './batch-results.ts';
import { contextOf, optionsOf, runAction, writeLine } from './cli-context.ts';
import { CliError, exitCodes } from './cli-error.ts';
import { fileListSchema } from './gateway-schemas.ts';
import { jsonOption, writeJson, type SavedFileSummary } from './json-output.ts';
import { formatFileTable } from './resource-tables.ts';
import { saveFileContent } from './save-file-content.ts';

export function filesCommand(): Command {
  const files = new Command('files').description("the project's files: batch inputs, outputs and error files (OpenAI Files API)");

  files
    .command('list')
    .description('list files, newest first')
    .addOption(new Option('--limit <n>', 'how many (1–10000)').default('20'))
    .option('--after <id>', 'list the files after this one (pagination)')
    .option('--purpose <purpose>', 'only files of this purpose, e.g. batch')
    .addOption(jsonOption())
    .action(
      runAction(async (_options: unknown, command: Command) => {
        const context = contextOf(command);
        const options = optionsOf(
          command,
          z.object({
            limit: z.coerce.number().int().min(1).max(10_000),
            after: z.string().min(1).optional(),
            purpose: z.string().min(1).optional(),
            json: z.boolean().default(false),
          }),
        );
        const query = new URLSearchParams({ limit: String(options.limit), ...(options.after ? { after: options.after } : {}), ...(options.purpose ? { purpose: options.purpose } : {}) });
        const page = await context.apiClient().json('GET', `/v1/files?${query}`, fileListSchema);
        if (options.json) writeJson(context.stdout, page);
        else if (page.data.length === 0) writeLine(context.stderr, 'no files');
        else writeLine(context.stdout, formatFileTable(page.data));
        if (!options.json && page.has_more) writeLine(context.stderr, `more: llm-gateway files list --after ${page.data.at(-1)?.id ?? ''}`);
        return exitCodes.success;
      }),
    );

  files
    .command('download')
    .description("write a file's content (JSONL) to a file or stdout, streamed")
    .argument('<file_id>', 'the file id (file-…; a batch names its output_file_id and error_file_id)')
    .option('-o, --output <path>', 'where to write it (default: stdout); written beside it and renamed when whole')
    .addOption(jsonOption())
    .addHelpText('after', '\nWith --json (needs --output): {file_id, path, bytes, lines}.')
    .action(
      runAction(async (fileId: string, _options: unknown, command: Command) => {
        const context = contextOf(command);
        const options = optionsOf(command, z.object({ output: z.string().min(1).optional(), json: z.boolean().default(false) }));
        if (options.json && (options.output === undefined || options.output === '-')) {
          throw new CliError('--json prints a summary on stdout, so the content needs a file: add --output <path>');
        }
        const saved = await saveFileContent(context.apiClient(), fileId, options.output);
        if (options.output === undefined || options.output === '-') return exitCodes.success;
        const summary: SavedFileSummary = { file_id: fileId, path: options.output, bytes: saved.bytes, lines: saved.lines };
        if (options.json) writeJson(context.stdout, summary);
        else writeLine(context.stderr, `${fileId}: ${saved.lines.toLocaleString('en-US')} lines (${formatBytes(saved.bytes)}) → ${options.output}`);
        return exitCodes.success;
      }),
    );

  return files;
}
