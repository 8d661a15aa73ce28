import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { WireEvent } from '../chat-stream.ts';
import { thrownBy } from '../../../test/support/thrown-by.ts';
import { encodeBedrockMessage, type BedrockStreamMessage } from '../../../test/support/bedrock-wire-server.ts';
import { createAwsEventStreamDecoder } from './decode-aws-event-stream.ts';

function fixture(name: string): BedrockStreamMessage[] {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}.json`, import.meta.url), 'utf8')) as BedrockStreamMessage[];
}

describe('createAwsEventStreamDecoder', () => {
  const bytes = Buffer.concat(fixture('stream-text').map((message) => encodeBedrockMessage(message)));

  it.each([1, 3, 7, 64, 1000])('decodes frames split across reads of %i bytes', (size) => {
    const decoder = createAwsEventStreamDecoder('aws');
    const events: WireEvent[] = [];
    for (let offset = 0; offset < bytes.length; offset += size) events.push(...decoder.push(bytes.subarray(offset, offset + size)));
    events.push(...decoder.end());
    expect(events.map((event) => event.event)).toEqual(['messageStart', 'contentBlockDelta', 'contentBlockDelta', 'contentBlockStop', 'messageStop', 'metadata']);
    expect(events.every((event) => event.messageType === 'event')).toBe(true);
    expect(JSON.parse(events[1]?.data ?? '')).toMatchObject({ delta: { text: 'Here are three' } });
  });

  it('names an exception message by its :exception-type', () => {
    const decoder = createAwsEventStreamDecoder('aws');
    expect(decoder.push(encodeBedrockMessage({ exception: 'throttlingException', body: { message: 'slow down' } }))).toEqual([
      { event: 'throttlingException', messageType: 'exception', data: '{"message":"slow down"}' },
    ]);
  });

  it('refuses a frame whose checksum is wrong, and a stream that ends inside a frame', () => {
    const corrupt = new Uint8Array(encodeBedrockMessage({ event: 'messageStart', body: { role: 'assistant' } }));
    corrupt[corrupt.length - 6] = (corrupt[corrupt.length - 6] ?? 0) ^ 0xff;
    expect(thrownBy(() => createAwsEventStreamDecoder('aws').push(corrupt))).toMatchObject({ status: 502, code: 'invalid_provider_response' });
    const decoder = createAwsEventStreamDecoder('aws');
    decoder.push(bytes.subarray(0, 20));
    expect(thrownBy(() => decoder.end())).toMatchObject({ status: 502, message: expect.stringContaining('ended inside a frame') });
  });
});
