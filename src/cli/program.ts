import { Command } from 'commander';
import { createRequire } from 'node:module';
import { batchCommand } from './batch-commands.ts';
import { addConnectionOptions } from './cli-context.ts';
import { keysCommand } from './keys-commands.ts';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** The gateway's command line: batches and keys over the HTTP API (`llm-gateway --help`). */
export function buildProgram(): Command {
  const program = new Command('llm-gateway')
    .description('Command line for the LLM batch gateway: submit and follow batches, create API keys.')
    .version(version)
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
Environment:
  GATEWAY_URL        the gateway's base URL (default http://127.0.0.1:8080)
  GATEWAY_API_KEY    an API key, for batch commands
  GATEWAY_ADMIN_KEY  the admin key, for keys create

Example:
  llm-gateway batch submit reviews.csv --model mock-classifier \\
    --system "labels: positive, negative, neutral" --wait --output labels.jsonl`,
    );
  addConnectionOptions(program);
  program.addCommand(batchCommand());
  program.addCommand(keysCommand());
  return program;
}
