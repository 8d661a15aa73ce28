import { pino, type DestinationStream, type Logger, type LevelWithSilent, type LoggerOptions as PinoOptions } from 'pino';
import { redactedCensor, redactSecretFields, scrubSecretText, secretBindingNames, serializeError, type KnownSecrets } from './log-redaction.ts';

export type { Logger };

export interface LoggerOptions {
  /** Where lines are written. @defaultValue stdout */
  destination?: DestinationStream;
  /** Secret values to censor from every line whatever their shape (configured provider keys, …). */
  secrets?: KnownSecrets;
}

/**
 * The root logger. Everything else logs through `logger.child({ ... })` bound to
 * `{ requestId, jobId, provider, model }` so one request can be followed across API and worker: the
 * request id is `requestId` in every line (fastify's request logger is told so too), with the caller's
 * `clientRequestId` and `trace_id` beside it when it sent them (see observability/request-correlation.ts).
 *
 * Secrets are kept out in layers: fields named like credentials are censored at any depth, in the
 * logged object, in child bindings and in errors (a provider error may carry request headers); and
 * every finished line is scrubbed of credential-shaped text and of the known secret values, so a
 * key quoted inside a message is caught too.
 */
export function createLogger(level: LevelWithSilent, options: LoggerOptions = {}): Logger {
  const { secrets } = options;
  const settings: PinoOptions = {
    level,
    base: { service: 'llm-gateway' },
    // Not pino's `redact`: its wildcard paths cost several times a whole line, and reach one level only.
    formatters: { log: redactLogObject, bindings: redactLogObject },
    // Serializers also apply to a child's bindings, which the formatters above never see.
    serializers: bindingSerializers,
    hooks: { streamWrite: secrets ? (line: string) => secrets.scrub(scrubSecretText(line)) : scrubSecretText },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

const censor = () => redactedCensor;
const bindingSerializers: Record<string, (value: unknown) => unknown> = {
  err: serializeError,
  headers: (value) => redactSecretFields(value),
  ...Object.fromEntries(secretBindingNames.map((name) => [name, censor])),
};

function redactLogObject(object: Record<string, unknown>): Record<string, unknown> {
  return redactSecretFields(object) as Record<string, unknown>;
}
