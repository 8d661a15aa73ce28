import { Command } from 'commander';
import { hostname } from 'node:os';
import { z } from 'zod';
import { contextOf, optionsOf, writeLine } from './cli-context.ts';
import { createdKeySchema } from './gateway-schemas.ts';

export function keysCommand(): Command {
  const keys = new Command('keys').description('manage API keys (needs the admin key)');

  keys
    .command('create')
    .description('create an API key (and its project if new); the key is shown once')
    .requiredOption('--project <name>', 'the project the key belongs to (created if new)')
    .option('--name <name>', 'a name for the key (default: cli@<hostname>)')
    .option('--json', 'print the whole answer as JSON')
    .addHelpText('after', '\nThe key alone goes to stdout, so `export GATEWAY_API_KEY=$(llm-gateway keys create --project demo)` works.')
    .action(async (_options: unknown, command: Command) => {
      const context = contextOf(command);
      const options = optionsOf(command, z.object({ project: z.string().trim().min(1).max(200), name: z.string().trim().min(1).max(200).optional(), json: z.boolean().default(false) }));
      const created = await context.adminClient().json('POST', '/admin/keys', createdKeySchema, {
        project: options.project,
        name: options.name ?? `cli@${hostname()}`.slice(0, 200),
      });
      if (options.json) {
        writeLine(context.stdout, JSON.stringify(created, null, 2));
        return;
      }
      writeLine(context.stderr, `Created API key ${created.id} '${created.name}' in project ${created.project} (${created.project_id}).`);
      writeLine(context.stderr, 'Store it now: the gateway keeps only its hash and cannot show it again.');
      writeLine(context.stdout, created.key);
    });

  return keys;
}
