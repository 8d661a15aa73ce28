import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { gatewayErrorCodes } from '../src/gateway-error.ts';
import { environmentSchema } from '../src/config/env.ts';

const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it.each(Object.entries(gatewayErrorCodes))('documents error code %s with its status', (code, { status }) => {
    expect(readme).toMatch(new RegExp(`\\| \`${code}\` \\| ${status} \\|`));
  });

  it.each(Object.keys(environmentSchema.shape))('documents environment variable %s', (name) => {
    expect(readme).toContain(`| \`${name}\` |`);
  });

  it('starts with the two quick-start commands', () => {
    const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('### First call'));
    const commands = quickStart.match(/```sh\n([\s\S]*?)```/)?.[1]?.trim().split('\n') ?? [];
    expect(commands.map((line) => line.split('#')[0]?.trim())).toEqual(['npm install && npm start', 'npm test']);
  });
});
