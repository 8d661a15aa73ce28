/**
 * Rebuilds a Dockerfile's stages without Docker: each stage gets a directory standing for its
 * filesystem root, COPY copies from the build context (minus `.dockerignore`) or from an earlier
 * stage's directory, and RUN runs on this machine in the stage's WORKDIR with the stage's ENV. The
 * base image contributes nothing but node and npm, so a file the build needs and the Dockerfile does
 * not COPY is missing here as it would be in the image.
 */
import { execFile } from 'node:child_process';
import { cp, copyFile, lstat, mkdir, readdir, stat, symlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, delimiter, dirname, join, posix, relative, sep } from 'node:path';
import { buildContext, type BuildContext } from './docker-context.ts';
import { parseDockerfile, type DockerfileStage, type DockerInstruction } from './dockerfile.ts';

export interface ReproducedStage {
  stage: DockerfileStage;
  /** This stage's `/` on this machine. */
  root: string;
  /** WORKDIR at the end of the stage (a path inside the stage, e.g. `/app`). */
  workdir: string;
  /** ENV at the end of the stage. */
  environment: Record<string, string>;
  /** CMD and HEALTHCHECK (undefined: none, or `HEALTHCHECK NONE`). */
  command: string[] | undefined;
  healthcheck: string[] | undefined;
}

export interface ReproduceOptions {
  dockerfile: string;
  /** The build context (the repository root). */
  contextDirectory: string;
  /** An empty directory; each stage's root is made in it. */
  outputDirectory: string;
  /** Installed dependencies standing in for a full `npm ci` (see `runInstruction`). */
  nodeModules: string;
  /** The node binary standing in for the base image's. @defaultValue this process's */
  nodeBinary?: string;
}

export class BuildStepError extends Error {
  override readonly name = 'BuildStepError';
}

/** Maps a path inside a stage (absolute, or relative to its WORKDIR) to this machine. */
export function hostPath(stage: Pick<ReproducedStage, 'root' | 'workdir'>, containerPath: string): string {
  return join(stage.root, posix.resolve(stage.workdir, containerPath));
}

function fail(instruction: DockerInstruction, message: string): never {
  throw new BuildStepError(`Dockerfile line ${instruction.line} (${instruction.text}): ${message}`);
}

