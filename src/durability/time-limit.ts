import { TimeLimitError } from '../errors/time-limit-error.ts';

/**
 * The operation's result, or a TimeLimitError after `ms`: for calls into Redis or Postgres that would
 * otherwise wait for a connection that is not coming back (a client waiting for its server to be
 * ready waits forever). The operation itself is not cancelled; its late result is dropped.
 */
export async function withinTime<Result>(operation: Promise<Result>, ms: number, what: string): Promise<Result> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new TimeLimitError(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([operation, expired]);
  } finally {
    clearTimeout(timer);
    operation.catch(() => undefined);
  }
}
