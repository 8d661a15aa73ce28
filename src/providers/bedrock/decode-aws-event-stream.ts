import { EventStreamCodec, type MessageHeaders } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';
import type { StreamDecoder, StreamFraming, WireEvent } from '../chat-stream.ts';
import { ProviderError } from '../../errors/provider-error.ts';

/** A frame larger than this is not Bedrock's (its events are a few KB): the stream is corrupt. */
const maxFrameBytes = 16 * 1024 * 1024;

/**
 * The AWS event stream (`application/vnd.amazon.eventstream`): binary frames, each a 4-byte total
 * length, headers and a JSON body, checked by CRC32 in AWS's own codec. Frames arrive split and joined
 * across network reads, so bytes are held until a frame is whole. Each frame becomes one
 * {@link WireEvent}: `event` is its `:event-type` (or, for an exception, its `:exception-type`; for an
 * error message, its `:error-code`), `messageType` its `:message-type`, `data` its body as text.
 * @see https://docs.aws.amazon.com/transcribe/latest/dg/streaming-setting-up.html#streaming-event-stream
 */
export function createAwsEventStreamDecoder(provider: string): StreamDecoder {
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  let held: Uint8Array = new Uint8Array(0);
  const invalid = (detail: string, cause?: unknown) =>
    new ProviderError({ provider, status: 502, code: 'invalid_provider_response', message: `provider streamed an invalid AWS event-stream frame: ${detail}`, retryable: false, cause });

  return {
    push(bytes) {
      held = held.length === 0 ? new Uint8Array(bytes) : concat(held, bytes);
      const events: WireEvent[] = [];
      while (held.length >= 4) {
        const length = new DataView(held.buffer, held.byteOffset, 4).getUint32(0);
        if (length < 16 || length > maxFrameBytes) throw invalid(`a frame of ${length} bytes`);
        if (held.length < length) break;
        let message: { headers: MessageHeaders; body: Uint8Array };
        try {
          message = codec.decode(held.subarray(0, length));
        } catch (error) {
          throw invalid(error instanceof Error ? error.message : String(error), error);
        }
        held = held.subarray(length);
        events.push(toWireEvent(message));
      }
      return events;
    },
    end() {
      if (held.length > 0) throw invalid(`the stream ended inside a frame (${held.length} bytes held)`);
      return [];
    },
  };
}

function concat(first: Uint8Array, second: Uint8Array): Uint8Array {
  const joined = new Uint8Array(first.length + second.length);
  joined.set(first, 0);
  joined.set(second, first.length);
  return joined;
}

function stringHeader(headers: MessageHeaders, name: string): string | undefined {
  const header = headers[name];
  return header?.type === 'string' ? header.value : undefined;
}

function toWireEvent(message: { headers: MessageHeaders; body: Uint8Array }): WireEvent {
  const messageType = stringHeader(message.headers, ':message-type') ?? 'event';
  const event =
    messageType === 'exception'
      ? stringHeader(message.headers, ':exception-type')
      : messageType === 'error'
        ? stringHeader(message.headers, ':error-code')
        : stringHeader(message.headers, ':event-type');
  const body = toUtf8(message.body);
  // An `error` message carries its text in a header and may have no body at all.
  const data = messageType === 'error' && body === '' ? JSON.stringify({ message: stringHeader(message.headers, ':error-message') ?? '' }) : body;
  return { event, data, messageType };
}

/** The framing of ConverseStream's answers, for the shared stream call. */
export const awsEventStreamFraming: StreamFraming = { accept: 'application/vnd.amazon.eventstream', createDecoder: createAwsEventStreamDecoder };
