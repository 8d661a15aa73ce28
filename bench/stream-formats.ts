/**
 * The three streamed client formats of `bench/sync.ts` — OpenAI chat completions, Anthropic's Messages
 * API and OpenAI's Responses API — each with its route, a request body, and a check of its event
 * stream: the event that opens it, the one that carries the first content (time to first byte), the
 * one that must end it, and the ones that mean the answer failed. A stream counts as whole only if it
 * parses as SSE, every event is well formed, content came, and it ended with its final event and
 * nothing after; so a format that breaks cannot look fast.
 */
import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser';

export type StreamFormatName = 'chat' | 'messages' | 'responses';

/** What one event is to the check. */
type EventKind = 'content' | 'final' | 'error' | 'other' | 'malformed';

export interface StreamFormat {
  name: StreamFormatName;
  /** The gateway's route. */
  path: string;
  /** The event that must open the stream, if the format has one. */
  firstEvent?: string;
  /** The event whose arrival is the time to first byte. */
  contentEvent: string;
  /** The event that must end the stream. */
  finalEvent: string;
  body(model: string): string;
  classify(event: EventSourceMessage): EventKind;
}

const prompt = 'classify: hello';

function parseJson(data: string): unknown {
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return undefined;
  }
}

/** Anthropic's and the Responses API's framing: `event: <type>` and data whose `type` is the same name. */
function namedEvent(event: EventSourceMessage): { type: string } | undefined {
  const data = parseJson(event.data) as { type?: unknown } | undefined;
  return typeof data?.type === 'string' && data.type === event.event ? { type: data.type } : undefined;
}

/** OpenAI chat chunks: unnamed `data:` events, content in `choices[].delta.content`, then `data: [DONE]`. */
export const chatFormat: StreamFormat = {
  name: 'chat',
  path: '/v1/chat/completions',
  contentEvent: 'data: chunk with delta.content',
  finalEvent: '[DONE]',
  // With the usage chunk, as the OpenAI SDKs send it.
  body: (model) => JSON.stringify({ model, messages: [{ role: 'user', content: prompt }], stream: true, stream_options: { include_usage: true } }),
  classify(event) {
    if (event.event !== undefined) return 'malformed';
    if (event.data === '[DONE]') return 'final';
    const chunk = parseJson(event.data) as { error?: unknown; choices?: Array<{ delta?: { content?: unknown } }> } | undefined;
    if (typeof chunk !== 'object' || chunk === null) return 'malformed';
    if (chunk.error !== undefined) return 'error';
    if (!Array.isArray(chunk.choices)) return 'malformed';
    return chunk.choices.some((choice) => typeof choice.delta?.content === 'string' && choice.delta.content !== '') ? 'content' : 'other';
  },
};

/** @see https://docs.anthropic.com/en/docs/build-with-claude/streaming#event-types */
export const messagesFormat: StreamFormat = {
  name: 'messages',
  path: '/v1/messages',
  firstEvent: 'message_start',
  contentEvent: 'content_block_delta',
  finalEvent: 'message_stop',
  body: (model) => JSON.stringify({ model, max_tokens: 256, messages: [{ role: 'user', content: prompt }], stream: true }),
  classify(event) {
    const named = namedEvent(event);
    if (named === undefined) return 'malformed';
    if (named.type === 'error') return 'error';
    if (named.type === 'content_block_delta') return 'content';
    return named.type === 'message_stop' ? 'final' : 'other';
  },
};

/** @see https://platform.openai.com/docs/api-reference/responses-streaming */
export const responsesFormat: StreamFormat = {
  name: 'responses',
  path: '/v1/responses',
  firstEvent: 'response.created',
  contentEvent: 'response.output_text.delta',
  finalEvent: 'response.completed',
  body: (model) => JSON.stringify({ model, input: prompt, stream: true, store: false }),
  classify(event) {
    const named = namedEvent(event);
    if (named === undefined) return 'malformed';
    if (named.type === 'error' || named.type === 'response.failed') return 'error';
    if (named.type === 'response.output_text.delta') return 'content';
    // `response.incomplete` is an end too, but not a whole answer: it falls through to "no final event".
    return named.type === 'response.completed' ? 'final' : 'other';
  },
};

export const streamFormats = [chatFormat, messagesFormat, responsesFormat] as const;

export type StreamVerdict = { whole: true; events: number } | { whole: false; reason: string };

/** Checks one stream as its body arrives, in pieces split anywhere. */
export class StreamCheck {
  private readonly parser: EventSourceParser;
  private events = 0;
  private contentSeen = false;
  private finalSeen = false;
  private problem: string | undefined;

  constructor(private readonly format: StreamFormat) {
    this.parser = createParser({ onEvent: (event) => this.onEvent(event), onError: (error) => (this.problem ??= `bad SSE: ${error.message}`) });
  }

  /** Feeds the next piece of the body; true when it brought the first content event. */
  feed(text: string): boolean {
    const before = this.contentSeen;
    this.parser.feed(text);
    return !before && this.contentSeen;
  }

  /** The verdict on the body fed so far, taken as the whole body. */
  finish(): StreamVerdict {
    const { format } = this;
    if (this.problem !== undefined) return { whole: false, reason: this.problem };
    if (!this.contentSeen) return { whole: false, reason: `no ${format.contentEvent}` };
    if (!this.finalSeen) return { whole: false, reason: `no ${format.finalEvent}` };
    return { whole: true, events: this.events };
  }

  private onEvent(event: EventSourceMessage): void {
    const { format } = this;
    this.events += 1;
    if (this.problem !== undefined) return;
    if (this.finalSeen) {
      this.problem = `events after ${format.finalEvent}`;
      return;
    }
    if (this.events === 1 && format.firstEvent !== undefined && event.event !== format.firstEvent) {
      this.problem = `first event ${event.event ?? '(unnamed)'}, not ${format.firstEvent}`;
      return;
    }
    const kind = format.classify(event);
    if (kind === 'malformed') this.problem = `malformed event ${event.event ?? '(unnamed)'}`;
    else if (kind === 'error') this.problem = `error event ${event.event ?? '(unnamed)'}`;
    else if (kind === 'content') this.contentSeen = true;
    else if (kind === 'final') this.finalSeen = true;
  }
}

/** The verdict on a whole body at once. */
export function checkStreamBody(format: StreamFormat, body: string): StreamVerdict {
  const check = new StreamCheck(format);
  check.feed(body);
  return check.finish();
}
