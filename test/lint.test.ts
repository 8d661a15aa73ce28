import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs an npm script of this package and returns its exit code with everything it printed. */
function runScript(name: string): { status: number | null; output: string } {
  const result = spawnSync('npm', ['run', '--silent', name], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, output: `${result.stdout}${result.stderr}${result.error ? String(result.error) : ''}` };
}

// The guardrails that keep the code's shape: a failure message names the files to format or the folder cycles to break.
describe('lint', () => {
  it('every file is formatted as prettier writes it (npm run format)', { timeout: 180_000 }, () => {
    const { status, output } = runScript('format:check');
    expect(status, `npm run format:check failed:\n${output}`).toBe(0);
  });

  it('no folder of src/ imports, through others, a folder that imports it', { timeout: 180_000 }, () => {
    const { status, output } = runScript('lint:cycles');
    expect(status, `npm run lint:cycles failed:\n${output}`).toBe(0);
  });
});
