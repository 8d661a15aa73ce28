import { readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gatewayErrorCodes } from '../src/errors/gateway-error.ts';
import { environmentSchema } from '../src/config/env.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const read = (path: string) => readFile(join(root, path), 'utf8');
const docPages = (await readdir(join(root, 'docs'))).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`);
const pages = new Map<string, string>();
for (const path of ['README.md', 'CHANGELOG.md', ...docPages]) pages.set(path, await read(path));
const readme = pages.get('README.md') ?? '';
const api = await read('docs/api.md');
const configuration = await read('docs/configuration.md');

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = fenced ? undefined : /^#{1,6} (.*)$/.exec(line)?.[1];
    if (heading)
      anchors.add(
        heading
          .trim()
          .toLowerCase()
          .replace(/[^\p{L}\p{N}\- _]/gu, '')
          .replaceAll(' ', '-'),
      );
  }
  return anchors;
}

/** Relative links `[text](path#anchor)` outside code blocks. */
function linksOf(markdown: string): string[] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...withoutCode.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] ?? '').filter((target) => !/^[a-z]+:/.test(target));
}

describe('README and docs', () => {
  it.each(Object.entries(gatewayErrorCodes))('docs/api.md documents error code %s with its status', (code, { status }) => {
    expect(api).toMatch(new RegExp(`\\| \`${code}\` \\| ${status} \\|`));
  });

  it.each(Object.keys(environmentSchema.shape))('docs/configuration.md documents environment variable %s', (name) => {
    expect(configuration).toContain(`| \`${name}\` |`);
  });

  it('README starts with the two quick-start commands', () => {
    const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('### First call'));
    const commands =
      quickStart
        .match(/```sh\n([\s\S]*?)```/)?.[1]
        ?.trim()
        .split('\n') ?? [];
    expect(commands.map((line) => line.split('#')[0]?.trim())).toEqual(['npm install && npm start', 'npm test']);
  });

  it('README links every docs page', () => {
    for (const page of docPages) expect(readme).toContain(`](${page})`);
  });

  it.each([...pages.keys()])('every relative link and anchor in %s resolves', (path) => {
    const broken: string[] = [];
    for (const link of linksOf(pages.get(path) ?? '')) {
      const [file = '', anchor] = link.split('#');
      const target = file === '' ? path : join(dirname(path), file);
      if (!existsSync(join(root, target))) {
        broken.push(link);
        continue;
      }
      if (anchor && target.endsWith('.md') && !anchorsOf(pages.get(target) ?? '').has(anchor)) broken.push(link);
    }
    expect(broken).toEqual([]);
  });

  it.each([...pages.keys()].filter((path) => path !== 'CHANGELOG.md'))('%s describes the product, not how it was built', (path) => {
    const text = pages.get(path) ?? '';
    expect(text).not.toMatch(/\bissues? #?\d+\b|\b(this|last|previous|earlier) session\b|\bearlier (build|runs?)\b|\bpreviously\b|\blanded\b/i);
  });
});
