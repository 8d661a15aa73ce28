import { Option, type Command } from 'commander';
import { z } from 'zod';
import { CliError } from './cli-error.ts';
import { GatewayClient } from './gateway-client.ts';

export const defaultGatewayUrl = 'http://127.0.0.1:8080';

/** The connection options every command takes; the environment variables are the usual way. */
export function addConnectionOptions(program: Command): Command {
  return program
    .addOption(new Option('--url <url>', "the gateway's base URL").env('GATEWAY_URL').default(defaultGatewayUrl))
    .addOption(new Option('--api-key <key>', 'an API key of the project (prefer the env var: flags show in ps)').env('GATEWAY_API_KEY'))
    .addOption(new Option('--admin-key <key>', 'the admin key, for the keys commands').env('GATEWAY_ADMIN_KEY'));
}

const connectionSchema = z.object({
  url: z.string(),
  apiKey: z.string().optional(),
  adminKey: z.string().optional(),
});

/** What a command's action needs: clients built from the global options, and the two output streams. */
export interface CliContext {
  apiClient(): GatewayClient;
  adminClient(): GatewayClient;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export function contextOf(command: Command): CliContext {
  const connection = connectionSchema.parse(command.optsWithGlobals());
  const url = connection.url;
  return {
    apiClient() {
      if (!connection.apiKey) throw new CliError('no API key: set GATEWAY_API_KEY or pass --api-key (create one with `llm-gateway keys create --project <name>`)');
      return new GatewayClient({ url, bearer: connection.apiKey, credentialSource: 'GATEWAY_API_KEY / --api-key' });
    },
    adminClient() {
      if (!connection.adminKey) throw new CliError('no admin key: set GATEWAY_ADMIN_KEY or pass --admin-key');
      return new GatewayClient({ url, bearer: connection.adminKey, credentialSource: 'GATEWAY_ADMIN_KEY / --admin-key' });
    },
    stdout: process.stdout,
    stderr: process.stderr,
  };
}

/** A command's own options, checked: commander hands them over untyped. */
export function optionsOf<T>(command: Command, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(command.opts());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = String(issue?.path[0] ?? '').replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
    throw new CliError(`--${flag}: ${issue?.message ?? 'invalid value'}`);
  }
  return parsed.data;
}

/** Wraps an action that answers its exit code; errors go on to main's handler. */
export const runAction =
  <A extends unknown[]>(action: (...args: A) => Promise<number>) =>
  async (...args: A): Promise<void> => {
    process.exitCode = await action(...args);
  };

export function writeLine(stream: NodeJS.WriteStream, text = ''): void {
  stream.write(`${text}\n`);
}
