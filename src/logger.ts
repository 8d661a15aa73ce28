import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/**
 * The root logger. Everything else logs through `logger.child({ ... })` bound to
 * `{ requestId, jobId, provider, model }` so one request can be followed across API and worker.
 */
export function createLogger(level: LevelWithSilent): Logger {
  return pino({
    level,
    base: { service: 'llm-gateway' },
    redact: { paths: ['req.headers.authorization', '*.apiKey'], censor: '[redacted]' },
  });
}
