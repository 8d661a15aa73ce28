import { WaitingError, type Job } from 'bullmq';
import { HandBackError } from '../errors/hand-back-error.ts';

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
