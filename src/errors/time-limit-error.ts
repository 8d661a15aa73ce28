/** Thrown by `withinTime` (src/durability/time-limit.ts) when the operation took too long. */
export class TimeLimitError extends Error {
  override readonly name = 'TimeLimitError';
}
