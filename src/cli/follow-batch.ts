import { BatchProgress } from './batch-progress.ts';
import { writeLine, type CliContext } from './cli-context.ts';
import { CliError, exitCodes } from './cli-error.ts';
import type { GatewayClient } from './gateway-client.ts';
import type { Batch } from './gateway-schemas.ts';
import { waitForBatch } from './wait-for-batch.ts';

/**
 * Follows a batch to its end with a progress bar on stderr (`batch submit --wait`, `batch wait`).
 * Ctrl-C stops the waiting, not the batch.
 */
export async function followBatch(context: CliContext, client: GatewayClient, batchId: string): Promise<Batch> {
  const progress = new BatchProgress({ stream: context.stderr });
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  process.once('SIGINT', onSignal);
  try {
    return await waitForBatch(client, batchId, {
      signal: interrupt.signal,
      onUpdate: (batch) => progress.update(batch),
      onTransientError: (error, attempt) => writeLine(context.stderr, `poll ${attempt} failed, retrying: ${error.message}`),
    });
  } catch (error) {
    if (interrupt.signal.aborted) {
      progress.stop();
      throw new CliError(`stopped waiting; ${batchId} keeps running on the gateway (llm-gateway batch wait ${batchId}, or batch cancel ${batchId})`, {
        exitCode: exitCodes.interrupted,
      });
    }
    throw error;
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
  }
}
