import type { Logger } from './logger.ts';

/** Where a connection goes, as logs name it: the environment variable and `host:port`, never credentials. */
export interface ConnectionTarget {
  /** `REDIS_URL`, `CACHE_REDIS_URL`, `DATABASE_URL`. */
  variable: string;
  address: string;
  /** "Redis", "Postgres". */
  label: string;
}

/** While a service stays away, one line per this long for all of a process's connections to it. */
export const connectionErrorLogIntervalMs = 30_000;

interface Outage {
  since: number;
  lastLoggedAt: number;
  /** Errors since the last line, and the connections they came from. */
  unreported: number;
  connections: Set<string>;
}

const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03']);

/** An error that says the service is away or refused us (rather than one command failing). */
export function isConnectionError(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && networkCodes.has(code)) return true;
  return /\b(WRONGPASS|NOAUTH)\b|Connection is closed|Connection terminated|connect ETIMEDOUT|MaxRetriesPerRequest|Stream isn't writeable/i.test(error.message);
}

/**
 * Connection errors of a whole process, per service: a Redis outage seen by fifteen connections, each
 * reconnecting every few hundred milliseconds, gives one line when it begins, one every 30 s while it
 * lasts (with how many errors were not logged) and one when the service is back.
 */
export class ConnectionErrorLog {
  private readonly outages = new Map<string, Outage>();

  constructor(private readonly intervalMs = connectionErrorLogIntervalMs) {}

  failed(target: ConnectionTarget, connection: string, error: Error, logger: Logger, now = Date.now()): void {
    const key = `${target.variable} ${target.address}`;
    let outage = this.outages.get(key);
    if (!outage) {
      outage = { since: now, lastLoggedAt: now, unreported: 0, connections: new Set() };
      this.outages.set(key, outage);
      logger.warn(
        { variable: target.variable, address: target.address, connection, error: error.message, code: (error as { code?: unknown }).code },
        `connections to ${target.label} at ${target.variable} (${target.address}) are failing: ${error.message}; they reconnect by themselves (logged again every ${this.intervalMs / 1000} s while this lasts)`,
      );
      return;
    }
    outage.unreported += 1;
    outage.connections.add(connection);
    if (now - outage.lastLoggedAt < this.intervalMs) return;
    logger.warn(
      { variable: target.variable, address: target.address, error: error.message, downMs: now - outage.since, errors: outage.unreported, connections: [...outage.connections] },
      `connections to ${target.label} at ${target.variable} (${target.address}) still failing after ${Math.round((now - outage.since) / 1000)} s: ${error.message}`,
    );
    outage.lastLoggedAt = now;
    outage.unreported = 0;
    outage.connections = new Set();
  }

  /** A connection to the target works again: the outage (if one was logged) is over. */
  recovered(target: ConnectionTarget, logger: Logger, now = Date.now()): void {
    const key = `${target.variable} ${target.address}`;
    const outage = this.outages.get(key);
    if (!outage) return;
    this.outages.delete(key);
    logger.info({ variable: target.variable, address: target.address, downMs: now - outage.since }, `${target.label} at ${target.variable} (${target.address}) answers again`);
  }
}

/** The process's one log of connection outages: every connection reports into it. */
export const connectionErrors = new ConnectionErrorLog();
