import { describe, expect, it } from 'vitest';
import { batchEndpoints } from './batch-line-formats.ts';
import { formatOfEndpoint, formatOfOperation, requestFormats } from './request-format.ts';

describe('formatOfEndpoint', () => {
  it("gives a batch's lines the format of its endpoint", () => {
    expect(formatOfEndpoint('/v1/chat/completions')).toBe('chat');
    expect(formatOfEndpoint('/v1/embeddings')).toBe('embeddings');
    expect(formatOfEndpoint('/v1/responses')).toBe('responses');
    expect(formatOfEndpoint('/v1/messages')).toBe('messages');
  });

  it('knows every endpoint a batch may name, each as one of the formats', () => {
    for (const endpoint of batchEndpoints) expect(requestFormats).toContain(formatOfEndpoint(endpoint));
    expect(new Set(batchEndpoints.map(formatOfEndpoint))).toEqual(new Set(requestFormats));
  });

  it('reads a path it does not know as chat completions, never a key of Object.prototype', () => {
    expect(formatOfEndpoint('/v1/completions')).toBe('chat');
    expect(formatOfEndpoint('constructor')).toBe('chat');
  });
});

describe('formatOfOperation', () => {
  it('gives a request without a format the OpenAI API of its operation', () => {
    expect(formatOfOperation('embeddings')).toBe('embeddings');
    expect(formatOfOperation('chat')).toBe('chat');
    expect(formatOfOperation(undefined)).toBe('chat');
  });
});
