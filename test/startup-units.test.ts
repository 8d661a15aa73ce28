import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConnectionErrorLog, isConnectionError } from '../src/logging/connection-error-log.ts';
import { createLogger } from '../src/logging/logger.ts';
import { KnownSecrets, secretsOf } from '../src/logging/log-redaction.ts';
import { awaitDependencies } from '../src/startup/await-dependencies.ts';
import { describeFailure } from '../src/startup/dependency-failure.ts';
import { connectionAddress, dependencyTargets } from '../src/config/dependency-target.ts';
import { describeIdentity, sameDeployment } from '../src/startup/deployment-identity.ts';
import { retryDelayMs, shouldReport } from '../src/startup/retry-schedule.ts';
import { StartupStatus } from '../src/startup/startup-status.ts';
import { startupAnswer } from '../src/startup/startup-server.ts';

/** A logger writing parsed lines into an array, scrubbing the given URLs' passwords as main.ts does. */
function capturingLogger(urls: string[] = []) {
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(chunk.toString());
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const secrets = new KnownSecrets();
  secrets.add(...secretsOf({ providers: {}, urls }));
  return { logger: createLogger('info', { destination, secrets }), lines, raw };
}

const refused = () => Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:6380'), { code: 'ECONNREFUSED' });

describe('connection addresses', () => {
  it('gives host:port without user or password, with default ports', () => {
    expect(connectionAddress('redis://:hunter2hunter2@cache.internal:6380/2', 'redis')).toBe('cache.internal:6380');
    expect(connectionAddress('rediss://default:pw@redis.example.com', 'redis')).toBe('redis.example.com:6379');
    expect(connectionAddress('postgres://gw:s3cret-pass@db:6432/gateway?sslmode=require', 'postgres')).toBe('db:6432');
    expect(connectionAddress('postgresql://gw@/gateway?host=/var/run/postgresql', 'postgres')).toBe('/var/run/postgresql/.s.PGSQL.5432');
    expect(connectionAddress('redis://[::1]:7000', 'redis')).toBe('[::1]:7000');
    // Unencoded `@` and `/` in a password: never part of the answer.
    expect(connectionAddress('redis://:p@ss@word@queue:6379', 'redis')).toBe('queue:6379');
    expect(connectionAddress('redis://:pass/word@queue:6379', 'redis')).not.toMatch(/pass|word/);
    expect(connectionAddress('redis://user:secretword@queue:port', 'redis')).not.toMatch(/secret/);
  });

  it('lists the cache Redis only when it is a Redis of its own, and never waits for it', () => {
    const base = { DATABASE_URL: 'postgres://db/gw', REDIS_URL: 'redis://queue:6379' };
    expect(dependencyTargets(base).map((target) => target.variable)).toEqual(['DATABASE_URL', 'REDIS_URL']);
    expect(dependencyTargets({ ...base, CACHE_REDIS_URL: base.REDIS_URL }).map((target) => target.variable)).toEqual(['DATABASE_URL', 'REDIS_URL']);
    const cache = dependencyTargets({ ...base, CACHE_REDIS_URL: 'redis://cache:6379' })[2];
    expect(cache).toMatchObject({ variable: 'CACHE_REDIS_URL', address: 'cache:6379', required: false });
  });
});

describe('failure reasons', () => {
  it('tells unreachable, authentication and missing database apart', () => {
    expect(describeFailure(refused()).reason).toBe('unreachable');
    expect(describeFailure(new Error('WRONGPASS invalid username-password pair or user is disabled.')).reason).toBe('authentication-failed');
    expect(describeFailure(new Error('NOAUTH Authentication required.')).reason).toBe('authentication-failed');
    expect(describeFailure(Object.assign(new Error('password authentication failed for user "gw"'), { code: '28P01' })).reason).toBe('authentication-failed');
    expect(describeFailure(Object.assign(new Error('database "gw" does not exist'), { code: '3D000' })).reason).toBe('database-missing');
    expect(describeFailure(Object.assign(new Error('the database system is starting up'), { code: '57P03' })).reason).toBe('starting');
    expect(describeFailure(new Error('something odd')).reason).toBe('error');
  });

  it('counts a lost connection as one, a failed command not', () => {
    expect(isConnectionError(refused())).toBe(true);
    expect(isConnectionError(new Error('Connection is closed.'))).toBe(true);
    expect(isConnectionError(new Error('Missing lock for job 42. moveToFinished'))).toBe(false);
  });
});

describe('retry schedule', () => {
  it('doubles the pause up to 5 s', () => {
    expect([1, 2, 3, 4, 5, 6, 20, 200].map(retryDelayMs)).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
  });

  it('reports the first failure, a new reason, and then every 30 s', () => {
    expect(shouldReport(undefined, 0, 'unreachable')).toBe(true);
    expect(shouldReport({ at: 0, reason: 'unreachable' }, 29_999, 'unreachable')).toBe(false);
    expect(shouldReport({ at: 0, reason: 'unreachable' }, 30_000, 'unreachable')).toBe(true);
    expect(shouldReport({ at: 0, reason: 'unreachable' }, 1, 'authentication-failed')).toBe(true);
  });
});

