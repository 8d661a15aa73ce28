// The Docker image and compose file, checked without a Docker engine: the image's stages are rebuilt
// from exactly the files the Dockerfile COPYs (see test/support/docker-build-reproduction.ts), then
// the runtime stage's CMD, HEALTHCHECK and the compose file's commands run from what it holds.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startChild, stopChild, type Child } from '../bench/processes.ts';
import { environmentSchema } from '../src/config/env.ts';
import { parseGatewayConfigYaml } from '../src/config/gateway-config.ts';
import { durationMs, healthcheckArgv, interpolatedNames, parseComposeFile } from './support/compose-file.ts';
import { hostCommand, reproduceImage, runCommand, stepEnvironment, type ReproducedStage } from './support/docker-build-reproduction.ts';
import { isExcluded, parseDockerignore } from './support/docker-context.ts';
import { parseDockerfile, withoutInstruction } from './support/dockerfile.ts';
import { testAdminKey } from './support/test-gateway.ts';
import { createTestDatabase, deleteRedisPrefix, testRedisUrl, uniqueName, type TestDatabase } from './support/test-services.ts';

const repositoryRoot = resolve(import.meta.dirname, '..');
const dockerfile = readFileSync(join(repositoryRoot, 'Dockerfile'), 'utf8');
const compose = parseComposeFile(readFileSync(join(repositoryRoot, 'docker-compose.yml'), 'utf8'));
/** Opt-in: the node binary to run the image's commands with (e.g. the image's Node line); default this one. */
const nodeBinary = process.env.DOCKER_IMAGE_TEST_NODE ?? process.execPath;
/** main.ts lets the drain run this long past server.shutdownTimeoutMs before it exits anyway. */
const drainOverrunMs = 10_000;
/** The services built from our image (the others are postgres and redis images). */
const gatewayImageServices = Object.entries(compose.services).filter(([, service]) => service.image === compose.services.gateway?.image);

function composeService(name: string) {
  const service = compose.services[name];
  if (!service) throw new Error(`docker-compose.yml has no service ${name}`);
  return service;
}

