import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { freePort, startChild, stopChild, waitUntil, type Child } from '../../bench/processes.ts';
import { testAdminKey } from './test-gateway.ts';

const root = resolve(import.meta.dirname, '../..');

export interface StartingGateway {
  child: Child;
  /** `http://127.0.0.1:<port>` of HOST:PORT (api and all roles). */
  url: string;
  /** Every line the process printed so far, stdout and stderr (the child's `tail` keeps only 50). */
  lines: string[];
  exited: Promise<number | string>;
  /** Polls until the port answers `/healthz` (the process listens before its dependencies answer). */
  waitForHealthz(timeoutMs?: number): Promise<void>;
  /** SIGTERM and the exit code. */
  stop(): Promise<number | string>;
}

/**
 * A gateway process (`node --import tsx src/main.ts`) that is only started: unlike
 * `startGatewayProcess`, nothing waits for it to be ready, since these tests watch it while it
 * cannot be (its Postgres or Redis away).
 */
export async function startStartingGateway(options: {
  name: string;
  role?: 'api' | 'worker' | 'all';
  config: unknown;
  directory: string;
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  environment?: Record<string, string>;
}): Promise<StartingGateway> {
  const configPath = join(options.directory, `${options.name}.yaml`);
  await writeFile(configPath, JSON.stringify(options.config)); // JSON is YAML
  const port = await freePort();
  const env = {
    ...process.env,
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: options.prefix,
    GATEWAY_CONFIG: configPath,
    GATEWAY_ROLE: options.role ?? 'all',
    GATEWAY_ADMIN_KEY: testAdminKey,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'info',
    ...options.environment,
  };
  const child = startChild(options.name, process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, cwd: root, echoLines: Number(process.env.TEST_ECHO_LINES ?? 0) });
  const lines: string[] = [];
  for (const stream of [child.process.stdout, child.process.stderr]) {
    let buffered = '';
    stream?.on('data', (chunk: string | Buffer) => {
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        lines.push(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
      }
    });
  }
  const url = `http://127.0.0.1:${port}`;
  return {
    child,
    url,
    lines,
    exited: child.exited,
    waitForHealthz: (timeoutMs = 60_000) => waitUntil(`${options.name} /healthz`, async () => (await fetch(`${url}/healthz`)).status === 200, timeoutMs),
    stop: () => stopChild(child),
  };
}

/** The lines that are JSON, parsed; throws on one that is not (every line must be a structured log line). */
export function parseLogLines(lines: readonly string[]): Array<Record<string, unknown>> {
  return lines
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON log line: ${line.slice(0, 300)}`);
      }
    });
}
