import { Command } from 'commander';
import { z } from 'zod';
import { contextOf, optionsOf, runAction, writeLine } from './cli-context.ts';
import { exitCodes } from './cli-error.ts';
import { modelListSchema } from './gateway-schemas.ts';
import { jsonOption, writeJson } from './json-output.ts';
import { formatModelTable } from './resource-tables.ts';

/** `models`: what the gateway serves (`GET /v1/models`), with limits and prices where known. */
export function modelsCommand(): Command {
  return new Command('models')
    .description('list the models the gateway serves, with their context window, output limit and prices')
    .addOption(jsonOption())
    .addHelpText('after', "\nPrices are USD per million tokens; – where nothing prices a model (the cost of its calls is recorded as unknown). With --json: the gateway's list {object, data: [...]}.")
    .action(
      runAction(async (_options: unknown, command: Command) => {
        const context = contextOf(command);
        const { json } = optionsOf(command, z.object({ json: z.boolean().default(false) }));
        const list = await context.apiClient().json('GET', '/v1/models', modelListSchema);
        if (json) writeJson(context.stdout, list);
        else if (list.data.length === 0) writeLine(context.stderr, 'no models');
        else writeLine(context.stdout, formatModelTable(list.data));
        return exitCodes.success;
      }),
    );
}
