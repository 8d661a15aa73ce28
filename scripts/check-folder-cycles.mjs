#!/usr/bin/env node
// Fails when the folders of src/ depend on each other in a cycle.
//
// Every module is collapsed to its top-level folder under src/ (src/providers/openai/x.ts → src/providers);
// a file directly in src/ (main.ts, gateway.ts, logger.ts) is a unit of its own. Cycles between modules of
// one folder are allowed; a cycle between folders means the layering no longer holds.
//
// dependency-cruiser extracts and resolves the imports (explicit `.ts` specifiers included). It parses
// TypeScript with @swc/core because dependency-cruiser's tsc parser needs the TypeScript 5/6 compiler API,
// which TypeScript 7 no longer ships. swc's AST is also read here to tell `import type` edges apart.
//
// Usage: node scripts/check-folder-cycles.mjs [--ignore-type-only] [--json] [--move FILE=FOLDER ...]
//   --ignore-type-only  leave out edges made only of `import type` / `export type` (the runtime graph)
//   --json              print the folder graph's cycles as JSON instead of text
//   --move FILE=FOLDER  count FILE as part of FOLDER (e.g. src/x/y.ts=src/z), to try a move before making it
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cruise } from 'dependency-cruiser';
import swc from '@swc/core';

process.chdir(fileURLToPath(new URL('..', import.meta.url)));

const ignoreTypeOnly = process.argv.includes('--ignore-type-only');
const asJson = process.argv.includes('--json');
const moves = new Map(process.argv.flatMap((argument, i, all) => (argument === '--move' && all[i + 1]?.includes('=') ? [all[i + 1].split('=')] : [])));

// Spec files beside the code are leaves of their folder, not part of its layering.
const result = await cruise(['src'], {
  parser: 'swc',
  exclude: { path: '\\.test\\.ts$|/__fixtures__/' },
  doNotFollow: { path: 'node_modules' },
  moduleSystems: ['es6', 'cjs'],
});
const modules = result.output.modules.filter((module) => module.source.startsWith('src/'));

// An import the tool cannot resolve would drop its edge silently and could hide a cycle: refuse to judge.
const unresolved = modules.flatMap((module) => module.dependencies.filter((d) => d.couldNotResolve && d.module.startsWith('.')).map((d) => `${module.source} → ${d.module}`));
if (unresolved.length > 0) {
  console.log(`Cannot check folder cycles: ${unresolved.length} relative import(s) in src/ do not resolve:\n${unresolved.map((line) => `  ${line}`).join('\n')}`);
  process.exit(1);
}

/** src/providers/openai/x.ts → src/providers; src/main.ts → src/main.ts */
function unitOf(path) {
  if (moves.has(path)) return moves.get(path);
  const parts = path.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : path;
}

// `import type` / `export type` declarations (or ones whose every specifier is `type`) carry no runtime edge.
const typeOnlySpecifiersByFile = new Map();
function typeOnlySpecifiers(file) {
  let cached = typeOnlySpecifiersByFile.get(file);
  if (cached) return cached;
  const runtime = new Set();
  const typeOnly = new Set();
  const ast = swc.parseSync(readFileSync(file, 'utf8'), { syntax: 'typescript', dynamicImport: true });
  for (const item of ast.body) {
    if (!item.source || !['ImportDeclaration', 'ExportNamedDeclaration', 'ExportAllDeclaration'].includes(item.type)) continue;
    const specifiers = item.specifiers ?? [];
    const isTypeOnly = item.typeOnly || (specifiers.length > 0 && specifiers.every((s) => s.isTypeOnly));
    (isTypeOnly ? typeOnly : runtime).add(item.source.value);
  }
  cached = new Set([...typeOnly].filter((s) => !runtime.has(s)));
  typeOnlySpecifiersByFile.set(file, cached);
  return cached;
}

// Folder graph: from → to → list of file-level imports { from, to, typeOnly, dynamic }.
const graph = new Map();
let typeOnlyEdgesLeftOut = 0;
for (const module of modules) {
  const fromUnit = unitOf(module.source);
  for (const dependency of module.dependencies) {
    if (!dependency.resolved.startsWith('src/') || dependency.couldNotResolve) continue;
    const toUnit = unitOf(dependency.resolved);
    if (toUnit === fromUnit) continue;
    const typeOnly = !dependency.dynamic && typeOnlySpecifiers(module.source).has(dependency.module);
    if (typeOnly && ignoreTypeOnly) {
      typeOnlyEdgesLeftOut++;
      continue;
    }
    if (!graph.has(fromUnit)) graph.set(fromUnit, new Map());
    const edges = graph.get(fromUnit);
    if (!edges.has(toUnit)) edges.set(toUnit, []);
    edges.get(toUnit).push({ from: module.source, to: dependency.resolved, typeOnly, dynamic: dependency.dynamic });
  }
}

// Tarjan's strongly connected components: each component of more than one unit is a tangle of cycles.
function stronglyConnectedComponents(nodes) {
  let index = 0;
  const indices = new Map();
  const lowLinks = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  function visit(node) {
    indices.set(node, index);
    lowLinks.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (!indices.has(next)) {
        visit(next);
        lowLinks.set(node, Math.min(lowLinks.get(node), lowLinks.get(next)));
      } else if (onStack.has(next)) {
        lowLinks.set(node, Math.min(lowLinks.get(node), indices.get(next)));
      }
    }
    if (lowLinks.get(node) === indices.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      components.push(component.sort());
    }
  }
  for (const node of nodes) if (!indices.has(node)) visit(node);
  return components.filter((c) => c.length > 1);
}

