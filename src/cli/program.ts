import { Command } from 'commander';
import { createRequire } from 'node:module';
import { batchCommand } from './batch-commands.ts';
import { addConnectionOptions } from './cli-context.ts';
import { filesCommand } from './files-commands.ts';
import { keysCommand } from './keys-commands.ts';
import { modelsCommand } from './models-command.ts';
import { usageCommand } from './usage-command.ts';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** The gateway's command line: batches, files, keys, usage and models over the HTTP API (`llm-gateway --help`). */
export function buildProgram(): Command {
  const program = new Command('llm-gateway')
    .description('Command line for the LLM batch gateway: submit and follow batches, download files, manage API keys, read usage.')
    .version(version)
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
Environment:
  GATEWAY_URL        the gateway's base URL (default http://127.0.0.1:8080)
  GATEWAY_API_KEY    an API key, for batch, files, usage and models
  GATEWAY_ADMIN_KEY  the admin key, for keys

Output: tables and results on stdout, progress and messages on stderr; --json (on every command)
prints one JSON document on stdout instead.

Exit status: 0 success; 1 an error (usage, input, HTTP, connection); 2 a waited-on batch failed,
expired or was cancelled; 3 a waited-on batch completed with failed lines; 130 interrupted.

Examples:
  llm-gateway batch submit reviews.csv --model mock-classifier \\
    --system "labels: positive, negative, neutral" --wait --output labels.jsonl
  llm-gateway batch submit passages.csv --endpoint /v1/embeddings --model text-embedding-3-small \\
    --wait --output vectors.jsonl`,
    );
  addConnectionOptions(program);
  program.addCommand(batchCommand());
  program.addCommand(filesCommand());
  program.addCommand(keysCommand());
  program.addCommand(usageCommand());
  program.addCommand(modelsCommand());
  return program;
}
