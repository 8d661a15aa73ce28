import pg from 'pg';
import { loadEnvironment, type Environment } from '../../src/config/env.ts';
import { parseGatewayConfig, type GatewayConfig } from '../../src/config/gateway-config.ts';
import { startGateway, type Gateway } from '../../src/gateway.ts';
import { createLogger, type LoggerOptions } from '../../src/logging/logger.ts';
import type { Tracing } from '../../src/observability/tracing.ts';
import { createTestDatabase, deleteRedisPrefix, testRedisUrl, uniqueName, type TestDatabase } from './test-services.ts';

export const testAdminKey = 'test-admin-key-0123456789';

export interface TestGateway {
  gateway: Gateway;
  url: string;
  database: TestDatabase;
  prefix: string;
  /** A direct connection to the test database, for asserting rows. */
  sql: pg.Pool;
  createKey(project?: string): Promise<{ id: string; key: string; project_id: string }>;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  /** Raw config (as the YAML would give); defaults to the built-in mock config. */
  config?: unknown;
  environment?: Partial<Record<keyof Environment, string>>;
  /** Share a database/prefix with another gateway (e.g. an API and a worker process). */
  database?: TestDatabase;
  prefix?: string;
  /** Where the gateway's log lines go (e.g. a capture stream; set `environment.LOG_LEVEL` too). */
  logDestination?: LoggerOptions['destination'];
  /** Spans of the gateway's requests and jobs (e.g. into an in-memory exporter). @defaultValue no tracing */
  tracing?: Tracing;
}

export const mockConfig = {
  providers: { mock: { type: 'mock', latencyMs: 0 } },
  models: {
    'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] },
    'mock-classifier': { routes: [{ provider: 'mock', model: 'classifier' }] },
  },
};

/** A whole gateway process in this test file: own database, own Redis prefix, a free port. */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const database = options.database ?? (await createTestDatabase());
  const prefix = options.prefix ?? uniqueName('gwtest');
  const environment = loadEnvironment({
    DATABASE_URL: database.url,
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: prefix,
    GATEWAY_ADMIN_KEY: testAdminKey,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...options.environment,
  });
  const config: GatewayConfig = parseGatewayConfig(options.config ?? mockConfig, {});
  const gateway = await startGateway({
    environment,
    config,
    logger: createLogger(environment.LOG_LEVEL, { destination: options.logDestination }),
    ...(options.tracing ? { tracing: options.tracing } : {}),
  });
  const sql = new pg.Pool({ connectionString: database.url, max: 2 });
  // The database is dropped (connections terminated) at close: a client still ending then must not
  // raise an uncaught 'error'.
  sql.on('error', () => undefined);
  sql.on('connect', (client) => client.on('error', () => undefined));
  const url = gateway.url ?? '';
  return {
    gateway,
    url,
    database,
    prefix,
    sql,
    async createKey(project = 'test-project') {
      const response = await fetch(`${url}/admin/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: uniqueName('key'), project }),
      });
      if (response.status !== 201) throw new Error(`createKey: HTTP ${response.status} ${await response.text()}`);
      return (await response.json()) as { id: string; key: string; project_id: string };
    },
    async close() {
      await gateway.close();
      await sql.end();
      if (!options.database) await database.drop();
      if (!options.prefix) await deleteRedisPrefix(prefix);
    },
  };
}

/** POST JSON with a bearer key; returns status, headers and parsed body. */
export async function postJson(url: string, body: unknown, key?: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    json = text;
  }
  return { status: response.status, headers: response.headers, body: json as Record<string, any> };
}
