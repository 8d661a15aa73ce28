import { Command } from 'commander';
import { hostname } from 'node:os';
import { z } from 'zod';
import { formatTime } from './batch-format.ts';
import { contextOf, optionsOf, runAction, writeLine } from './cli-context.ts';
import { exitCodes } from './cli-error.ts';
import { apiKeyListSchema, apiKeySchema, createdKeySchema } from './gateway-schemas.ts';
import { jsonOption, writeJson } from './json-output.ts';
import { formatKeyTable } from './resource-tables.ts';

const projectName = z.string().trim().min(1).max(200);

export function keysCommand(): Command {
  const keys = new Command('keys').description('manage API keys (needs the admin key)');

  keys
    .command('create')
    .description('create an API key (and its project if new); the key is shown once')
    .requiredOption('--project <name>', 'the project the key belongs to (created if new)')
    .option('--name <name>', 'a name for the key (default: cli@<hostname>)')
    .option('--json', 'print the whole answer as JSON')
    .addHelpText('after', '\nThe key alone goes to stdout, so `export GATEWAY_API_KEY=$(llm-gateway keys create --project demo)` works.')
    .action(
      runAction(async (_options: unknown, command: Command) => {
        const context = contextOf(command);
        const options = optionsOf(command, z.object({ project: projectName, name: z.string().trim().min(1).max(200).optional(), json: z.boolean().default(false) }));
        const created = await context.adminClient().json('POST', '/admin/keys', createdKeySchema, {
          project: options.project,
          name: options.name ?? `cli@${hostname()}`.slice(0, 200),
        });
        if (options.json) {
          writeJson(context.stdout, created);
          return exitCodes.success;
        }
        writeLine(context.stderr, `Created API key ${created.id} '${created.name}' in project ${created.project} (${created.project_id}).`);
        writeLine(context.stderr, 'Store it now: the gateway keeps only its hash and cannot show it again.');
        writeLine(context.stdout, created.key);
        return exitCodes.success;
      }),
    );

  keys
    .command('list')
    .description('list API keys, newest first, revoked ones included (never the keys themselves)')
    .option('--project <name>', 'only the keys of this project')
    .addOption(jsonOption())
    .action(
      runAction(async (_options: unknown, command: Command) => {
        const context = contextOf(command);
        const options = optionsOf(command, z.object({ project: projectName.optional(), json: z.boolean().default(false) }));
        const query = options.project === undefined ? '' : `?${new URLSearchParams({ project: options.project })}`;
        const list = await context.adminClient().json('GET', `/admin/keys${query}`, apiKeyListSchema);
        if (options.json) writeJson(context.stdout, list);
        else if (list.data.length === 0) writeLine(context.stderr, options.project === undefined ? 'no API keys' : `no API keys in project ${options.project}`);
        else writeLine(context.stdout, formatKeyTable(list.data));
        return exitCodes.success;
      }),
    );

  keys
    .command('revoke')
    .description('revoke an API key: it is refused (401) from now on, in every gateway process')
    .argument('<key_id>', 'the key id (key_…, see keys list)')
    .addOption(jsonOption())
    .addHelpText('after', '\nRevoking a revoked key changes nothing and succeeds. With --json: the key object, revoked_at set.')
    .action(
      runAction(async (keyId: string, _options: unknown, command: Command) => {
        const context = contextOf(command);
        const { json } = optionsOf(command, z.object({ json: z.boolean().default(false) }));
        const revoked = await context.adminClient().json('DELETE', `/admin/keys/${encodeURIComponent(keyId)}`, apiKeySchema);
        if (json) writeJson(context.stdout, revoked);
        else writeLine(context.stdout, `${revoked.id} revoked ${formatTime(revoked.revoked_at)} ('${revoked.name}' in project ${revoked.project})`);
        return exitCodes.success;
      }),
    );

  return keys;
}
