import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import type { AppDependencies } from '../app.ts';
import { openGatewayQueues } from '../../queues/gateway-queues.ts';
import { adminPageAuthHook } from './admin-auth.ts';

const descriptions = {
  chat: 'Sync, streamed and async chat calls, and fallback hops',
  'batch-chunk': 'Batch lines, in chunks',
  'batch-control': 'Batch start, expiry, sweeps and finalisation',
  'batch-native': "Provider batches at providers' batch APIs: submit, poll (delayed in between), read results in",
  webhooks: 'Webhook deliveries and their retries',
} as const;

/**
 * bull-board over every queue of the gateway, for the admin (`/admin/queues`). Read-only: each job
 * belongs to a request, batch or delivery whose state is in Postgres, so removing or retrying one
 * by hand would split the two; the API (cancel a batch, redeliver a webhook) is how to act.
 */
export function queueBoardPlugin(dependencies: Pick<AppDependencies, 'config' | 'redis' | 'prefix' | 'adminKey' | 'logger'>, basePath: string) {
  return async (app: FastifyInstance): Promise<void> => {
    const { queues, close } = openGatewayQueues(dependencies);
    app.addHook('onClose', close);
    const serverAdapter = new FastifyAdapter();
    serverAdapter.setBasePath(basePath);
    createBullBoard({
      queues: queues.map(
        (entry) =>
          new BullMQAdapter(entry.queue, {
            readOnlyMode: true,
            description: entry.provider ? `${descriptions[entry.kind]} (${entry.provider})` : descriptions[entry.kind],
          }),
      ),
      serverAdapter,
      options: { uiConfig: { boardTitle: 'Gateway queues' } },
    });
    // onRequest: a refusal costs nothing, and covers the board's static assets too.
    app.addHook('onRequest', adminPageAuthHook(dependencies.adminKey));
    await app.register(serverAdapter.registerPlugin());
  };
}
