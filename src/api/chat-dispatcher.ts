import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Principal } from '../auth/api-key-store.ts';
import type { GatewayConfig } from '../config/gateway-config.ts';
import { GatewayError } from '../gateway-error.ts';
import type { Logger } from '../logger.ts';
import type { ChatCompletion, ChatCompletionRequest } from '../providers/chat-completion-schemas.ts';
import type { ResolvedRoute } from '../routing/resolve-route.ts';
import { chatJobOptions, providerQueueName, type ChatJobData, type ChatJobResult } from '../workers/chat-job.ts';
import { ReplyTimeoutError, type ReplyListener } from '../workers/reply-channel.ts';

/**
 * The API side of a sync call: enqueue the job on its provider's queue, then wait for the worker's
 * reply. Queue objects are cached per provider; they share one Redis connection.
 */
export class ChatDispatcher {
  private readonly queues = new Map<string, Queue<ChatJobData, ChatJobResult>>();

  constructor(
    private readonly options: {
      config: GatewayConfig;
      redis: Redis;
      prefix: string;
      replies: ReplyListener;
      requestTimeoutMs: number;
      logger: Logger;
    },
  ) {}

  async dispatchSync(input: {
    requestId: string;
    principal: Principal;
    request: ChatCompletionRequest;
    routes: ResolvedRoute[];
  }): Promise<{ completion: ChatCompletion; cost: string | undefined }> {
    const route = input.routes[0];
    if (!route) throw new GatewayError({ code: 'model_not_found', message: `model ${input.request.model} has no route`, param: 'model' });
    const provider = this.options.config.providers[route.provider];
    const queue = this.queue(route.provider);
    const reply = this.options.replies.expect(input.requestId, this.options.requestTimeoutMs);
    const data: ChatJobData = {
      requestId: input.requestId,
      kind: 'sync',
      projectId: input.principal.projectId,
      apiKeyId: input.principal.apiKeyId,
      model: input.request.model,
      routes: input.routes,
      routeIndex: 0,
      request: input.request,
      replyTo: this.options.replies.channel,
      acceptedAt: Date.now(),
    };
    try {
      await queue.add(
        'chat',
        data,
        chatJobOptions({
          requestId: input.requestId,
          maxAttempts: provider?.maxAttempts ?? 1,
          retryBaseDelayMs: provider?.retryBaseDelayMs ?? 500,
        }),
      );
    } catch (error) {
      this.options.replies.cancel(input.requestId);
      this.options.logger.error({ err: error, requestId: input.requestId }, 'enqueue failed');
      throw new GatewayError({ code: 'service_unavailable', message: 'the job queue is unavailable; retry shortly' });
    }

    try {
      const answer = await reply;
      if (answer.ok) return { completion: answer.completion, cost: answer.cost };
      throw new GatewayError(answer.error);
    } catch (error) {
      if (!(error instanceof ReplyTimeoutError)) throw error;
      // Not started yet: take it off the queue so no one pays for an answer nobody reads.
      const removed = await queue.remove(input.requestId).catch(() => 0);
      throw new GatewayError({
        code: 'request_timeout',
        message: `the request did not complete within ${this.options.requestTimeoutMs} ms${removed ? ' (it was still queued and has been cancelled)' : ''}`,
      });
    }
  }

  /**
   * Async work: queued and answered later (poll or webhook). Throws `service_unavailable` when the
   * queue cannot take it; the caller then marks the recorded job failed.
   */
  async dispatchAsync(input: {
    requestId: string;
    principal: Principal;
    request: ChatCompletionRequest;
    routes: ResolvedRoute[];
    webhookUrl: string | null;
    acceptedAt: number;
  }): Promise<void> {
    const route = input.routes[0];
    if (!route) throw new GatewayError({ code: 'model_not_found', message: `model ${input.request.model} has no route`, param: 'model' });
    const provider = this.options.config.providers[route.provider];
    const data: ChatJobData = {
      requestId: input.requestId,
      kind: 'async',
      projectId: input.principal.projectId,
      apiKeyId: input.principal.apiKeyId,
      model: input.request.model,
      routes: input.routes,
      routeIndex: 0,
      request: input.request,
      replyTo: null,
      acceptedAt: input.acceptedAt,
      webhookUrl: input.webhookUrl,
    };
    try {
      await this.queue(route.provider).add(
        'chat',
        data,
        chatJobOptions({ requestId: input.requestId, maxAttempts: provider?.maxAttempts ?? 1, retryBaseDelayMs: provider?.retryBaseDelayMs ?? 500 }),
      );
    } catch (error) {
      this.options.logger.error({ err: error, requestId: input.requestId }, 'enqueue failed');
      throw new GatewayError({ code: 'service_unavailable', message: 'the job queue is unavailable; retry shortly' });
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
  }

  private queue(provider: string): Queue<ChatJobData, ChatJobResult> {
    let queue = this.queues.get(provider);
    if (!queue) {
      queue = new Queue<ChatJobData, ChatJobResult>(providerQueueName(provider), {
        connection: this.options.redis,
        prefix: this.options.prefix,
      });
      queue.on('error', (error) => this.options.logger.error({ err: error, provider }, 'queue error'));
      this.queues.set(provider, queue);
    }
    return queue;
  }
}
