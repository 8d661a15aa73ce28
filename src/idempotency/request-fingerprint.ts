import { createHash, type Hash } from 'node:crypto';

/**
 * Pieces are gathered into strings of about this size before they are hashed: one `hash.update` per
 * JSON token would cost more than the hashing for an inline batch of 50,000 requests.
 */
const flushChars = 64 * 1024;

/**
 * Writes `value` as canonical JSON: what `JSON.stringify` writes, with every object's keys sorted (by
 * UTF-16 code units, recursively). Two bodies that differ only in key order or whitespace are the
 * same request; the text is produced in pieces so a large body is never copied whole.
 */
export function writeCanonicalJson(value: unknown, write: (piece: string) => void): void {
  const json = toJsonValue(value);
  if (json === undefined) {
    write('null');
    return;
  }
  writeValue(json, write);
}

/** Canonical JSON as one string (see {@link writeCanonicalJson}). */
export function canonicalJson(value: unknown): string {
  const pieces: string[] = [];
  writeCanonicalJson(value, (piece) => pieces.push(piece));
  return pieces.join('');
}

/**
 * SHA-256 (hex) of the operation and the canonical JSON of the request body: the same key sent with
 * another fingerprint is another request. The operation is hashed too, so one body sent to two routes
 * never matches.
 */
export function fingerprintRequest(operation: string, body: unknown): string {
  const hash = createHash('sha256');
  hash.update(operation);
  hash.update('\n');
  let buffered = '';
  writeCanonicalJson(body, (piece) => {
    buffered += piece;
    if (buffered.length >= flushChars) {
      hash.update(buffered);
      buffered = '';
    }
  });
  hash.update(buffered);
  return hash.digest('hex');
}

/** What an upload's fingerprint is made of: the file's bytes (as their SHA-256) and its form fields. */
export interface UploadIdentity {
  purpose: string;
  filename: string;
  /** SHA-256 (hex) of the file part's bytes. */
  contentSha256: string;
}

/** An upload's fingerprint: as a JSON request's, over its form fields and the hash of its bytes. */
export function fingerprintUpload(operation: string, upload: UploadIdentity): string {
  return fingerprintRequest(operation, { purpose: upload.purpose, filename: upload.filename, content_sha256: upload.contentSha256 });
}

/**
 * Passes a byte stream through unchanged while hashing it, so an upload is fingerprinted as it is
 * read: nothing is buffered. `digest()` is the SHA-256 (hex) of every chunk seen; call it once, after
 * the stream has ended.
 */
export function sha256Tap(source: AsyncIterable<Uint8Array>): { chunks: AsyncGenerator<Uint8Array>; digest(): string } {
  const hash: Hash = createHash('sha256');
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      hash.update(chunk);
      yield chunk;
    }
  }
  return { chunks: chunks(), digest: () => hash.digest('hex') };
}

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** JSON.stringify's view of a value: `toJSON` applied; undefined, functions and symbols are no value. */
function toJsonValue(value: unknown): JsonValue | undefined {
  if (value !== null && typeof value === 'object' && 'toJSON' in value && typeof value.toJSON === 'function') {
    return toJsonValue((value as { toJSON(): unknown }).toJSON());
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      throw new TypeError('a BigInt has no JSON form');
    case 'object':
      return value as JsonValue | null;
    default:
      return undefined;
  }
}

function writeValue(value: JsonValue, write: (piece: string) => void): void {
  if (value === null || typeof value !== 'object') {
    write(JSON.stringify(value));
    return;
  }
  if (Array.isArray(value)) {
    write('[');
    value.forEach((item, index) => {
      if (index > 0) write(',');
      const json = toJsonValue(item);
      writeValue(json === undefined ? null : json, write);
    });
    write(']');
    return;
  }
  write('{');
  let first = true;
  for (const key of Object.keys(value).sort()) {
    const json = toJsonValue(value[key]);
    if (json === undefined) continue;
    write(`${first ? '' : ','}${JSON.stringify(key)}:`);
    first = false;
    writeValue(json, write);
  }
  write('}');
}
