// The container healthcheck: `node dist/durability/healthcheck-cli.js [/healthz|/readyz]`, exit 0 when
// the probe answers 2xx, 1 otherwise (Docker's convention). No curl or wget in slim images, and a
// script picks the port by role, which a fixed command line cannot.
import { z } from 'zod';
import { loadEnvironment } from '../config/env.ts';
import { healthcheckTarget, probePaths } from './healthcheck-target.ts';

/** Below Docker's and compose's usual 5 s healthcheck timeout, so the reason gets printed. */
const requestTimeoutMs = 4000;
/** Enough of a `/readyz` body to show which check fails (`docker inspect` keeps the output). */
const shownBodyCharacters = 300;

const argumentsSchema = z.tuple([z.enum(probePaths).optional()]);

/** One line on stdout (Docker keeps the last ones in the container's health log), then the exit code. */
function finish(healthy: boolean, line: string): never {
  process.stdout.write(`${healthy ? 'healthy' : 'unhealthy'}: ${line}\n`);
  process.exit(healthy ? 0 : 1);
}

async function main(): Promise<void> {
  const parsedArguments = argumentsSchema.safeParse(process.argv.slice(2));
  if (!parsedArguments.success) finish(false, `usage: healthcheck-cli.js [${probePaths.join('|')}]`);
  const [path = '/healthz'] = parsedArguments.data;
  let environment;
  try {
    environment = loadEnvironment();
  } catch (error) {
    finish(false, (error as Error).message);
  }
  const target = healthcheckTarget({ environment, path });
  if ('problem' in target) finish(false, target.problem);
  try {
    const response = await fetch(target.url, { signal: AbortSignal.timeout(requestTimeoutMs) });
    const body = (await response.text()).slice(0, shownBodyCharacters);
    finish(response.ok, `${target.url} answered ${response.status} ${body}`);
  } catch (error) {
    const reason = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    finish(false, `${target.url}: ${reason}`);
  }
}

await main();
