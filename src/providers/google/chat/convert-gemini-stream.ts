import type { TokenUsage } from '../../chat-completion-schemas.ts';
import type { ChatCompletionChunk, ChatCompletionChunkChoice, StreamTranslator, StreamTranslatorInput, WireEvent } from '../../chat-stream.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { convertGeminiUsage } from './convert-gemini-usage.ts';
import { parseGeminiError } from '../gemini-error.ts';
import { geminiErrorBodySchema, geminiGenerateContentResponseSchema, type GeminiCandidate, type GeminiGenerateContentResponse, type GeminiPart, type GeminiUsageMetadata } from './gemini-schemas.ts';
import { mapGeminiFinishReason } from './map-gemini-finish-reason.ts';
import { mapGeminiLogprobs } from './map-gemini-logprobs.ts';

type Delta = ChatCompletionChunkChoice['delta'];
type FunctionCallPart = GeminiPart & { functionCall: NonNullable<GeminiPart['functionCall']> };

/** What the translator remembers about one candidate (one OpenAI choice). */
interface ChoiceState {
  /** Function calls streamed so far: the OpenAI tool call `index` of the next one. */
  toolCalls: number;
  finished: boolean;
}

function invalidStreamEvent(provider: string, detail: string): ProviderError {
  return new ProviderError({
    provider,
    status: 502,
    code: 'invalid_provider_response',
    message: `provider sent an unexpected streamGenerateContent event: ${detail}`,
    retryable: false,
  });
}

function isFunctionCall(part: GeminiPart): part is FunctionCallPart {
  return part.functionCall !== undefined;
}

/**
 * Gemini `streamGenerateContent?alt=sse` → OpenAI `chat.completion.chunk`s. Every event is a whole
 * `GenerateContentResponse` holding the next piece of each candidate: text parts become content
 * deltas (thought summaries are skipped, as in {@link convertGeminiResponse}); a function call arrives
 * whole, so it becomes one tool call delta carrying id, name and the complete JSON arguments (OpenAI
 * clients concatenate argument fragments, so one fragment is a valid stream); `finishReason` ends the
 * choice. `usageMetadata` grows from event to event and the last one seen is the usage. The stream is
 * done once every candidate seen has finished (Gemini sends no end marker of its own). An error object
 * in the stream (Gemini's way of failing after the 200) throws like the same body over HTTP would.
 * @see https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
 */
export function createGeminiStreamTranslator(input: StreamTranslatorInput): StreamTranslator {
  return new GeminiStreamTranslator(input);
}

class GeminiStreamTranslator implements StreamTranslator {
  private readonly choices = new Map<number, ChoiceState>();
  private usageMetadata: GeminiUsageMetadata | undefined;
  /** Fixed by the first event so every chunk of the stream carries the same id and model. */
  private identity: { id: string; model: string; callIdBase: string } | undefined;
  private calls = 0;

  constructor(private readonly input: StreamTranslatorInput) {}

  get done(): boolean {
    return this.choices.size > 0 && [...this.choices.values()].every((choice) => choice.finished);
  }

  usage(): TokenUsage | undefined {
    return this.usageMetadata ? convertGeminiUsage(this.usageMetadata).usage : undefined;
  }

  push(event: WireEvent): ChatCompletionChunk[] {
    const response = this.parse(event.data);
    if (response.usageMetadata) this.usageMetadata = response.usageMetadata;
    this.identity ??= {
      id: response.responseId ?? `chatcmpl-${this.input.requestId}`,
      model: response.modelVersion ?? this.input.upstreamModel,
      callIdBase: response.responseId ?? this.input.requestId,
    };
    const candidates = response.candidates ?? [];
    const blockReason = response.promptFeedback?.blockReason;
    if (candidates.length === 0 && blockReason !== undefined) return this.blockedPrompt(blockReason);
    // An event without candidates (a trailing usage-only event) carries nothing to emit.
    return candidates.flatMap((candidate, position) => this.candidateChunks(candidate, candidate.index ?? position));
  }

