/**
 * A Dockerfile parser for the instructions our image uses, so a test can rebuild the image's stages
 * outside Docker (there is no engine on our machines). Pure: text in, stages out. Unsupported forms
 * (ADD of a URL, COPY --from an external image, heredocs) are errors, never silently skipped.
 */

export interface DockerfileStage {
  /** The `AS` name, lower-cased as BuildKit treats it; undefined when the stage has none. */
  name: string | undefined;
  index: number;
  /** The base image after ARG substitution, e.g. `node:24-bookworm-slim`. */
  image: string;
  instructions: DockerInstruction[];
}

interface Located {
  /** 1-based line of the instruction's first line. */
  line: number;
  /** The instruction as written (continuations joined), for error messages. */
  text: string;
}

export type DockerInstruction = Located &
  (
    | { keyword: 'COPY'; from: string | undefined; sources: string[]; destination: string }
    | { keyword: 'RUN'; argv: string[] }
    | { keyword: 'WORKDIR'; path: string }
    | { keyword: 'ENV'; variables: Array<[string, string]> }
    | { keyword: 'ARG'; name: string; defaultValue: string | undefined }
    | { keyword: 'CMD'; argv: string[] }
    /** `argv` undefined: `HEALTHCHECK NONE`. */
    | { keyword: 'HEALTHCHECK'; argv: string[] | undefined; options: Record<string, string> }
    | { keyword: 'OTHER'; name: string }
  );

interface LogicalLine {
  line: number;
  text: string;
}

/** Joins `\` continuations and drops comments and blank lines, as BuildKit does. */
export function logicalLines(dockerfile: string): LogicalLine[] {
  const result: LogicalLine[] = [];
  let pending: LogicalLine | undefined;
  dockerfile.split(/\r?\n/).forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return; // also inside a continuation
    const continues = /\\\s*$/.test(raw);
    const content = continues ? raw.replace(/\\\s*$/, '') : raw;
    if (pending) pending.text += content;
    else pending = { line: index + 1, text: content.trimStart() };
    if (!continues) {
      result.push({ line: pending.line, text: pending.text.trim() });
      pending = undefined;
    }
  });
  if (pending) result.push({ line: pending.line, text: pending.text.trim() });
  return result;
}

/** `$NAME`, `${NAME}` and `${NAME:-default}`; unknown names become empty, as in Docker. */
export function substituteVariables(text: string, variables: Record<string, string>): string {
  return text.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_match, braced: string | undefined, fallback: string | undefined, bare: string | undefined) => {
    const value = variables[(braced ?? bare) as string];
    return value !== undefined && value !== '' ? value : (fallback ?? '');
  });
}

/** Leading `--name=value` / `--flag` options, and what follows them. */
function splitFlags(text: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {};
  let rest = text.trim();
  const flag = /^--([a-z-]+)(?:=(\S*))?(?:\s+|$)/;
  let match: RegExpExecArray | null;
  while ((match = flag.exec(rest)) !== null) {
    flags[match[1] as string] = match[2] ?? 'true';
    rest = rest.slice(match[0].length);
  }
  return { flags, rest };
}

/** The JSON (exec) form `["a", "b"]`, or undefined for the shell form. */
function execForm(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed) && parsed.every((item): item is string => typeof item === 'string')) return parsed;
  } catch {
    // Docker runs an unparseable "[" line in the shell form, and so do we.
  }
  return undefined;
}

/** Exec form as is; shell form through `/bin/sh -c`, as Docker runs it. */
function commandArgv(text: string): string[] {
  return execForm(text) ?? ['/bin/sh', '-c', text];
}

