import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { freePort, startChild, type Child } from '../../bench/processes.ts';
import { testAdminKey } from './test-gateway.ts';

const root = resolve(import.meta.dirname, '../..');

export interface GatewayProcess {
  child: Child;
  /** `http://127.0.0.1:<port>` (api and all roles). */
  url: string;
  /** The exit code or signal, once it exited. */
  exited: Promise<number | string>;
}

/**
 * A gateway as a real process (`node --import tsx src/main.ts`, as `npm run dev` runs it), for what
 * only a process shows: signals, `kill -9`, exit codes. Its own process group (`detached`), so a test
 * can signal the whole group as `docker stop` and a Kubernetes rollout do.
 */
export async function startGatewayProcess(options: {
  name: string;
  role: 'api' | 'worker' | 'all';
  config: unknown;
  directory: string;
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  environment?: Record<string, string>;
}): Promise<GatewayProcess> {
  const configPath = join(options.directory, `${options.name}.yaml`);
  await writeFile(configPath, JSON.stringify(options.config)); // JSON is YAML
  const port = options.role === 'worker' ? 0 : await freePort();
  const env = {
    ...process.env,
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: options.prefix,
    GATEWAY_CONFIG: configPath,
    GATEWAY_ROLE: options.role,
    GATEWAY_ADMIN_KEY: testAdminKey,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'info',
    ...options.environment,
  };
  const child = startChild(options.name, process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, cwd: root, echoLines: Number(process.env.TEST_ECHO_LINES ?? 0), detached: true });
  await child.waitForLine(options.role === 'worker' ? /provider workers started/ : /gateway listening/, 60_000);
  return { child, url: `http://127.0.0.1:${port}`, exited: child.exited };
}
