import { Command } from 'commander';
import { z } from 'zod';
import { contextOf, optionsOf, runAction, writeLine } from './cli-context.ts';
import { exitCodes } from './cli-error.ts';
import { usageGroups, usageReportSchema } from './gateway-schemas.ts';
import { jsonOption, writeJson } from './json-output.ts';
import { formatUsageTable } from './usage-table.ts';

const usageOptionsSchema = z.object({
  from: z.string().min(1).optional(),
  to: z.string().min(1).optional(),
  groupBy: z.string().min(1).optional(),
  project: z.string().trim().min(1).max(200).optional(),
  json: z.boolean().default(false),
});

/** `usage`: the API key's project's requests, tokens, cost and latency (`GET /v1/usage`). */
export function usageCommand(): Command {
  return new Command('usage')
    .description("the project's usage: requests, errors, tokens, cost and latency, over a time range")
    .option('--from <time>', 'start: ISO 8601 with an offset (2025-06-01T00:00:00Z), a date (2025-06-01, UTC) or Unix seconds (default: 24 hours before --to)')
    .option('--to <time>', 'end, in the same forms (default: now)')
    .option('--group-by <groups>', `comma-separated: ${usageGroups.join(', ')} (default: one total)`)
    .option('--project <name>', "the API key's own project (a key sees no other)")
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
The gateway counts whole hours: --from rounds down and --to up to the hour, and the answer says the
range it covers. Costs are USD as the gateway stores them (decimals, never rounded by floats).
With --json: the gateway's report {object, from, to, group_by, data: [...], total}.

Example:
  llm-gateway usage --from 2025-06-01 --to 2025-06-08 --group-by day,model`,
    )
    .action(
      runAction(async (_options: unknown, command: Command) => {
        const context = contextOf(command);
        const options = optionsOf(command, usageOptionsSchema);
        const query = new URLSearchParams();
        if (options.from !== undefined) query.set('from', options.from);
        if (options.to !== undefined) query.set('to', options.to);
        if (options.groupBy !== undefined) query.set('group_by', options.groupBy);
        if (options.project !== undefined) query.set('project', options.project);
        const text = query.size > 0 ? `?${query}` : '';
        const report = await context.apiClient().json('GET', `/v1/usage${text}`, usageReportSchema);
        if (options.json) {
          writeJson(context.stdout, report);
          return exitCodes.success;
        }
        const grouped = report.group_by.length > 0 ? `, by ${report.group_by.join(', ')}` : '';
        writeLine(context.stderr, `usage from ${report.from} to ${report.to}${grouped}`);
        writeLine(context.stdout, formatUsageTable(report));
        return exitCodes.success;
      }),
    );
}