function parseEnvironment(text: string): Array<[string, string]> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(text)) {
    // Legacy `ENV NAME value with spaces`.
    const [name = '', ...value] = text.split(/\s+/);
    return [[name, value.join(' ')]];
  }
  const pairs: Array<[string, string]> = [];
  for (const match of text.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|(?:[^\s"'\\]|\\.)*)/g)) {
    const raw = match[2] as string;
    const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw.startsWith("'") ? raw.slice(1, -1) : raw.replace(/\\(.)/g, '$1');
    pairs.push([match[1] as string, value]);
  }
  return pairs;
}

function parseInstruction(line: LogicalLine, stageVariables: Record<string, string>): DockerInstruction {
  const keywordMatch = /^(\S+)\s*(.*)$/s.exec(line.text);
  const name = (keywordMatch?.[1] ?? '').toUpperCase();
  const argument = keywordMatch?.[2] ?? '';
  const located = { line: line.line, text: line.text };
  if ((name === 'RUN' || name === 'COPY') && /(^|\s)<<-?["']?[A-Za-z]/.test(splitFlags(argument).rest)) {
    throw new Error(`Dockerfile line ${line.line}: heredocs are not supported here: ${line.text}`);
  }
  switch (name) {
    case 'COPY':
    case 'ADD': {
      const { flags, rest } = splitFlags(argument);
      const paths = (execForm(rest) ?? rest.split(/\s+/)).map((path) => substituteVariables(path, stageVariables));
      if (paths.length < 2) throw new Error(`Dockerfile line ${line.line}: ${name} needs a source and a destination`);
      const sources = paths.slice(0, -1);
      if (name === 'ADD' && sources.some((source) => /^[a-z]+:\/\//i.test(source))) throw new Error(`Dockerfile line ${line.line}: ADD of a URL is not supported here`);
      return { ...located, keyword: 'COPY', from: flags.from?.toLowerCase(), sources, destination: paths.at(-1) as string };
    }
    case 'RUN':
      return { ...located, keyword: 'RUN', argv: commandArgv(splitFlags(argument).rest) };
    case 'WORKDIR':
      return { ...located, keyword: 'WORKDIR', path: substituteVariables(argument, stageVariables) };
    case 'ENV':
      return { ...located, keyword: 'ENV', variables: parseEnvironment(argument).map(([key, value]) => [key, substituteVariables(value, stageVariables)]) };
    case 'ARG': {
      const [argName = '', ...defaultParts] = argument.split('=');
      return { ...located, keyword: 'ARG', name: argName.trim(), defaultValue: defaultParts.length > 0 ? defaultParts.join('=') : undefined };
    }
    case 'CMD':
      return { ...located, keyword: 'CMD', argv: commandArgv(argument) };
    case 'HEALTHCHECK': {
      const { flags, rest } = splitFlags(argument);
      if (/^NONE$/i.test(rest)) return { ...located, keyword: 'HEALTHCHECK', argv: undefined, options: flags };
      const command = /^CMD\s+(.*)$/is.exec(rest);
      if (!command) throw new Error(`Dockerfile line ${line.line}: HEALTHCHECK needs CMD or NONE`);
      return { ...located, keyword: 'HEALTHCHECK', argv: commandArgv((command[1] as string).trim()), options: flags };
    }
    default:
      return { ...located, keyword: 'OTHER', name };
  }
}

/** The stages of a Dockerfile, in order, with the ARGs declared before the first FROM applied to FROM. */
export function parseDockerfile(dockerfile: string): DockerfileStage[] {
  const globalArguments: Record<string, string> = {};
  const stages: DockerfileStage[] = [];
  let stageVariables: Record<string, string> = {};
  for (const line of logicalLines(dockerfile)) {
    const from = /^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(line.text);
    if (from) {
      stages.push({ name: from[2]?.toLowerCase(), index: stages.length, image: substituteVariables(from[1] as string, globalArguments), instructions: [] });
      stageVariables = {};
      continue;
    }
    const instruction = parseInstruction(line, stageVariables);
    const stage = stages.at(-1);
    if (!stage) {
      if (instruction.keyword !== 'ARG') throw new Error(`Dockerfile line ${line.line}: only ARG may come before the first FROM`);
      if (instruction.defaultValue !== undefined) globalArguments[instruction.name] = instruction.defaultValue;
      continue;
    }
    if (instruction.keyword === 'ARG') stageVariables[instruction.name] = instruction.defaultValue ?? globalArguments[instruction.name] ?? '';
    if (instruction.keyword === 'ENV') for (const [key, value] of instruction.variables) stageVariables[key] = value;
    stage.instructions.push(instruction);
  }
  return stages;
}

/** The Dockerfile without the instructions whose text matches (a test's "forgot a file" variant). */
export function withoutInstruction(dockerfile: string, instruction: string): string {
  const kept = dockerfile.split(/\r?\n/).filter((line) => line.trim() !== instruction);
  if (kept.length === dockerfile.split(/\r?\n/).length) throw new Error(`no line "${instruction}" in the Dockerfile`);
  return kept.join('\n');
}