describe('waiting for dependencies', () => {
  const environment = { DATABASE_URL: 'postgres://gw:pg-password-123@db.internal:5432/gw', REDIS_URL: 'redis://:redis-password-123@queue.internal:6379' };

  it('logs one line per failing dependency, then gives up with a timeout naming it; never a password', async () => {
    const { logger, lines, raw } = capturingLogger([environment.DATABASE_URL, environment.REDIS_URL]);
    const targets = dependencyTargets(environment);
    const status = new StartupStatus(targets);
    let attempts = 0;
    const waiting = awaitDependencies({
      targets,
      status,
      logger,
      timeoutMs: 1_200,
      probe: async (target) => {
        if (target.name === 'redis') {
          attempts += 1;
          throw refused();
        }
      },
    });
    await expect(waiting).rejects.toMatchObject({ name: 'StartupTimeoutError', details: { variable: 'REDIS_URL', address: 'queue.internal:6379', reason: 'unreachable' } });
    expect(attempts).toBeGreaterThan(2);
    expect(lines.filter((line) => line.variable === 'REDIS_URL')).toHaveLength(1);
    expect(lines.filter((line) => line.variable === 'DATABASE_URL')).toHaveLength(0);
    expect(raw.join('')).not.toMatch(/password-123/);
    expect(status.report()).toMatchObject({ status: 'starting', checks: { postgres: 'ok', redis: 'failing' }, waitingFor: [{ dependency: 'redis', variable: 'REDIS_URL', reason: 'unreachable' }] });
  });

  it('stops waiting at once when aborted', async () => {
    const { logger } = capturingLogger();
    const targets = dependencyTargets(environment);
    const stop = new AbortController();
    const waiting = awaitDependencies({ targets, status: new StartupStatus(targets), logger, timeoutMs: 0, signal: stop.signal, probe: () => new Promise(() => {}) });
    stop.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'StartupAbortedError' });
  });

  it('answers probes while starting: /healthz 200, /readyz and the API 503', () => {
    const targets = dependencyTargets(environment);
    const status = new StartupStatus(targets);
    status.failed('postgres', 'authentication-failed', 3);
    expect(startupAnswer('GET', '/healthz', status)).toMatchObject({ statusCode: 200 });
    const readyz = startupAnswer('GET', '/readyz?verbose', status);
    expect(readyz.statusCode).toBe(503);
    expect(JSON.parse(readyz.body)).toMatchObject({ waitingFor: [{ dependency: 'postgres', variable: 'DATABASE_URL', reason: 'authentication-failed', attempts: 3 }, { dependency: 'redis' }] });
    const api = startupAnswer('POST', '/v1/chat/completions', status);
    expect(api).toMatchObject({ statusCode: 503, headers: { 'retry-after': '5' } });
    expect(JSON.parse(api.body)).toMatchObject({ error: { code: 'service_unavailable', message: expect.stringContaining('Postgres (DATABASE_URL): authentication-failed') } });
  });
});

describe('connection error log', () => {
  it('one line when an outage begins, one per interval while it lasts, one when it ends, whatever the number of connections', () => {
    const { logger, lines } = capturingLogger();
    const log = new ConnectionErrorLog(30_000);
    const target = { variable: 'REDIS_URL', address: '10.0.0.7:6380', label: 'Redis' };
    for (let tick = 0; tick < 50; tick += 1) for (const connection of ['api', 'worker', 'cache']) log.failed(target, connection, refused(), logger, tick * 500);
    expect(lines).toHaveLength(1);
    log.failed(target, 'api', refused(), logger, 30_000);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ variable: 'REDIS_URL', address: '10.0.0.7:6380', connections: ['worker', 'cache', 'api'] });
    log.recovered(target, logger, 31_000);
    log.recovered(target, logger, 31_001);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({ msg: 'Redis at REDIS_URL (10.0.0.7:6380) answers again', downMs: 31_000 });
  });
});

describe('deployment identities', () => {
  it('are the same only for the same cluster, database and schema', () => {
    const identity = { systemIdentifier: '7715315905283266687', database: 'gateway', schema: 'public' };
    expect(sameDeployment(identity, { ...identity })).toBe(true);
    expect(sameDeployment(identity, { ...identity, systemIdentifier: '7715315905283266688' })).toBe(false);
    expect(sameDeployment(identity, { ...identity, database: 'gateway_staging' })).toBe(false);
    expect(sameDeployment(identity, { ...identity, schema: 'tenant_a' })).toBe(false);
    expect(describeIdentity({ ...identity, schema: 'tenant_a' })).toBe('database "gateway" (schema tenant_a) on Postgres system 7715315905283266687');
  });
});
