import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { freePort, startChild, type Child } from '../../bench/processes.ts';
import { testAdminKey } from './test-gateway.ts';

const root = resolve(import.meta.dirname, '../..');

export interface GatewayProcess {
  child: Child;
  /** `http://<host>:<port>` (api and all roles). */
  url: string;
  /** The exit code or signal, once it exited. */
  exited: Promise<number | string>;
}

/**
 * A gateway as a real process (`node --import tsx src/main.ts`, as `npm run dev` runs it), for what
 * only a process shows: signals, `kill -9`, exit codes. Its own process group (`detached`), so a test
 * can signal the whole group as `docker stop` and a Kubernetes rollout do.
 *
 * With `namespace`, it runs in that network namespace (`ip netns exec`, which execs the command: the
 * child's pid is the gateway's), as a host of its own: `host` is its address there, and the API's port
 * is the image's 8080 (the namespace has its own ports).
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
  /** The address it listens on (HOST) and its URL names. @defaultValue 127.0.0.1 */
  host?: string;
  /** A network namespace (`ip netns`) to run in. */
  namespace?: string;
}): Promise<GatewayProcess> {
  const configPath = join(options.directory, `${options.name}.yaml`);
  await writeFile(configPath, JSON.stringify(options.config)); // JSON is YAML
  const host = options.host ?? '127.0.0.1';
  const port = options.role === 'worker' ? 0 : options.namespace ? 8080 : await freePort();
  const env = {
    ...process.env,
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: options.prefix,
    GATEWAY_CONFIG: configPath,
    GATEWAY_ROLE: options.role,
    GATEWAY_ADMIN_KEY: testAdminKey,
    HOST: host,
    PORT: String(port),
    LOG_LEVEL: 'info',
    ...options.environment,
  };
  const node = [process.execPath, '--import', 'tsx', 'src/main.ts'];
  const [command = '', ...args] = options.namespace ? ['ip', 'netns', 'exec', options.namespace, ...node] : node;
  const child = startChild(options.name, command, args, { env, cwd: root, echoLines: Number(process.env.TEST_ECHO_LINES ?? 0), detached: true });
  await child.waitForLine(options.role === 'worker' ? /provider workers started/ : /gateway listening/, 60_000);
  return { child, url: `http://${host}:${port}`, exited: child.exited };
}
