#!/usr/bin/env node
// The `llm-gateway` bin: runs the program, turning expected failures into one line on stderr and an exit code.
import { exitCodes, isCliError } from './cli-error.ts';
import { buildProgram } from './program.ts';

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    if (isCliError(error)) {
      process.stderr.write(`llm-gateway: ${error.message}\n`);
      process.exitCode = error.exitCode;
    } else {
      // Not an expected failure: keep the stack for the bug report.
      process.stderr.write(`llm-gateway: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = exitCodes.error;
    }
  }
}

await main();
