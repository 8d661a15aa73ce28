/**
 * The Docker build context as BuildKit sees it: the directory minus what `.dockerignore` excludes.
 * The matching follows moby/patternmatcher (what BuildKit uses): patterns are relative to the context
 * root, `*` and `?` stay within one path segment, `**` spans any number of them, `!` re-includes, the
 * last matching pattern wins, and a pattern that matches a directory excludes everything under it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

interface IgnorePattern {
  regex: RegExp;
  /** `!pattern`: re-includes what an earlier pattern excluded. */
  exception: boolean;
}

/** One `.dockerignore` pattern as a regular expression over `/`-separated relative paths. */
export function patternRegex(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index += 1) {
    const character = pattern[index] as string;
    if (character === '*') {
      if (pattern[index + 1] === '*') {
        index += 1;
        if (pattern[index + 1] === '/') index += 1; // `**/` is `**`
        source += index + 1 >= pattern.length ? '.*' : '(.*/)?';
      } else {
        source += '[^/]*';
      }
    } else if (character === '?') {
      source += '[^/]';
    } else if (character === '\\' && index + 1 < pattern.length) {
      index += 1;
      source += `\\${pattern[index] as string}`;
    } else if ('.+()|{}$^'.includes(character)) {
      source += `\\${character}`;
    } else {
      source += character; // including `[...]` classes, which mean the same in both syntaxes
    }
  }
  return new RegExp(`^${source}$`);
}

/** The patterns of a `.dockerignore` text, cleaned as BuildKit cleans them. */
export function parseDockerignore(text: string): IgnorePattern[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const exception = line.startsWith('!');
      const cleaned = posix
        .normalize((exception ? line.slice(1) : line).trim())
        .replace(/^\/+/, '')
        .replace(/\/+$/, '');
      return { regex: patternRegex(cleaned), exception };
    });
}

/** True when the context leaves this path (relative to the context root, `/`-separated) out. */
export function isExcluded(relativePath: string, patterns: readonly IgnorePattern[]): boolean {
  const segments = relativePath.split('/');
  // The path itself or any directory above it: `node_modules` excludes `node_modules/x/y.js` too.
  const candidates = segments.map((_segment, index) => segments.slice(0, index + 1).join('/'));
  let excluded = false;
  for (const pattern of patterns) {
    if (candidates.some((candidate) => pattern.regex.test(candidate))) excluded = !pattern.exception;
  }
  return excluded;
}

export interface BuildContext {
  directory: string;
  /** `relativePath` is `/`-separated, relative to `directory`. */
  excludes(relativePath: string): boolean;
}

/** The context at `directory`, with its `.dockerignore` when there is one. */
export function buildContext(directory: string): BuildContext {
  const ignoreFile = join(directory, '.dockerignore');
  const patterns = existsSync(ignoreFile) ? parseDockerignore(readFileSync(ignoreFile, 'utf8')) : [];
  return { directory, excludes: (relativePath) => relativePath !== '' && relativePath !== '.' && isExcluded(relativePath, patterns) };
}