describe('the Docker image, rebuilt from exactly the files its Dockerfile copies', () => {
  let output: string;
  let runtime: ReproducedStage;
  let database: TestDatabase;
  const prefix = uniqueName('docker_image');
  const children: Child[] = [];

  beforeAll(async () => {
    output = await mkdtemp(join(tmpdir(), 'docker-image-'));
    const stages = await reproduceImage({ dockerfile, contextDirectory: repositoryRoot, outputDirectory: output, nodeModules: join(repositoryRoot, 'node_modules'), nodeBinary });
    runtime = stages.at(-1) as ReproducedStage;
    database = await createTestDatabase('docker_image');
    // Two builds' worth of work (tsc, a production npm ci, copying node_modules): ~20 s on an idle
    // machine, several times that on a busy one.
  }, 180_000);

  afterAll(async () => {
    await Promise.all(children.map((child) => stopChild(child, 5000)));
    await database?.drop();
    await deleteRedisPrefix(prefix);
    if (output) await rm(output, { recursive: true, force: true });
  });

  /** The container's environment (the image's ENV), pointed at this test's Postgres and Redis. */
  function containerEnvironment(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      ...stepEnvironment(runtime, nodeBinary),
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: prefix,
      GATEWAY_ADMIN_KEY: testAdminKey,
      // The image listens on 0.0.0.0; a test machine should not.
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...overrides,
    };
  }

  async function runInImage(argv: readonly string[], environment: Record<string, string>) {
    const { file, args, cwd } = await hostCommand(runtime, argv, nodeBinary);
    return runCommand([file, ...args], { cwd, env: environment });
  }

  async function startFromImage(name: string, environment: Record<string, string>, readyLine: RegExp): Promise<Child> {
    const { file, args, cwd } = await hostCommand(runtime, runtime.command ?? [], nodeBinary);
    const child = startChild(name, file, args, { env: environment, cwd, echoLines: 0 });
    children.push(child);
    await child.waitForLine(readyLine, 30_000);
    return child;
  }

  it('holds the built server, its assets and migrations, and production dependencies only', async () => {
    const app = (path: string) => join(runtime.root, runtime.workdir, path);
    for (const path of ['package.json', 'dist/main.js', 'dist/db/migrate-cli.js', 'dist/durability/healthcheck-cli.js', 'migrations/meta/_journal.json']) {
      expect(existsSync(app(path)), path).toBe(true);
    }
    expect(await readdir(app('dist/dashboard/assets'))).not.toHaveLength(0);
    expect(existsSync(app('node_modules/fastify/package.json'))).toBe(true);
    for (const devDependency of ['vitest', 'drizzle-kit', 'tsx']) expect(existsSync(app(`node_modules/${devDependency}`)), `dev dependency ${devDependency} in the runtime image`).toBe(false);
    expect(existsSync(app('src')), 'sources in the runtime image').toBe(false);
    // node itself, so SIGTERM reaches main.ts's drain; and the bounded heap.
    expect(runtime.command?.slice(0, 2)).toEqual(['node', '--max-old-space-size=192']);
    expect(runtime.command).toContain('dist/main.js');
  });

  it("applies every migration with the compose file's one-shot migrate command", async () => {
    const fresh = await createTestDatabase('docker_migrate');
    try {
      const command = composeService('migrate').command;
      const result = await runInImage(typeof command === 'string' ? ['/bin/sh', '-c', command] : (command ?? []), containerEnvironment({ DATABASE_URL: fresh.url }));
      expect(result.code, result.output).toBe(0);
      const journal = JSON.parse(readFileSync(join(runtime.root, runtime.workdir, 'migrations/meta/_journal.json'), 'utf8')) as { entries: unknown[] };
      const client = new pg.Client({ connectionString: fresh.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ applied: number }>('SELECT count(*)::int AS applied FROM drizzle.__drizzle_migrations');
        expect(rows[0]?.applied).toBe(journal.entries.length);
      } finally {
        await client.end();
      }
    } finally {
      await fresh.drop();
    }
  });

  it('serves /healthz, /readyz and a mock chat completion in the all role, passes its HEALTHCHECK, and drains on SIGTERM', async () => {
    const [port, metricsPort, closedPort] = [await freePort(), await freePort(), await freePort()];
    const environment = containerEnvironment({ GATEWAY_ROLE: 'all', PORT: String(port), METRICS_PORT: String(metricsPort) });
    const gateway = await startFromImage('image-all', environment, /gateway listening/);
    const url = `http://127.0.0.1:${port}`;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    const created = await fetch(`${url}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testAdminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: uniqueName('key'), project: 'docker-image' }),
    });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    const completion = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-echo', messages: [{ role: 'user', content: 'hello from the image' }] }),
    });
    expect(completion.status).toBe(200);
    expect(((await completion.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content).toBe('hello from the image');

    const healthcheck = runtime.healthcheck ?? [];
    expect(healthcheck, 'the image has a HEALTHCHECK').not.toHaveLength(0);
    const healthy = await runInImage(healthcheck, environment);
    expect(healthy.code, healthy.output).toBe(0);
    expect(healthy.output).toContain(`127.0.0.1:${port}/healthz answered 200`);
    const composeCheck = await runInImage(healthcheckArgv(composeService('gateway').healthcheck?.test ?? []), { ...environment, GATEWAY_ROLE: 'api' });
    expect(composeCheck.code, composeCheck.output).toBe(0);
    expect(composeCheck.output).toContain(`/readyz answered 200`);
    const nothingListening = await runInImage(healthcheck, { ...environment, PORT: String(closedPort) });
    expect(nothingListening.code).not.toBe(0);
    expect(nothingListening.output).toContain('ECONNREFUSED');

    expect(await stopChild(gateway)).toBe(0);
  });

  it('makes the worker role probe-able: its HEALTHCHECK asks the METRICS_PORT server', async () => {
    const metricsPort = await freePort();
    // The image's own METRICS_PORT, moved to a free port; the worker role has no API port.
    const environment = containerEnvironment({ GATEWAY_ROLE: 'worker', METRICS_PORT: String(metricsPort) });
    expect(runtime.environment.METRICS_PORT, 'the image sets METRICS_PORT').toBeDefined();
    const worker = await startFromImage('image-worker', environment, /provider workers started/);
    const healthy = await runInImage(runtime.healthcheck ?? [], environment);
    expect(healthy.code, healthy.output).toBe(0);
    expect(healthy.output).toContain(`127.0.0.1:${metricsPort}/healthz answered 200`);
    const ready = await runInImage(healthcheckArgv(composeService('worker').healthcheck?.test ?? []), environment);
    expect(ready.code, ready.output).toBe(0);
    expect(ready.output).toContain(`127.0.0.1:${metricsPort}/readyz answered 200`);
    const withoutMetricsServer = await runInImage(runtime.healthcheck ?? [], { ...environment, METRICS_PORT: '' });
    expect(withoutMetricsServer.code).not.toBe(0);
    expect(withoutMetricsServer.output).toContain('set METRICS_PORT');
    expect(await stopChild(worker)).toBe(0);
  });
});

describe('the image reproduction', () => {
  it('fails the build when the Dockerfile forgets a file the build needs', async () => {
    const forgetful = withoutInstruction(dockerfile, 'COPY scripts ./scripts');
    const output = await mkdtemp(join(tmpdir(), 'docker-image-forgetful-'));
    try {
      const build = reproduceImage({ dockerfile: forgetful, contextDirectory: repositoryRoot, outputDirectory: output, nodeModules: join(repositoryRoot, 'node_modules'), nodeBinary });
      await expect(build).rejects.toThrow(/RUN npm run build[\s\S]*scripts\/copy-assets\.mjs/);
    } finally {
      await rm(output, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('docker-compose.yml', () => {
  it('gives every long-running service a healthcheck; only the one-shot migrate has none', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === 'migrate') {
        expect(service.restart).toBe('no');
        expect(service.healthcheck?.disable).toBe(true);
        continue;
      }
      expect(service.healthcheck?.disable, name).not.toBe(true);
      expect(() => healthcheckArgv(service.healthcheck?.test ?? []), name).not.toThrow();
      expect(healthcheckArgv(service.healthcheck?.test ?? []), name).not.toHaveLength(0);
    }
  });

  it('starts gateway and worker only after the migrate step, built from the same image, has succeeded', () => {
    const migrate = composeService('migrate');
    expect(migrate.image).toBe(composeService('gateway').image);
    expect(migrate.depends_on?.postgres?.condition).toBe('service_healthy');
    for (const name of ['gateway', 'worker']) {
      const service = composeService(name);
      expect(service.depends_on?.migrate?.condition, name).toBe('service_completed_successfully');
      for (const dependency of ['postgres', 'redis', 'cache-redis']) expect(service.depends_on?.[dependency]?.condition, `${name} → ${dependency}`).toBe('service_healthy');
    }
  });

  it('lets a stopping gateway or worker finish its drain before Docker kills it', () => {
    for (const name of ['gateway', 'worker']) {
      const service = composeService(name);
      const configVolume = service.volumes?.find((volume) => volume.split(':')[1] === service.environment?.GATEWAY_CONFIG);
      expect(configVolume, `${name} mounts its GATEWAY_CONFIG`).toBeDefined();
      const config = parseGatewayConfigYaml(readFileSync(join(repositoryRoot, (configVolume as string).split(':')[0] as string), 'utf8'), {});
      expect(durationMs(service.stop_grace_period ?? '10s'), name).toBeGreaterThanOrEqual(config.server.shutdownTimeoutMs + drainOverrunMs);
    }
  });

  it('sets only environment variables the gateway reads, or that its config file interpolates', () => {
    const known = new Set(Object.keys(environmentSchema.shape));
    expect(gatewayImageServices.map(([name]) => name).sort()).toEqual(['gateway', 'migrate', 'worker']);
    for (const [name, service] of gatewayImageServices) {
      const configVolume = service.volumes?.find((volume) => volume.split(':')[1] === service.environment?.GATEWAY_CONFIG);
      const interpolated = configVolume ? interpolatedNames(readFileSync(join(repositoryRoot, configVolume.split(':')[0] as string), 'utf8')) : new Set<string>();
      for (const variable of Object.keys(service.environment ?? {})) {
        expect(known.has(variable) || interpolated.has(variable), `${name}: ${variable} is neither in src/config/env.ts nor used by its config`).toBe(true);
      }
    }
  });

  it("gives the worker a METRICS_PORT (its own or the image's), the only port a worker serves its probes on", () => {
    const runtimeStage = parseDockerfile(dockerfile).at(-1);
    const imageEnvironment = Object.fromEntries(runtimeStage?.instructions.flatMap((instruction) => (instruction.keyword === 'ENV' ? instruction.variables : [])) ?? []);
    const metricsPort = composeService('worker').environment?.METRICS_PORT ?? imageEnvironment.METRICS_PORT;
    expect(Number(metricsPort)).toBeGreaterThan(0);
  });
});

describe('the reproduction reads Dockerfiles and .dockerignore as BuildKit does', () => {
  it('applies .dockerignore patterns: ** at any depth, a directory excludes its contents, ! re-includes, the last match wins', () => {
    const patterns = parseDockerignore('**/node_modules\nsrc/**/*.test.ts\nconfig/*\n!config/example.yaml\n# comment\n/dist/\n');
    const excluded = (path: string) => isExcluded(path, patterns);
    expect(['node_modules', 'node_modules/a/b.js', 'packages/x/node_modules/y', 'src/a/b.test.ts', 'src/b.test.ts', 'config/local.yaml', 'dist/main.js'].filter(excluded)).toHaveLength(7);
    expect(['src/a/b.ts', 'config/example.yaml', 'distribution', 'test.ts'].filter(excluded)).toEqual([]);
  });

  it('joins continuations, drops comments inside them, strips RUN flags and substitutes global ARGs into FROM', () => {
    const [stage] = parseDockerfile(
      'ARG BASE=node:24-slim\nFROM ${BASE} AS Build\nRUN --mount=type=cache,target=/root/.npm \\\n  # a comment\n  npm ci\nCOPY --chown=node:node ["a b", "c", "/d/"]\nENV A=1 B="two words"\n',
    );
    expect(stage?.name).toBe('build');
    expect(stage?.image).toBe('node:24-slim');
    expect(stage?.instructions.map(({ line, text: _text, ...rest }) => ({ line, ...rest }))).toEqual([
      { line: 3, keyword: 'RUN', argv: ['/bin/sh', '-c', 'npm ci'] },
      { line: 6, keyword: 'COPY', from: undefined, sources: ['a b', 'c'], destination: '/d/' },
      {
        line: 7,
        keyword: 'ENV',
        variables: [
          ['A', '1'],
          ['B', 'two words'],
        ],
      },
    ]);
  });

  it('reads compose durations', () => {
    expect([durationMs('45s'), durationMs('1m30s'), durationMs('1500ms')]).toEqual([45_000, 90_000, 1500]);
    expect(() => durationMs('45')).toThrow();
  });
});
