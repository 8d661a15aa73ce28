import type pg from 'pg';
import { GatewayError } from '../errors/gateway-error.ts';
import type { Logger } from '../logging/logger.ts';
import { withinTime } from './time-limit.ts';

/**
 * Whether this process can reach Postgres right now, from a `SELECT 1` each `intervalMs` (and at once
 * when the pool reports a broken connection). The API refuses a sync call while Postgres is away,
 * with 503 and Retry-After, rather than queue a call whose outcome could not be recorded before its
 * caller is answered. (Batches and async jobs write to Postgres first, so they fail fast by themselves.)
 */
export class PostgresHealth {
  private up = true;
  private timer: NodeJS.Timeout | undefined;
  private probing: Promise<void> | undefined;

  constructor(private readonly options: { pool: pg.Pool; logger: Logger; intervalMs?: number }) {
    options.pool.on('error', () => {
      this.up = false;
      void this.probe();
    });
  }

  get isUp(): boolean {
    return this.up;
  }

  start(): void {
    this.timer = setInterval(() => void this.probe(), this.options.intervalMs ?? 1000);
    this.timer.unref();
  }

  /** Throws the 503 a caller should get while Postgres is away (asking it once more first). */
  async assertUp(): Promise<void> {
    if (this.up) return;
    await this.probe();
    if (this.up) return;
    throw new GatewayError({ code: 'service_unavailable', message: 'The gateway cannot reach its database (Postgres) right now, so it cannot record this call; nothing was queued. Retry shortly.' });
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private probe(): Promise<void> {
    this.probing ??= withinTime(this.options.pool.query('SELECT 1'), 1500, 'Postgres health probe')
      .then(
        () => {
          if (!this.up) this.options.logger.info('Postgres is reachable again: taking sync calls');
          this.up = true;
        },
        (error: unknown) => {
          if (this.up) this.options.logger.warn({ err: error }, 'Postgres is unreachable: refusing sync calls until it is back');
          this.up = false;
        },
      )
      .finally(() => {
        this.probing = undefined;
      });
    return this.probing;
  }
}
