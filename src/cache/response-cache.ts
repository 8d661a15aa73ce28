import type { RedisClient } from '../redis/redis-connections.ts';
import { z } from 'zod';
import type { Logger } from '../logging/logger.ts';
import { chatCompletionSchema, type TokenUsage } from '../providers/chat-completion-schemas.ts';
import { embeddingsVectorsSchema } from '../providers/embeddings-schemas.ts';
import type { OperationResponse } from '../operations/registry.ts';

/** A stored answer: the response as first answered (any operation), its usage, and what it cost then (USD). */
export interface CachedAnswer {
  response: OperationResponse;
  usage: TokenUsage;
  /** The cost of the original call: what each hit saves. */
  cost: string;
  provider: string;
  upstreamModel: string;
}

const cachedAnswerSchema = z.strictObject({
  response: z.union([chatCompletionSchema, embeddingsVectorsSchema]),
  usage: z.looseObject({
    promptTokens: z.number().int().min(0),
    completionTokens: z.number().int().min(0),
    totalTokens: z.number().int().min(0),
    cachedPromptTokens: z.number().int().min(0).optional(),
    cacheCreationTokens: z.number().int().min(0).optional(),
    estimated: z.boolean().optional(),
  }),
  cost: z.string().regex(/^\d+(\.\d+)?$/),
  provider: z.string(),
  upstreamModel: z.string(),
});

/**
 * The exact-match response cache in Redis: one string key per answer, with its TTL. It can live in a
 * Redis of its own (`CACHE_REDIS_URL`) with an eviction policy, since BullMQ's Redis must not evict.
 * Failures never fail a request: a lookup that errors is a miss, a store that errors is logged.
 */
export class ResponseCache {
  constructor(
    private readonly options: {
      redis: RedisClient;
      prefix: string;
      logger: Logger;
      /** Larger answers are not stored. */
      maxEntryBytes: number;
    },
  ) {}

  /** The stored answer, or undefined (absent, expired, unreadable — an unreadable entry is deleted). */
  async get(key: string): Promise<CachedAnswer | undefined> {
    let text: string | null;
    try {
      text = await this.options.redis.get(this.redisKey(key));
    } catch (error) {
      this.options.logger.warn({ err: error }, 'cache lookup failed; answering without the cache');
      return undefined;
    }
    if (text === null) return undefined;
    const parsed = parseEntry(text);
    if (parsed) return parsed;
    this.options.logger.warn({ cacheKey: key }, 'dropping a cache entry that does not parse');
    await this.options.redis.del(this.redisKey(key)).catch(() => 0);
    return undefined;
  }

  /** Stores a successful, complete answer; never throws. */
  async set(key: string, answer: CachedAnswer, ttlSeconds: number): Promise<boolean> {
    const text = JSON.stringify(answer);
    if (Buffer.byteLength(text) > this.options.maxEntryBytes) return false;
    try {
      await this.options.redis.set(this.redisKey(key), text, 'EX', ttlSeconds);
      return true;
    } catch (error) {
      this.options.logger.warn({ err: error }, 'cache store failed');
      return false;
    }
  }

  private redisKey(key: string): string {
    return `${this.options.prefix}:cache:${key}`;
  }
}

function parseEntry(text: string): CachedAnswer | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
  const parsed = cachedAnswerSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}