// An order of a component's units that as few imports as possible go against (a heuristic minimum feedback
// arc set: Eades–Lin–Smyth, then moving single units while that lowers the weight). Units earlier in the order
// import the later ones; an import from a later unit to an earlier one closes a cycle and is to be broken.
function weight(from, to) {
  return graph.get(from)?.get(to)?.length ?? 0;
}
function layerOrder(component) {
  const remaining = new Set(component);
  const head = [];
  const tail = [];
  const outWeight = (u) => [...remaining].reduce((n, v) => n + (v === u ? 0 : weight(u, v)), 0);
  const inWeight = (u) => [...remaining].reduce((n, v) => n + (v === u ? 0 : weight(v, u)), 0);
  while (remaining.size > 0) {
    let changed = true;
    while (changed) {
      changed = false;
      for (const u of [...remaining].sort()) {
        if (outWeight(u) === 0) (tail.unshift(u), remaining.delete(u), (changed = true));
        else if (inWeight(u) === 0) (head.push(u), remaining.delete(u), (changed = true));
      }
    }
    if (remaining.size === 0) break;
    const best = [...remaining].sort().reduce((a, b) => (outWeight(b) - inWeight(b) > outWeight(a) - inWeight(a) ? b : a));
    head.push(best);
    remaining.delete(best);
  }
  let order = [...head, ...tail];
  const backWeight = (o) => {
    let n = 0;
    for (let i = 0; i < o.length; i++) for (let j = 0; j < i; j++) n += weight(o[i], o[j]);
    return n;
  };
  let current = backWeight(order);
  let improved = true;
  while (improved) {
    improved = false;
    for (const unit of component) {
      const without = order.filter((u) => u !== unit);
      for (let position = 0; position <= without.length; position++) {
        const candidate = [...without.slice(0, position), unit, ...without.slice(position)];
        const candidateWeight = backWeight(candidate);
        if (candidateWeight < current) {
          order = candidate;
          current = candidateWeight;
          improved = true;
        }
      }
    }
  }
  return order;
}

// The shortest path from `from` to `to` along imports that follow the order: with the back edge it is one cycle.
function shortestForwardPath(from, to, position) {
  const previous = new Map([[from, null]]);
  const queue = [from];
  while (queue.length > 0) {
    const node = queue.shift();
    if (node === to) break;
    for (const next of [...(graph.get(node)?.keys() ?? [])].sort()) {
      if (position.has(next) && position.get(next) > position.get(node) && !previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  const path = [];
  for (let node = to; node !== null && node !== undefined; node = previous.get(node)) path.unshift(node);
  return path[0] === from ? path : null;
}

function example(from, to) {
  const imports = graph.get(from).get(to);
  const chosen = imports.find((i) => !i.typeOnly) ?? imports[0];
  return `${chosen.from} → ${chosen.to}${chosen.typeOnly ? ' [type-only]' : ''}${chosen.dynamic ? ' [dynamic]' : ''}`;
}

const components = stronglyConnectedComponents([...graph.keys()].sort());
const report = components.map((component) => {
  const order = layerOrder(component);
  const position = new Map(order.map((u, i) => [u, i]));
  const backEdges = [];
  for (const from of component) {
    for (const [to, imports] of graph.get(from) ?? []) {
      if (!position.has(to) || position.get(to) > position.get(from)) continue;
      const closing = shortestForwardPath(to, from, position) ?? [to, from];
      backEdges.push({
        from,
        to,
        imports: imports.map((i) => ({ from: i.from, to: i.to, typeOnly: i.typeOnly, dynamic: i.dynamic })),
        cycle: [from, ...closing].slice(1).map((unit, i, rest) => {
          const previous = i === 0 ? from : rest[i - 1];
          return { from: previous, to: unit, example: example(previous, unit) };
        }),
      });
    }
  }
  backEdges.sort((a, b) => a.imports.length - b.imports.length || new Set(a.imports.map((i) => i.from)).size - new Set(b.imports.map((i) => i.from)).size || a.from.localeCompare(b.from));
  return { units: order, backEdges };
});

if (asJson) {
  console.log(JSON.stringify({ ignoreTypeOnly, modules: modules.length, components: report }, null, 2));
} else if (report.length === 0) {
  console.log(`No import cycles between folders of src/ (${modules.length} modules${ignoreTypeOnly ? `, ${typeOnlyEdgesLeftOut} type-only imports left out` : ''}).`);
} else {
  const backEdgeCount = report.reduce((n, c) => n + c.backEdges.length, 0);
  const importCount = report.reduce((n, c) => n + c.backEdges.reduce((m, e) => m + e.imports.length, 0), 0);
  console.log(
    `Import cycles between folders of src/: ${report.length} tangle(s); breaking ${backEdgeCount} folder edge(s) (${importCount} import(s)) would untangle them` +
      `${ignoreTypeOnly ? ` (type-only imports left out: ${typeOnlyEdgesLeftOut})` : ''}.\n`,
  );
  report.forEach((component, i) => {
    console.log(`Tangle ${i + 1} of ${component.units.length} units; an order with fewest imports against it (importer first):`);
    console.log(`  ${component.units.join(' > ')}`);
    console.log('  Imports against that order, fewest first; each closes the cycle shown:');
    for (const edge of component.backEdges) {
      console.log(`  ${edge.from} → ${edge.to}  (${edge.imports.length} import(s))`);
      for (const imp of edge.imports) console.log(`      ${imp.from} → ${imp.to}${imp.typeOnly ? ' [type-only]' : ''}${imp.dynamic ? ' [dynamic]' : ''}`);
      console.log(`    cycle: ${[edge.from, ...edge.cycle.map((step) => step.to)].join(' → ')}`);
      for (const step of edge.cycle) console.log(`      ${step.from} → ${step.to}: e.g. ${step.example}`);
    }
    console.log('');
  });
}
process.exit(report.length === 0 ? 0 : 1);
