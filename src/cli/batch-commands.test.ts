import { CommanderError, type Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { batchEndpointUrls } from './batch-endpoints.ts';
import { buildProgram } from './program.ts';

/** Parses `args` as the user gives them, with commander's output and exits caught. */
function parse(args: string[]): { thrown: unknown; text: string } {
  let text = '';
  const quiet = (command: Command) => {
    command.exitOverride().configureOutput({ writeOut: (chunk) => (text += chunk), writeErr: (chunk) => (text += chunk) });
    command.commands.forEach(quiet);
  };
  const program = buildProgram();
  quiet(program);
  let thrown: unknown;
  try {
    program.parse(args, { from: 'user' });
  } catch (error) {
    thrown = error;
  }
  return { thrown, text };
}

describe('batch submit --endpoint', () => {
  it('documents the endpoints, --dimensions and an embeddings example in --help', () => {
    const { text } = parse(['batch', 'submit', '--help']);
    // Commander wraps descriptions to the terminal's width.
    const unwrapped = text.replace(/\s+/g, ' ');
    expect(unwrapped).toMatch(/--endpoint <path> [^-]*\(choices: "\/v1\/chat\/completions", "\/v1\/embeddings", default: "\/v1\/chat\/completions"\)/);
    expect(text).toMatch(/--dimensions <n> +embeddings: /);
    expect(text).toMatch(/--system <text> +chat completions: /);
    expect(text).toMatch(/batch submit \S+ --endpoint \/v1\/embeddings --model \S+ --dimensions \d+/);
    for (const url of batchEndpointUrls) expect(text).toContain(url);
  });

  it('refuses an endpoint the CLI does not know, as a usage error naming the choices', () => {
    const { thrown, text } = parse(['batch', 'submit', 'texts.csv', '--model', 'm', '--endpoint', '/v1/responses']);
    expect(thrown).toBeInstanceOf(CommanderError);
    expect(thrown).toMatchObject({ code: 'commander.invalidArgument', exitCode: 1 });
    expect(text).toContain("argument '/v1/responses' is invalid. Allowed choices are /v1/chat/completions, /v1/embeddings.");
  });
});
