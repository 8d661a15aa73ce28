import type { RedisClient } from '../../redis/redis-connections.ts';
import type pg from 'pg';
import type { Principal } from '../../auth/api-key-store.ts';
import { applyLimitsPatch, parseStoredLimits, toLimitsView, type TenantLimits, type TenantLimitsPatch, type TenantLimitsView } from '../../auth/tenant-limits-schema.ts';

/** The limits that apply to one key's requests: its own and its project's. */
export interface PrincipalLimits {
  key: TenantLimits | null;
  project: TenantLimits | null;
}

export interface ProjectView {
  id: string;
  object: 'project';
  name: string;
  created_at: number;
  webhook_url: string | null;
  limits: TenantLimitsView;
}

interface CacheEntry {
  limits: PrincipalLimits;
  expiresAt: number;
}

/**
 * Limits in Postgres (`api_keys.limits`, `projects.limits`), cached per key so the hot path costs no
 * query. A change is immediate on every API process the way key revocation is: the writer drops its
 * cache and publishes on a Redis channel every API process listens to, and a subscriber that
 * reconnects (and may have missed a message) drops its cache too. Worker processes do not listen;
 * they cache for a few seconds only.
 */
export class TenantLimitsStore {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly loading = new Map<string, Promise<PrincipalLimits>>();
  /** Bumped on every drop: a query that started before a change must not cache what it read. */
  private generation = 0;
  private readonly channel: string;
  private readonly ttlMs: number;

  constructor(
    private readonly options: {
      pool: pg.Pool;
      redis: RedisClient;
      prefix: string;
      /** How long limits are trusted without a query. @defaultValue 60000 */
      ttlMs?: number;
    },
  ) {
    this.channel = `${options.prefix}:tenant-limits:changed`;
    this.ttlMs = options.ttlMs ?? 60_000;
  }

  async listen(subscriber: RedisClient): Promise<void> {
    subscriber.on('message', (channel: string) => {
      if (channel === this.channel) this.drop();
    });
    subscriber.on('ready', () => this.drop());
    await subscriber.subscribe(this.channel);
  }

  /** Single-flight per key: the requests of one key arriving together share one query. */
  forPrincipal(principal: Principal): Promise<PrincipalLimits> {
    const cached = this.cache.get(principal.apiKeyId);
    if (cached && cached.expiresAt > Date.now()) return Promise.resolve(cached.limits);
    const id = principal.apiKeyId;
    const pending = this.loading.get(id);
    if (pending) return pending;
    const loading: Promise<PrincipalLimits> = this.load(principal).finally(() => {
      if (this.loading.get(id) === loading) this.loading.delete(id);
    });
    this.loading.set(id, loading);
    return loading;
  }

  private drop(): void {
    this.generation += 1;
    this.cache.clear();
    this.loading.clear();
  }

  private async load(principal: Principal): Promise<PrincipalLimits> {
    const now = Date.now();
    const generation = this.generation;
    const { rows } = await this.options.pool.query<{ key_limits: unknown; project_limits: unknown }>(
      `SELECT k.limits AS key_limits, p.limits AS project_limits
       FROM api_keys k JOIN projects p ON p.id = k.project_id WHERE k.id = $1`,
      [principal.apiKeyId],
    );
    const limits = { key: parseStoredLimits(rows[0]?.key_limits), project: parseStoredLimits(rows[0]?.project_limits) };
    if (generation !== this.generation) return limits;
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(principal.apiKeyId, { limits, expiresAt: now + this.ttlMs });
    return limits;
  }

  /** Applies a PUT body to a key's limits; undefined for an unknown key id. */
  async updateKeyLimits(apiKeyId: string, patch: TenantLimitsPatch): Promise<TenantLimits | null | undefined> {
    return this.update('api_keys', 'id', apiKeyId, patch);
  }

  /** Applies a PUT body to a project's limits (by name); undefined for an unknown project. */
  async updateProjectLimits(project: string, patch: TenantLimitsPatch): Promise<ProjectView | undefined> {
    const updated = await this.update('projects', 'name', project, patch);
    if (updated === undefined) return undefined;
    return (await this.listProjects(project))[0];
  }

  async listProjects(name?: string): Promise<ProjectView[]> {
    const { rows } = await this.options.pool.query<{ id: string; name: string; created_at: Date; webhook_url: string | null; limits: unknown }>(
      `SELECT id, name, created_at, webhook_url, limits FROM projects WHERE $1::text IS NULL OR name = $1 ORDER BY created_at DESC, id DESC`,
      [name ?? null],
    );
    return rows.map((row) => ({
      id: row.id,
      object: 'project' as const,
      name: row.name,
      created_at: Math.floor(row.created_at.getTime() / 1000),
      webhook_url: row.webhook_url,
      limits: toLimitsView(parseStoredLimits(row.limits)),
    }));
  }

  /** Read, merge and write under a row lock, so two concurrent PUTs of different fields both stick. */
  private async update(table: 'api_keys' | 'projects', column: 'id' | 'name', value: string, patch: TenantLimitsPatch): Promise<TenantLimits | null | undefined> {
    const client = await this.options.pool.connect();
    let next: TenantLimits | null;
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ limits: unknown }>(`SELECT limits FROM ${table} WHERE ${column} = $1 FOR UPDATE`, [value]);
      if (!rows[0]) {
        await client.query('ROLLBACK');
        return undefined;
      }
      next = applyLimitsPatch(parseStoredLimits(rows[0].limits), patch);
      await client.query(`UPDATE ${table} SET limits = $2::jsonb WHERE ${column} = $1`, [value, next === null ? null : JSON.stringify(next)]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
    this.drop();
    await this.options.redis.publish(this.channel, `${table}:${value}`);
    return next;
  }
}
