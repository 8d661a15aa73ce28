import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startChild, stopChild, type Child } from '../bench/processes.ts';
import { modelListSchema } from '../src/cli/gateway-schemas.ts';
import { batchOutcomeSchema } from '../src/cli/json-output.ts';
import { repositoryRoot, startCommand } from './support/built-cli.ts';
import { testAdminKey } from './support/test-gateway.ts';
import { createTestDatabase, deleteRedisPrefix, testRedisUrl, uniqueName, type TestDatabase } from './support/test-services.ts';

const execFileAsync = promisify(execFile);

/** Runs a command to its end; a failure carries its output (a failed build says which line). */
async function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileAsync(command, args, { ...options, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const output = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${output.stdout ?? ''}\n${output.stderr ?? ''}`, { cause: error });
  }
}
/** The repository's own files, as `npm pack` sees them; not what a build or an install leaves. */
const notSources = new Set(['node_modules', '.git', 'dist', 'coverage', 'test-artifacts']);

/** npm as a user runs it: none of the npm_* settings `npx vitest` passes down. */
const npmEnvironment = () => Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_') && !name.startsWith('GATEWAY_')));

/**
 * The package as it ships: `npm pack` (its prepack builds dist/) from a copy of the work tree, the
 * tarball installed globally into a temporary prefix, then its bin and its gateway run from there.
 */
describe('the npm package', () => {
  let directory: string;
  let tarball: string;
  let prefix: string;
  let database: TestDatabase | undefined;
  let gateway: Child | undefined;
  let gatewayUrl: string;
  const redisPrefix = uniqueName('clipkg');

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'llm-gateway-package-'));
    const tree = join(directory, 'tree');
    await cp(repositoryRoot, tree, { recursive: true, filter: (source) => !notSources.has(basename(source)) || source === repositoryRoot });
    await symlink(join(repositoryRoot, 'node_modules'), join(tree, 'node_modules'), 'dir');
    const packed = await run('npm', ['pack', '--pack-destination', directory, '--loglevel=error'], { cwd: tree, env: npmEnvironment() });
    tarball = join(directory, packed.stdout.trim().split('\n').at(-1) ?? '');

    prefix = join(directory, 'global');
    const install = (cacheMode: string) =>
      run('npm', ['install', '--global', '--prefix', prefix, tarball, cacheMode, '--no-audit', '--no-fund', '--loglevel=error'], { cwd: directory, env: npmEnvironment() });
    // The dependencies come from npm's cache (filled by `npm ci`); where its metadata is missing, the registry answers that.
    await install('--offline').catch(() => install('--prefer-offline'));
  }, 180_000);

  afterAll(async () => {
    if (gateway) await stopChild(gateway);
    await database?.drop();
    await deleteRedisPrefix(redisPrefix);
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('holds the built dist, the migrations and the example config, and no sources or tests', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout
      .trim()
      .split('\n')
      .map((path) => path.replace(/^package\//, ''));
    for (const file of [
      'package.json',
      'README.md',
      'LICENSE',
      'dist/cli/main.js',
      'dist/main.js',
      'dist/dashboard/assets/index.html',
      'migrations/meta/_journal.json',
      'config/gateway.example.yaml',
    ]) {
      expect(files).toContain(file);
    }
    expect(files.filter((file) => /^migrations\/\d{4}_.+\.sql$/.test(file)).length).toBeGreaterThan(0);
    expect(files.filter((file) => !/^(dist|migrations|config)\//.test(file)).sort()).toEqual(['LICENSE', 'README.md', 'package.json']);
    // Compiled code only: no TypeScript sources (declarations are not sources), source maps or tests.
    expect(files.filter((file) => /(?<!\.d)\.ts$|\.map$|\.test\.js$|^(src|test|bench)\//.test(file))).toEqual([]);
  });

  it('installs a working llm-gateway bin, and a gateway that runs from the installed package', async () => {
    const bin = join(prefix, 'bin', 'llm-gateway');
    const { version } = JSON.parse(await readFile(join(repositoryRoot, 'package.json'), 'utf8')) as { version: string };
    expect((await startCommand([bin], ['--version'], {}).done).stdout.trim()).toBe(version);

    // The gateway from the same package: migrations and the built-in mock config found where it is installed.
    database = await createTestDatabase('clipkg');
    const port = await freePort();
    gateway = startChild('installed-gateway', process.execPath, [join(prefix, 'lib', 'node_modules', 'llm-batch-gateway', 'dist', 'main.js')], {
      cwd: directory,
      echoLines: 0,
      env: {
        ...npmEnvironment(),
        DATABASE_URL: database.url,
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: redisPrefix,
        GATEWAY_ADMIN_KEY: testAdminKey,
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'info',
      },
    });
    await gateway.waitForLine(/gateway listening/, 60_000);
    gatewayUrl = `http://127.0.0.1:${port}`;

    const cli = (args: string[], environment: Record<string, string> = {}) => startCommand([bin], args, { GATEWAY_URL: gatewayUrl, ...environment }).done;
    const created = await cli(['keys', 'create', '--project', 'package'], { GATEWAY_ADMIN_KEY: testAdminKey });
    expect(created.code).toBe(0);
    const apiKey = { GATEWAY_API_KEY: created.stdout.trim() };

    const models = await cli(['models', '--json'], apiKey);
    expect(models.code).toBe(0);
    expect(modelListSchema.parse(JSON.parse(models.stdout)).data.map((model) => model.id)).toContain('mock-classifier');

    // csv-parse, cli-progress and commander, as installed: a CSV of texts through to the outcome.
    const texts = join(directory, 'texts.csv');
    await writeFile(texts, 'id,text\na,"great, really"\nb,awful\n');
    const submitted = await cli(['batch', 'submit', texts, '--model', 'mock-classifier', '--wait', '--json'], apiKey);
    expect(submitted.stderr).not.toContain('llm-gateway:');
    expect(submitted.code).toBe(0);
    expect(batchOutcomeSchema.parse(JSON.parse(submitted.stdout))).toMatchObject({ result: 'completed', batch: { request_counts: { total: 2, completed: 2, failed: 0 } } });
  });
});
