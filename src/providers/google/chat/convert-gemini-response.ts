import type { ChatCompletion } from '../../chat-completion-schemas.ts';
import type { ChatResult } from '../../provider-client.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { convertGeminiUsage } from './convert-gemini-usage.ts';
import { geminiGenerateContentResponseSchema, type GeminiCandidate, type GeminiPart } from './gemini-schemas.ts';
import { mapGeminiFinishReason } from './map-gemini-finish-reason.ts';
import { mapGeminiLogprobs } from './map-gemini-logprobs.ts';

type Choice = ChatCompletion['choices'][number];
type ToolCall = NonNullable<Choice['message']['tool_calls']>[number];

function invalidResponse(provider: string, detail: string): ProviderError {
  return new ProviderError({
    provider,
    status: 502,
    code: 'invalid_provider_response',
    message: `provider returned an unexpected generateContent response: ${detail}`,
    retryable: false,
  });
}

/**
 * A function call as an OpenAI tool call. Gemini's own id is kept when it sends one; otherwise the id
 * is made unique per response (`call_<response id>_<n>`), so ids of later turns do not collide. A
 * thought signature rides along as Gemini's OpenAI endpoint carries it, for the client to send back.
 */
function toolCall(part: GeminiPart & { functionCall: NonNullable<GeminiPart['functionCall']> }, fallbackId: string): ToolCall {
  return {
    id: part.functionCall.id ?? fallbackId,
    type: 'function',
    function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) },
    ...(part.thoughtSignature ? { extra_content: { google: { thought_signature: part.thoughtSignature } } } : {}),
  };
}

function convertCandidate(candidate: GeminiCandidate, position: number, nextCallId: () => string): Choice {
  const parts = candidate.content?.parts ?? [];
  // Thought summaries are not answer text; they appear only when a client asks Gemini for them.
  const texts = parts.filter((part) => typeof part.text === 'string' && part.thought !== true).map((part) => part.text);
  const toolCalls = parts.flatMap((part) => (part.functionCall ? [toolCall({ ...part, functionCall: part.functionCall }, nextCallId())] : []));
  return {
    index: candidate.index ?? position,
    message: {
      role: 'assistant',
      content: texts.length > 0 ? texts.join('') : null,
      refusal: null,
      ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    },
    logprobs: mapGeminiLogprobs(candidate.logprobsResult),
    finish_reason: mapGeminiFinishReason(candidate.finishReason, toolCalls.length > 0).unified,
  };
}

/**
 * Gemini `GenerateContentResponse` → OpenAI `chat.completion`. Candidates become choices; `responseId`
 * the id (else `chatcmpl-<request id>`), `modelVersion` the model. A prompt Gemini blocked (no
 * candidates, `promptFeedback.blockReason`) is still a 200: one choice with null content, the block
 * reason as `refusal` and `finish_reason: "content_filter"`, as OpenAI reports filtered output, so the
 * prompt tokens Gemini counted are recorded.
 * @see https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse
 */
export function convertGeminiResponse(input: { provider: string; body: unknown; upstreamModel: string; requestId: string }): ChatResult {
  const parsed = geminiGenerateContentResponseSchema.safeParse(input.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidResponse(input.provider, issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid');
  }
  const response = parsed.data;
  const candidates = response.candidates ?? [];
  const blockReason = response.promptFeedback?.blockReason;
  if (candidates.length === 0 && blockReason === undefined) throw invalidResponse(input.provider, 'no candidates and no promptFeedback.blockReason');

  let calls = 0;
  const callIdBase = response.responseId ?? input.requestId;
  const nextCallId = () => `call_${callIdBase}_${calls++}`;
  const choices: Choice[] =
    candidates.length > 0
      ? candidates.map((candidate, position) => convertCandidate(candidate, position, nextCallId)).sort((a, b) => a.index - b.index)
      : [
          {
            index: 0,
            message: { role: 'assistant', content: null, refusal: `Gemini blocked the prompt (${blockReason})` },
            logprobs: null,
            finish_reason: 'content_filter',
          },
        ];

  const { usage, openai } = convertGeminiUsage(response.usageMetadata);
  const completion: ChatCompletion = {
    id: response.responseId ?? `chatcmpl-${input.requestId}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: response.modelVersion ?? input.upstreamModel,
    choices,
    ...(openai ? { usage: openai } : {}),
  };
  return { completion, usage };
}
