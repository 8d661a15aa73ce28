import { WaitingError, type Job } from 'bullmq';

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

type Processor<Data, Result> = (job: Job<Data, Result>, token?: string) => Promise<Result>;

/**
 * A BullMQ processor that hands its job back when the drain deadline has passed: a job fetched after
 * it goes straight back; one whose processor throws HandBackError goes back too. Nothing of it was
 * recorded, so whoever runs it next runs it as if for the first time.
 */
export function handingBack<Data, Result>(processor: Processor<Data, Result>, signal: AbortSignal | undefined): Processor<Data, Result> {
  if (!signal) return processor;
  return async (job, token) => {
    try {
      if (signal.aborted) throw new HandBackError();
      return await processor(job, token);
    } catch (error) {
      if (!HandBackError.is(error)) throw error;
      await job.moveToWait(token);
      throw new WaitingError();
    }
  };
}
