import type { ChatCompletion, TokenUsage } from '../chat-completion-schemas.ts';
import type { ChatCompletionChunk } from '../chat-stream.ts';

type Choice = ChatCompletion['choices'][number];
type ToolCall = NonNullable<Choice['message']['tool_calls']>[number];

interface ChoiceState {
  content: string | null;
  refusal: string | null;
  toolCalls: Map<number, { id: string; type: string; name: string; arguments: string; extra: Record<string, unknown> }>;
  finishReason: string | null;
  /** Token logprobs of the content and of the refusal; undefined until a chunk carries some. */
  logprobs: { content: unknown[] | null; refusal: unknown[] | null } | undefined;
  /** Reasoning text (`delta.reasoning_content`), as non-streamed answers carry it in `message.reasoning_content`. */
  reasoning: string | null;
  /** Whole thinking blocks (`delta.thinking_blocks`, each once signed), in order: the message's `thinking_blocks`. */
  thinkingBlocks: NonNullable<Choice['message']['thinking_blocks']>;
  /** Provider extensions on the choice (`native_finish_reason`), kept as sent. */
  extra: Record<string, unknown>;
}

/**
 * Folds a stream's chunks into the `chat.completion` a non-streamed call would have answered: the
 * record in Postgres, the cache entry and the webhook body of a streamed request. Pure; tolerant of
 * a cut stream (what arrived is what is assembled; unfinished choices keep `finish_reason: null`).
 */
export class CompletionAssembler {
  private id: string | undefined;
  private created: number | undefined;
  private model: string | undefined;
  private systemFingerprint: string | null | undefined;
  private readonly choices = new Map<number, ChoiceState>();
  /** Chunks seen: a stream cut after any of them can no longer fall back. */
  chunkCount = 0;

  push(chunks: readonly ChatCompletionChunk[]): void {
    for (const chunk of chunks) {
      this.chunkCount += 1;
      this.id ??= chunk.id;
      this.created ??= chunk.created;
      this.model ??= chunk.model;
      if (chunk.system_fingerprint !== undefined) this.systemFingerprint = chunk.system_fingerprint;
      for (const choice of chunk.choices) this.pushChoice(choice);
    }
  }

  /** The assembled completion; `fallback` supplies id/model/created when no chunk arrived. */
  completion(fallback: { id: string; model: string; created: number }, usage?: TokenUsage): ChatCompletion {
    const choices: Choice[] = [...this.choices.entries()]
      .sort(([left], [right]) => left - right)
      .map(([index, state]) => {
        const toolCalls: ToolCall[] = [...state.toolCalls.entries()]
          .sort(([left], [right]) => left - right)
          .map(([, call]) => ({ ...call.extra, id: call.id, type: call.type, function: { name: call.name, arguments: call.arguments } }));
        return {
          ...state.extra,
          index,
          message: {
            role: 'assistant' as const,
            // The role chunk's `content: ''` is no content at all for a tool call or refusal.
            content: state.content === '' && (toolCalls.length > 0 || state.refusal !== null) ? null : state.content,
            ...(state.refusal === null ? {} : { refusal: state.refusal }),
            ...(state.reasoning === null ? {} : { reasoning_content: state.reasoning }),
            ...(state.thinkingBlocks.length > 0 ? { thinking_blocks: state.thinkingBlocks } : {}),
            ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          },
          finish_reason: state.finishReason,
          ...(state.logprobs ? { logprobs: { content: state.logprobs.content, refusal: state.logprobs.refusal } } : {}),
        };
      });
    return {
      id: this.id ?? fallback.id,
      object: 'chat.completion',
      created: this.created ?? fallback.created,
      model: this.model ?? fallback.model,
      choices,
      ...(usage && !usage.estimated ? { usage: { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.totalTokens } } : {}),
      ...(this.systemFingerprint === undefined ? {} : { system_fingerprint: this.systemFingerprint }),
    };
  }

  /** True when every choice that started has a finish reason (and at least one did). */
  get finished(): boolean {
    return this.choices.size > 0 && [...this.choices.values()].every((state) => state.finishReason !== null);
  }

  private pushChoice(choice: ChatCompletionChunk['choices'][number]): void {
    let state = this.choices.get(choice.index);
    if (!state) {
      state = { content: null, refusal: null, toolCalls: new Map(), finishReason: null, logprobs: undefined, reasoning: null, thinkingBlocks: [], extra: {} };
      this.choices.set(choice.index, state);
    }
    const { delta } = choice;
    if (typeof delta.content === 'string') state.content = (state.content ?? '') + delta.content;
    if (typeof delta.refusal === 'string') state.refusal = (state.refusal ?? '') + delta.refusal;
    const reasoning = delta['reasoning_content'];
    if (typeof reasoning === 'string') state.reasoning = (state.reasoning ?? '') + reasoning;
    const blocks = delta['thinking_blocks'];
    // Checked by the chunk schema (`thinkingBlocksSchema`) where the chunks were read.
    if (Array.isArray(blocks)) state.thinkingBlocks.push(...(blocks as NonNullable<Choice['message']['thinking_blocks']>));
    const { index: _index, delta: _delta, finish_reason: _finishReason, logprobs: _logprobs, ...extra } = choice;
    Object.assign(state.extra, extra);
    for (const call of delta.tool_calls ?? []) {
      const existing = state.toolCalls.get(call.index);
      if (existing) {
        existing.arguments += call.function?.arguments ?? '';
        if (call.function?.name) existing.name += call.function.name;
      } else {
        // Provider extensions on the call (Gemini's thought signature in `extra_content`) are kept.
        const { index: _index, id: _id, type: _type, function: _function, ...extra } = call;
        state.toolCalls.set(call.index, {
          extra,
          id: call.id ?? '',
          type: call.type ?? 'function',
          name: call.function?.name ?? '',
          arguments: call.function?.arguments ?? '',
        });
      }
    }
    const logprobs = choice.logprobs;
    if (typeof logprobs === 'object' && logprobs !== null) {
      // OpenAI's shape: `content` and `refusal` token lists, each null when there is none.
      const content = 'content' in logprobs && Array.isArray(logprobs.content) ? (logprobs.content as unknown[]) : undefined;
      const refusal = 'refusal' in logprobs && Array.isArray(logprobs.refusal) ? (logprobs.refusal as unknown[]) : undefined;
      if (content || refusal) {
        const sofar = (state.logprobs ??= { content: null, refusal: null });
        if (content) sofar.content = [...(sofar.content ?? []), ...content];
        if (refusal) sofar.refusal = [...(sofar.refusal ?? []), ...refusal];
      }
    }
    if (choice.finish_reason) state.finishReason = choice.finish_reason;
  }
}