/** The paths a COPY source names in the context: itself, or what its wildcards match. */
async function expandContextSource(context: BuildContext, source: string): Promise<string[]> {
  const cleaned = posix.normalize(source).replace(/^\/+/, '').replace(/\/+$/, '') || '.';
  if (cleaned.startsWith('..')) return [];
  let matches = [''];
  for (const segment of cleaned.split('/')) {
    if (segment === '.') continue;
    if (!/[*?[]/.test(segment)) {
      matches = matches.map((prefix) => (prefix ? `${prefix}/${segment}` : segment));
      continue;
    }
    const pattern = new RegExp(
      `^${segment
        .replace(/[.+()|{}$^]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')}$`,
    );
    const next: string[] = [];
    for (const prefix of matches) {
      const entries = await readdir(join(context.directory, prefix)).catch(() => []);
      next.push(...entries.filter((entry) => pattern.test(entry)).map((entry) => (prefix ? `${prefix}/${entry}` : entry)));
    }
    matches = next;
  }
  const present = await Promise.all(matches.map(async (path) => (!context.excludes(path) && (await lstat(join(context.directory, path)).catch(() => undefined)) ? path : undefined)));
  return present.filter((path): path is string => path !== undefined);
}

/** Docker's COPY: a directory's contents go into the destination; files into it when it is a directory. */
async function copyEntry(options: { from: string; to: string; intoDirectory: boolean; filter?: (path: string) => boolean }): Promise<void> {
  const { from, to, intoDirectory, filter } = options;
  if ((await stat(from)).isDirectory()) {
    await mkdir(to, { recursive: true });
    if (filter) {
      await cp(from, to, { recursive: true, verbatimSymlinks: true, filter });
      return;
    }
    // Whole trees between stages (node_modules: ~130 MB) copy several times faster with cp(1) than
    // with fs.cp; `-a` keeps symlinks as they are, as COPY does.
    const { code, output } = await runCommand(['cp', '-a', `${from}/.`, to], { cwd: to, env: { PATH: process.env.PATH ?? '' } });
    if (code !== 0) throw new BuildStepError(`cp -a ${from} ${to} failed: ${output}`);
    return;
  }
  const existingDirectory = (await stat(to).catch(() => undefined))?.isDirectory() ?? false;
  const target = intoDirectory || existingDirectory ? join(to, basename(from)) : to;
  await mkdir(dirname(target), { recursive: true });
  await copyFile(from, target);
}

async function runCopy(options: { instruction: Extract<DockerInstruction, { keyword: 'COPY' }>; stage: ReproducedStage; stages: ReproducedStage[]; context: BuildContext }): Promise<void> {
  const { instruction, stage, stages, context } = options;
  const destination = hostPath(stage, instruction.destination);
  const intoDirectory = instruction.destination.endsWith('/') || instruction.sources.length > 1;
  if (instruction.from !== undefined) {
    const source = stages.find((candidate) => candidate.stage.name === instruction.from || String(candidate.stage.index) === instruction.from);
    if (!source) fail(instruction, `--from=${instruction.from} is not an earlier stage (external images are not supported here)`);
    for (const path of instruction.sources) {
      const from = hostPath({ root: source.root, workdir: '/' }, path);
      if (!(await lstat(from).catch(() => undefined))) fail(instruction, `"${path}" not found in stage ${instruction.from}`);
      await copyEntry({ from, to: destination, intoDirectory });
    }
    return;
  }
  for (const source of instruction.sources) {
    const paths = await expandContextSource(context, source);
    if (paths.length === 0) fail(instruction, `"${source}" not found in the build context (missing, or excluded by .dockerignore)`);
    for (const path of paths) {
      const from = join(context.directory, path);
      const filter = (candidate: string) => !context.excludes(relative(context.directory, candidate).split(sep).join('/'));
      await copyEntry({ from, to: destination, intoDirectory, filter });
    }
  }
}

/** Runs a command to its end: exit code and output (stdout then stderr). */
export function runCommand(argv: readonly string[], options: { cwd: string; env: Record<string, string> }): Promise<{ code: number; output: string }> {
  const [file = '', ...args] = argv;
  return new Promise((resolve) => {
    execFile(file, args, { ...options, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** What a RUN sees of this machine: node and npm on PATH, npm's cache, the stage's ENV. */
export function stepEnvironment(stage: Pick<ReproducedStage, 'environment'>, nodeBinary: string): Record<string, string> {
  return {
    PATH: [dirname(nodeBinary), process.env.PATH ?? ''].join(delimiter),
    HOME: homedir(),
    ...(process.env.npm_config_cache ? { npm_config_cache: process.env.npm_config_cache } : {}),
    ...stage.environment,
  };
}

async function runInstruction(options: { instruction: Extract<DockerInstruction, { keyword: 'RUN' }>; stage: ReproducedStage; nodeModules: string; nodeBinary: string }): Promise<void> {
  const { instruction, stage } = options;
  const cwd = hostPath(stage, '.');
  await mkdir(cwd, { recursive: true });
  const script = instruction.argv[0] === '/bin/sh' ? (instruction.argv[2] ?? '') : undefined;
  const npmInstall = script !== undefined && /^npm ci(\s|$)/.test(script.trim());
  if (npmInstall && /[;&|]/.test(script)) fail(instruction, 'npm ci chained with other commands is not supported here');
  let argv = instruction.argv;
  if (npmInstall && !/--omit[= ]dev/.test(script)) {
    // The full install (dev dependencies included) is the repository's own node_modules, linked in:
    // the same lockfile, already installed, where installing or copying ~300 MB would cost most of
    // the test's time. The production install below runs for real: it is what the runtime ships.
    await symlink(options.nodeModules, join(cwd, 'node_modules'), 'dir');
    return;
  }
  if (npmInstall) argv = ['/bin/sh', '-c', `${script.trim()} --prefer-offline`];
  const { code, output } = await runCommand(argv, { cwd, env: stepEnvironment(stage, options.nodeBinary) });
  if (code !== 0) fail(instruction, `exited with ${code}:\n${output.trim().split('\n').slice(-30).join('\n')}`);
}

/**
 * Builds every stage in order and returns them (the last is the image). Throws a `BuildStepError`
 * naming the Dockerfile line and, for a failed RUN, the tail of its output.
 */
export async function reproduceImage(options: ReproduceOptions): Promise<ReproducedStage[]> {
  const context = buildContext(options.contextDirectory);
  const nodeBinary = options.nodeBinary ?? process.execPath;
  const stages: ReproducedStage[] = [];
  for (const stage of parseDockerfile(options.dockerfile)) {
    if (!/^node:/.test(stage.image)) throw new BuildStepError(`stage ${stage.name ?? stage.index}: base image ${stage.image} is not a node image; only node images are reproduced here`);
    const built: ReproducedStage = {
      stage,
      root: join(options.outputDirectory, `stage-${stage.index}-${stage.name ?? 'unnamed'}`),
      workdir: '/',
      environment: {},
      command: undefined,
      healthcheck: undefined,
    };
    await mkdir(built.root, { recursive: true });
    for (const instruction of stage.instructions) {
      switch (instruction.keyword) {
        case 'WORKDIR':
          built.workdir = posix.resolve(built.workdir, instruction.path);
          await mkdir(hostPath(built, '.'), { recursive: true });
          break;
        case 'ENV':
          for (const [key, value] of instruction.variables) built.environment[key] = value;
          break;
        case 'COPY':
          await runCopy({ instruction, stage: built, stages, context });
          break;
        case 'RUN':
          await runInstruction({ instruction, stage: built, nodeModules: options.nodeModules, nodeBinary });
          break;
        case 'CMD':
          built.command = instruction.argv;
          break;
        case 'HEALTHCHECK':
          built.healthcheck = instruction.argv;
          break;
        default:
          break; // ARG, USER, EXPOSE, LABEL: nothing to rebuild
      }
    }
    stages.push(built);
  }
  return stages;
}

/**
 * A command as the image would run it, made runnable here: `node` is the given binary, and
 * arguments naming a file inside the stage (`/app/dist/x.js`) point at the stage's directory.
 */
export async function hostCommand(stage: ReproducedStage, argv: readonly string[], nodeBinary = process.execPath): Promise<{ file: string; args: string[]; cwd: string }> {
  const mapped = await Promise.all(
    argv.map(async (argument) => {
      if (!argument.startsWith('/')) return argument;
      const onHost = hostPath(stage, argument);
      return (await lstat(onHost).catch(() => undefined)) ? onHost : argument;
    }),
  );
  const [file = '', ...args] = mapped;
  return { file: file === 'node' ? nodeBinary : file, args, cwd: hostPath(stage, '.') };
}
