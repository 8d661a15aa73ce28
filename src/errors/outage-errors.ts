/**
 * Which errors mean "a backing service is unreachable right now" — Postgres restarting, Redis down or
 * reconnecting — as opposed to a bug or a bad request. Such errors become a 503 with Retry-After at the
 * API (nothing was created) and are waited out by workers (nothing is failed for them).
 */
/** `network`: a socket error whose peer the error does not name (Postgres or Redis). */
export type Dependency = 'postgres' | 'redis' | 'network';

/** Socket-level failures, whoever the peer was. */
const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);

/**
 * SQLSTATEs of an unreachable or restarting server: class 08 (connection exception), the server
 * shutting down or starting up (57P01-57P03), and too many connections (53300).
 * https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
function isPostgresOutageState(code: string): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300';
}

/** node-postgres words the failures it raises itself (no SQLSTATE) this way. */
const postgresMessages = ['Connection terminated', 'timeout exceeded when trying to connect', 'Client has encountered a connection error and is not queryable', 'Connection terminated unexpectedly'];

/** ioredis's own failures while its connection is down or reconnecting. */
const redisMessages = ['Connection is closed', "Stream isn't writeable", 'Reached the max retries per request limit', 'Command timed out', 'LOADING'];

function fieldOf(error: object, name: string): unknown {
  return name in error ? (error as Record<string, unknown>)[name] : undefined;
}

/**
 * The dependency an error says is unavailable, or undefined for any other error. Follows `cause`
 * and AggregateError members (a failed connect to `localhost` tries ::1 and 127.0.0.1).
 */
export function unavailableDependency(error: unknown, depth = 0): Dependency | undefined {
  if (typeof error !== 'object' || error === null || depth > 4) return undefined;
  const name = String(fieldOf(error, 'name') ?? '');
  const message = String(fieldOf(error, 'message') ?? '');
  const code = fieldOf(error, 'code');
  if (name === 'MaxRetriesPerRequestError' || redisMessages.some((text) => message.startsWith(text))) return 'redis';
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && isPostgresOutageState(code)) return 'postgres';
  if (postgresMessages.some((text) => message.startsWith(text))) return 'postgres';
  if (typeof code === 'string' && networkCodes.has(code)) return 'network';
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const found = unavailableDependency(inner, depth + 1);
      if (found) return found;
    }
  }
  const cause = fieldOf(error, 'cause');
  return cause === undefined ? undefined : unavailableDependency(cause, depth + 1);
}

export function isOutageError(error: unknown): boolean {
  return unavailableDependency(error) !== undefined;
}
