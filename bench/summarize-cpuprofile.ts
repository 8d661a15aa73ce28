/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time by function and by package.
 *
 *   tsx bench/summarize-cpuprofile.ts <file.cpuprofile> [top=30] [callers=8] [depth=3]
 *
 * `callers` is how many of the top functions also get their main call paths (`depth` frames up, 3 by default).
 */
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, topArgument] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: tsx bench/summarize-cpuprofile.ts <file.cpuprofile> [top]\n');
  process.exit(2);
}
const top = Number(topArgument ?? 30);
const callerCount = Number(process.argv[4] ?? 8);
const callerDepth = Number(process.argv[5] ?? 3);
const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parents = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);

// Self time per node id, from the samples and the time between them (µs).
const selfMicros = new Map<number, number>();
profile.samples.forEach((id, index) => {
  const delta = profile.timeDeltas[index + 1] ?? 0;
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
});

/** Where a function lives: a package name, a node: module, our own file, or a V8 pseudo-node. */
function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native/V8)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:')) return url.replace(/^node:internal\//, 'node:').split('/')[0] ?? url;
  const source = /\/(dist|src|bench|test)\/(.*)$/.exec(url);
  return source ? `app:${source[2]}` : url;
}

const frameName = (node: ProfileNode) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.replace(/^.*\/(node_modules|dist|src)\//, '$1/')}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'}  ${where}`;
};
/** The call path above a node, nearest caller first. */
const callerPath = (id: number, depth: number) => {
  const names: string[] = [];
  for (let parent = parents.get(id); parent !== undefined && names.length < depth; parent = parents.get(parent)) {
    const node = nodes.get(parent);
    if (node) names.push(frameName(node).replace(/\s+/g, ' '));
  }
  return names.join(' <- ');
};
const callersByFunction = new Map<string, Map<string, number>>();
const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
let total = 0;
for (const [id, micros] of selfMicros) {
  const node = nodes.get(id);
  if (!node) continue;
  const key = frameName(node);
  byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
  const callers = callersByFunction.get(key) ?? new Map<string, number>();
  const path = callerPath(id, callerDepth);
  callers.set(path, (callers.get(path) ?? 0) + micros);
  callersByFunction.set(key, callers);
  const pkg = packageOf(node.callFrame.url, node.callFrame.functionName);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
  total += micros;
}
const idle = byPackage.get('(idle)') ?? 0;
const busy = total - idle;

const print = (title: string, entries: Map<string, number>, count: number) => {
  process.stdout.write(`\n${title}\n`);
  for (const [key, micros] of [...entries].sort((left, right) => right[1] - left[1]).slice(0, count)) {
    const share = key === '(idle)' ? '' : `${((micros / busy) * 100).toFixed(1).padStart(5)}% of busy`;
    process.stdout.write(`${(micros / 1000).toFixed(0).padStart(8)} ms  ${share.padEnd(13)}  ${key}\n`);
  }
};
process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (not idle)\n`);
print('self time by package', byPackage, 25);
print(`self time by function (top ${top})`, byFunction, top);

// Inclusive time: each function counted once per sample whose stack contains it.
const inclusive = new Map<string, number>();
for (const [id, micros] of selfMicros) {
  const seen = new Set<string>();
  for (let current: number | undefined = id; current !== undefined; current = parents.get(current)) {
    const node = nodes.get(current);
    if (!node || node.callFrame.functionName === '(root)') continue;
    const name = frameName(node);
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + micros);
  }
}
inclusive.delete(frameName({ id: -1, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } }));
print(`inclusive time by function (top ${top})`, inclusive, top);

const ranked = [...byFunction].filter(([key]) => !key.startsWith('(')).sort((left, right) => right[1] - left[1]);
process.stdout.write(`\nmain callers of the top ${callerCount} functions\n`);
for (const [key, micros] of ranked.slice(0, callerCount)) {
  process.stdout.write(`${(micros / 1000).toFixed(0).padStart(8)} ms  ${key}\n`);
  const callers = [...(callersByFunction.get(key) ?? [])].sort((left, right) => right[1] - left[1]).slice(0, 4);
  for (const [path, share] of callers) process.stdout.write(`${(share / 1000).toFixed(0).padStart(14)} ms  <- ${path}\n`);
}
