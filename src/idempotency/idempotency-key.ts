import { GatewayError } from '../errors/gateway-error.ts';

/** The request header, as Node lower-cases it. */
export const idempotencyKeyHeader = 'idempotency-key';

/** Stripe's limit: long enough for a UUID with a prefix or a content hash, short enough to index. */
export const maxIdempotencyKeyLength = 255;

/**
 * How long a key keeps its first answer.
 * @defaultValue 24 hours, as Stripe
 */
export const idempotencyKeyTtlMs = 24 * 3_600_000;

/**
 * The key a request carries, or undefined without the header. An empty key or one over 255 characters
 * is refused rather than ignored: a client that meant to send a key must not silently lose its
 * protection against duplicates.
 */
export function parseIdempotencyKey(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  // Node joins a repeated header with ", "; only set-cookie arrives as an array, so this is defensive.
  const key = Array.isArray(value) ? value.join(', ') : value;
  if (key.trim().length === 0) {
    throw invalidKey('The Idempotency-Key header is empty; send a unique key (e.g. a UUID) or leave the header out.');
  }
  if (key.length > maxIdempotencyKeyLength) {
    throw invalidKey(`The Idempotency-Key header is ${key.length} characters long; keys may be at most ${maxIdempotencyKeyLength}.`);
  }
  return key;
}

function invalidKey(message: string): GatewayError {
  return new GatewayError({ code: 'invalid_idempotency_key', message, param: 'Idempotency-Key' });
}
