import type { RedisClient } from '../redis/redis-connections.ts';
import type pg from 'pg';
import { z } from 'zod';
import type { Logger } from '../logging/logger.ts';
import { DeploymentConflictError } from '../errors/startup-errors.ts';

/**
 * Which database a deployment records its work in: the Postgres cluster (its `system_identifier`,
 * fixed at initdb and kept by replicas and failovers), the database and the schema. Two processes with
 * the same identity are one deployment; with different ones they must not share a Redis prefix, or
 * each would run the other's jobs against the wrong records.
 */
export const deploymentIdentitySchema = z.object({
  systemIdentifier: z.string().min(1),
  database: z.string().min(1),
  schema: z.string().min(1),
});

export type DeploymentIdentity = z.infer<typeof deploymentIdentitySchema>;

/** As registered in Redis: the identity and when its first process registered it. */
const registrationSchema = deploymentIdentitySchema.extend({ registeredAt: z.string() });

export async function readDeploymentIdentity(pool: pg.Pool): Promise<DeploymentIdentity> {
  const { rows } = await pool.query<{ database: string; schema: string }>('SELECT current_database() AS database, current_schema() AS schema');
  const { database, schema } = rows[0] ?? { database: 'unknown', schema: 'public' };
  return { systemIdentifier: await readSystemIdentifier(pool), database, schema };
}

/**
 * `pg_control_system()` is open to every role on stock Postgres; a host that revokes it still has the
 * time this database got its first migration, to the millisecond: unique enough to tell two apart.
 */
async function readSystemIdentifier(pool: pg.Pool): Promise<string> {
  try {
    const { rows } = await pool.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()');
    if (rows[0]?.id) return rows[0].id;
  } catch {
    // Revoked: fall through.
  }
  const { rows } = await pool.query<{ at: string }>('SELECT min(created_at)::text AS at FROM drizzle.__drizzle_migrations');
  return `migrated-${rows[0]?.at ?? 'never'}`;
}

export function sameDeployment(left: DeploymentIdentity, right: DeploymentIdentity): boolean {
  return left.systemIdentifier === right.systemIdentifier && left.database === right.database && left.schema === right.schema;
}

/** `database "gw" (schema tenant_a) on Postgres system 7715315905283266687`, for people. */
export function describeIdentity(identity: DeploymentIdentity): string {
  const schema = identity.schema === 'public' ? '' : ` (schema ${identity.schema})`;
  return `database "${identity.database}"${schema} on Postgres system ${identity.systemIdentifier}`;
}

/**
 * Claims a Redis prefix for this deployment: `<prefix>:deployment` holds the identity of the first
 * deployment that started on it (SET NX, no expiry). A process of another deployment refuses to start.
 * Call {@link claim} again whenever Redis may have lost its data (the key with it).
 */
export class DeploymentRegistration {
  constructor(
    private readonly options: {
      redis: RedisClient;
      prefix: string;
      identity: DeploymentIdentity;
      logger: Logger;
    },
  ) {}

  get key(): string {
    return `${this.options.prefix}:deployment`;
  }

  /** Registers this deployment, or throws {@link DeploymentConflictError} when another one holds the prefix. */
  async claim(): Promise<void> {
    const { redis, identity } = this.options;
    const value = JSON.stringify({ ...identity, registeredAt: new Date().toISOString() });
    // Twice at most: a key deleted between our SET NX and GET (a FLUSHDB) is claimed on the second pass.
    for (let pass = 0; pass < 2; pass += 1) {
      if ((await redis.set(this.key, value, 'NX')) === 'OK') {
        this.options.logger.info({ redisKey: this.key, deployment: identity }, 'registered this deployment on its Redis prefix');
        return;
      }
      const stored = await redis.get(this.key);
      if (stored === null) continue;
      const registered = parseRegistration(stored);
      if (registered && sameDeployment(registered, identity)) return;
      throw this.conflict(registered, stored);
    }
    throw new Error(`could not register ${this.key}: it keeps disappearing`);
  }

  private conflict(registered: DeploymentIdentity | undefined, stored: string): DeploymentConflictError {
    const prefix = this.options.prefix;
    const theirs = registered ? describeIdentity(registered) : `an unreadable value (${stored.slice(0, 80)})`;
    return new DeploymentConflictError(
      `REDIS_PREFIX "${prefix}" is in use by another deployment: this process records its work in ${describeIdentity(this.options.identity)}, ` +
        `but the prefix belongs to ${theirs}. Two deployments on one prefix would run each other's jobs. ` +
        `Give this deployment its own REDIS_PREFIX; or, if its database replaced the other one (a restore, a move to a new server), ` +
        `stop every process of the old deployment and delete the Redis key ${this.key}.`,
      { redisPrefix: prefix, redisKey: this.key, deployment: this.options.identity, registeredDeployment: registered ?? stored.slice(0, 200) },
    );
  }
}

function parseRegistration(stored: string): DeploymentIdentity | undefined {
  try {
    const parsed = registrationSchema.safeParse(JSON.parse(stored));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