  /** JSON, then an error object (thrown), then a `GenerateContentResponse` (zod-validated). */
  private parse(data: string): GeminiGenerateContentResponse {
    let json: unknown;
    try {
      json = JSON.parse(data) as unknown;
    } catch {
      throw invalidStreamEvent(this.input.provider, `not JSON: ${data.slice(0, 200)}`);
    }
    if (typeof json === 'object' && json !== null && 'error' in json) {
      const error = geminiErrorBodySchema.safeParse(json);
      if (!error.success) throw invalidStreamEvent(this.input.provider, `error object not in Google's shape: ${data.slice(0, 200)}`);
      // The status the same failure would have had as an HTTP answer: 503 UNAVAILABLE stays retryable.
      const code = error.data.error.code;
      const status = code !== undefined && code >= 400 && code <= 599 ? code : 500;
      throw parseGeminiError({ provider: this.input.provider, status, headers: {}, body: error.data });
    }
    const parsed = geminiGenerateContentResponseSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw invalidStreamEvent(this.input.provider, issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid');
    }
    return parsed.data;
  }

  private candidateChunks(candidate: GeminiCandidate, index: number): ChatCompletionChunk[] {
    const chunks: ChatCompletionChunk[] = [];
    let choice = this.choices.get(index);
    if (!choice) {
      choice = { toolCalls: 0, finished: false };
      this.choices.set(index, choice);
      chunks.push(this.chunk(index, { role: 'assistant', content: '' }));
    }
    // Gemini ends a candidate once; anything after that is not part of its answer.
    if (choice.finished) return chunks;

    const parts = candidate.content?.parts ?? [];
    // Thought summaries are not answer text; empty text parts only carry a thought signature.
    const text = parts
      .filter((part) => typeof part.text === 'string' && part.thought !== true)
      .map((part) => part.text)
      .join('');
    const logprobs = mapGeminiLogprobs(candidate.logprobsResult);
    if (text.length > 0) chunks.push(this.chunk(index, { content: text }, logprobs ? { logprobs } : {}));
    for (const part of parts.filter(isFunctionCall)) chunks.push(this.chunk(index, { tool_calls: [this.toolCallDelta(part, choice.toolCalls++)] }));

    if (candidate.finishReason !== undefined) {
      choice.finished = true;
      chunks.push(this.chunk(index, {}, { finish_reason: mapGeminiFinishReason(candidate.finishReason, choice.toolCalls > 0).unified }));
    }
    return chunks;
  }

  /**
   * The tool call as OpenAI streams its first delta, arguments complete. The id is made the way the
   * non-streamed answer makes it (`call_<response id>_<n>`, n counting calls across the answer), and a
   * thought signature rides along in the same `extra_content` for the client to send back.
   */
  private toolCallDelta(part: FunctionCallPart, index: number): NonNullable<Delta['tool_calls']>[number] {
    const fallbackId = `call_${this.identity?.callIdBase ?? this.input.requestId}_${this.calls++}`;
    return {
      index,
      id: part.functionCall.id ?? fallbackId,
      type: 'function',
      function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) },
      ...(part.thoughtSignature ? { extra_content: { google: { thought_signature: part.thoughtSignature } } } : {}),
    };
  }

  /**
   * A prompt Gemini blocked ends the stream before any candidate. As in the non-streamed answer it is
   * one choice with the block reason as refusal and `content_filter`, not an error, so the prompt
   * tokens Gemini counted are still recorded.
   */
  private blockedPrompt(blockReason: string): ChatCompletionChunk[] {
    if (this.choices.has(0)) return [];
    this.choices.set(0, { toolCalls: 0, finished: true });
    return [this.chunk(0, { role: 'assistant', content: '' }), this.chunk(0, { refusal: `Gemini blocked the prompt (${blockReason})` }), this.chunk(0, {}, { finish_reason: 'content_filter' })];
  }

  private chunk(index: number, delta: Delta, extra: Partial<ChatCompletionChunkChoice> = {}): ChatCompletionChunk {
    return {
      id: this.identity?.id ?? `chatcmpl-${this.input.requestId}`,
      object: 'chat.completion.chunk',
      created: this.input.created,
      model: this.identity?.model ?? this.input.upstreamModel,
      choices: [{ index, delta, finish_reason: null, ...extra }],
    };
  }
}
