/**
 * Thrown by a processor that stopped because its process is shutting down: its job goes back to the
 * queue as it was (its attempt not counted), for another worker. Recognised by name too, as BullMQ's
 * own errors are.
 */
export class HandBackError extends Error {
  override readonly name = 'HandBackError';

  constructor(message = 'the process is shutting down; the job goes back to its queue') {
    super(message);
  }

  static is(error: unknown): boolean {
    return error instanceof HandBackError || (error instanceof Error && error.name === 'HandBackError');
  }
}
