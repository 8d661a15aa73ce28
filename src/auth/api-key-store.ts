import { createHash, randomBytes } from 'node:crypto';
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { RedisClient } from '../redis/redis-connections.ts';
import type { Database } from '../db/client.ts';
import { apiKeys } from '../db/schema/api-keys.ts';
import { projects } from '../db/schema/projects.ts';
import { parseStoredLimits, toLimitsView, type TenantLimitsView } from './tenant-limits-schema.ts';

/** Who is calling: resolved from the bearer key on every API request. */
export interface Principal {
  apiKeyId: string;
  projectId: string;
}

export interface ApiKeyView {
  id: string;
  object: 'api_key';
  name: string;
  project_id: string;
  project: string;
  key_prefix: string;
  created_at: number;
  revoked_at: number | null;
  /** Rate limits and budgets of this key (`PUT /admin/keys/{id}/limits`). */
  limits: TenantLimitsView;
}

/** Keys are 192 random bits, so a fast hash is enough (no brute force to slow down). */
export function hashApiKey(plaintext: string): string {
  return createHash('sha256').update(plaintext).digest('hex');
}

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}

interface CacheEntry {
  principal: Principal | null;
  expiresAt: number;
}

/**
 * API keys in Postgres, with a per-process cache of key hash → principal so the hot path costs no
 * query. Revocation is immediate: the revoking process drops its entry and broadcasts the hash on a
 * Redis channel every API process listens to; a missed broadcast (lost subscriber) clears the cache.
 */
export class ApiKeyStore {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly channel: string;

  constructor(
    private readonly options: {
      db: Database;
      redis: RedisClient;
      prefix: string;
      /** How long a known key is trusted without a query. @defaultValue 60000 */
      positiveTtlMs?: number;
      /** How long an unknown key is remembered as unknown. @defaultValue 2000 */
      negativeTtlMs?: number;
    },
  ) {
    this.channel = `${options.prefix}:api-keys:revoked`;
  }

  /** Listen for revocations from other processes on a subscriber connection. */
  async listen(subscriber: RedisClient): Promise<void> {
    subscriber.on('message', (channel: string, keyHash: string) => {
      if (channel === this.channel) this.cache.delete(keyHash);
    });
    subscriber.on('ready', () => this.cache.clear());
    await subscriber.subscribe(this.channel);
  }

  async authenticate(plaintext: string): Promise<Principal | undefined> {
    const keyHash = hashApiKey(plaintext);
    const now = Date.now();
    const cached = this.cache.get(keyHash);
    if (cached && cached.expiresAt > now) return cached.principal ?? undefined;
    const [row] = await this.options.db
      .select({ id: apiKeys.id, projectId: apiKeys.projectId })
      .from(apiKeys)
      .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)));
    const principal = row ? { apiKeyId: row.id, projectId: row.projectId } : null;
    const ttl = principal ? (this.options.positiveTtlMs ?? 60_000) : (this.options.negativeTtlMs ?? 2_000);
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(keyHash, { principal, expiresAt: now + ttl });
    return principal ?? undefined;
  }

  /** Creates the project if it is new. The plaintext key is in the answer and nowhere else. */
  async createKey(input: { name: string; project: string }): Promise<ApiKeyView & { key: string }> {
    const key = `gw-${randomBytes(24).toString('base64url')}`;
    return this.options.db.transaction(async (transaction) => {
      await transaction
        .insert(projects)
        .values({ id: newId('proj'), name: input.project })
        .onConflictDoNothing({ target: projects.name });
      const [project] = await transaction.select().from(projects).where(eq(projects.name, input.project));
      if (!project) throw new Error(`project ${input.project} vanished`);
      const [row] = await transaction
        .insert(apiKeys)
        .values({ id: newId('key'), projectId: project.id, name: input.name, keyHash: hashApiKey(key), keyPrefix: key.slice(0, 10) })
        .returning();
      if (!row) throw new Error('insert returned no row');
      this.cache.delete(row.keyHash);
      return { ...toView(row, project.name), key };
    });
  }

  async listKeys(filter: { project?: string | undefined } = {}): Promise<ApiKeyView[]> {
    const rows = await this.options.db
      .select({ key: apiKeys, projectName: projects.name })
      .from(apiKeys)
      .innerJoin(projects, eq(apiKeys.projectId, projects.id))
      .where(filter.project === undefined ? undefined : eq(projects.name, filter.project))
      .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
    return rows.map((row) => toView(row.key, row.projectName));
  }

  /** One key as listed; undefined for an unknown id. */
  async getKey(id: string): Promise<ApiKeyView | undefined> {
    const row = await this.findKey(id);
    return row ? toView(row.key, row.projectName) : undefined;
  }

  /** Idempotent: revoking a revoked key keeps its first revocation time. Undefined for an unknown id. */
  async revokeKey(id: string): Promise<ApiKeyView | undefined> {
    await this.options.db
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
    const row = await this.findKey(id);
    if (!row) return undefined;
    this.cache.delete(row.key.keyHash);
    await this.options.redis.publish(this.channel, row.key.keyHash);
    return toView(row.key, row.projectName);
  }

  private async findKey(id: string) {
    const [row] = await this.options.db.select({ key: apiKeys, projectName: projects.name }).from(apiKeys).innerJoin(projects, eq(apiKeys.projectId, projects.id)).where(eq(apiKeys.id, id));
    return row;
  }
}

function toView(row: typeof apiKeys.$inferSelect, projectName: string): ApiKeyView {
  return {
    id: row.id,
    object: 'api_key',
    name: row.name,
    project_id: row.projectId,
    project: projectName,
    key_prefix: row.keyPrefix,
    created_at: Math.floor(row.createdAt.getTime() / 1000),
    revoked_at: row.revokedAt ? Math.floor(row.revokedAt.getTime() / 1000) : null,
    limits: toLimitsView(parseStoredLimits(row.limits)),
  };
}
