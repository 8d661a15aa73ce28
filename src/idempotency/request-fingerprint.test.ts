import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, fingerprintRequest, fingerprintUpload, sha256Tap } from './request-fingerprint.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('canonicalJson', () => {
  it('sorts object keys recursively and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('writes what JSON.stringify writes for everything but key order', () => {
    const value = { text: 'line\n"quoted" é \u2028', n: -0.5e-7, big: 1e21, yes: true, none: null, nested: [[], {}] };
    expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
    expect(canonicalJson(value)).toBe(JSON.stringify(Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)))));
  });

  it('drops undefined members, writes undefined array items and non-finite numbers as null, and applies toJSON', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, Number.NaN, Infinity], c: new Date(0) })).toBe('{"b":[null,null,null],"c":"1970-01-01T00:00:00.000Z"}');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('sorts by UTF-16 code units, as Array.prototype.sort does', () => {
    expect(canonicalJson({ b: 1, B: 2, '\u00e9': 3, a: 4, '10': 5, '9': 6 })).toBe('{"10":5,"9":6,"B":2,"a":4,"b":1,"\u00e9":3}');
  });
});

describe('fingerprintRequest', () => {
  it('is the SHA-256 of the operation and the canonical body', () => {
    expect(fingerprintRequest('POST /v1/batches', { b: 2, a: 1 })).toBe(sha256('POST /v1/batches\n{"a":1,"b":2}'));
  });

  it('is the same for the same body in another key order, and differs for another body or operation', () => {
    const body = { model: 'mock-echo', messages: [{ role: 'user', content: 'hi' }] };
    const reordered = { messages: [{ content: 'hi', role: 'user' }], model: 'mock-echo' };
    expect(fingerprintRequest('POST /v1/chat/completions', body)).toBe(fingerprintRequest('POST /v1/chat/completions', reordered));
    expect(fingerprintRequest('POST /v1/chat/completions', body)).not.toBe(fingerprintRequest('POST /v1/chat/completions', { ...body, temperature: 0 }));
    expect(fingerprintRequest('POST /v1/chat/completions', body)).not.toBe(fingerprintRequest('POST /v1/async/chat/completions', body));
  });

  it('hashes a body larger than one flush the same as its canonical text', () => {
    const requests = Array.from({ length: 3000 }, (_, index) => ({ custom_id: `r${index}`, body: { model: 'mock-echo', messages: [{ role: 'user', content: 'x'.repeat(40) }] } }));
    expect(fingerprintRequest('POST /v1/batches', { requests })).toBe(sha256(`POST /v1/batches\n${canonicalJson({ requests })}`));
  });
});

describe('uploads', () => {
  it('hashes a stream as it passes through, chunk boundaries notwithstanding', async () => {
    async function* source() {
      yield Buffer.from('{"custom_id":');
      yield Buffer.from('"a"}\n');
    }
    const tap = sha256Tap(source());
    const seen: Buffer[] = [];
    for await (const chunk of tap.chunks) seen.push(Buffer.from(chunk));
    expect(Buffer.concat(seen).toString()).toBe('{"custom_id":"a"}\n');
    expect(tap.digest()).toBe(sha256('{"custom_id":"a"}\n'));
  });

  it('fingerprints the bytes with the purpose and the filename', () => {
    const upload = { purpose: 'batch', filename: 'in.jsonl', contentSha256: sha256('x') };
    expect(fingerprintUpload('POST /v1/files', upload)).toBe(fingerprintRequest('POST /v1/files', { purpose: 'batch', filename: 'in.jsonl', content_sha256: sha256('x') }));
    expect(fingerprintUpload('POST /v1/files', { ...upload, filename: 'other.jsonl' })).not.toBe(fingerprintUpload('POST /v1/files', upload));
    expect(fingerprintUpload('POST /v1/files', { ...upload, contentSha256: sha256('y') })).not.toBe(fingerprintUpload('POST /v1/files', upload));
  });
});
