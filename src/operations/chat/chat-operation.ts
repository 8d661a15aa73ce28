import { messageText, type ChatCompletion, type ChatCompletionRequest } from '../../providers/chat-completion-schemas.ts';
import { countChatRequestTokens, maxChatRequestTokens } from '../../tokens/count-request-tokens.ts';
import type { ChatResult } from '../../providers/provider-client.ts';
import { checkCapabilities } from './check-capabilities.ts';
import type { Operation, ProviderResult, RequestTraits } from '../operation.ts';

export const chatCompletionsPath = '/v1/chat/completions';

const fromChatResult = (result: ChatResult): ProviderResult<ChatCompletion> => ({
  response: result.completion,
  usage: result.usage,
  ...(result.warnings ? { warnings: result.warnings } : {}),
});

/** Chat completions: every provider has them; the only operation that streams. */
export const chatOperation: Operation<ChatCompletionRequest, ChatCompletion> = {
  name: 'chat',
  path: chatCompletionsPath,
  servedBy: () => true,
  checkModel: (request, model) => {
    if (model?.kind === 'embeddings') {
      return { capability: 'chat', param: 'model', message: `The model '${request.model}' is an embeddings model; send it to /v1/embeddings, or choose a chat model.` };
    }
    return checkCapabilities({ request, model });
  },
  capabilityKey: (request) => {
    const imageAt = request.messages.findIndex((message) => Array.isArray(message.content) && message.content.some((part) => part.type === 'image_url'));
    const tools = hasItems(request.tools) ? 'tools' : hasItems(request['functions']) ? 'functions' : null;
    return JSON.stringify(['chat', imageAt, tools, request.response_format?.type ?? null]);
  },
  estimateInputTokens: countChatRequestTokens,
  maxInputTokens: maxChatRequestTokens,
  maxOutputTokens: (request) => request.max_completion_tokens ?? request.max_tokens ?? undefined,
  streams: (request) => request.stream === true,
  ruleTraits: (request) => ({
    images: request.messages.some((message) => Array.isArray(message.content) && message.content.some((part) => part.type === 'image_url')),
    tools: hasItems(request.tools) || hasItems(request['functions']),
    jsonSchema: request.response_format?.type === 'json_schema',
    metadata: request.metadata ?? {},
    system: request.messages
      .filter((message) => message.role === 'system' || message.role === 'developer')
      .map((message) => messageText(message.content))
      .join('\n'),
    conversation: request.messages
      .filter((message) => message.role !== 'system' && message.role !== 'developer')
      .map((message) => messageText(message.content))
      .join('\n'),
  }),
  call: async ({ client, request, context, onChunks }) => fromChatResult(onChunks ? await client.chatStream(request, context, onChunks) : await client.chat(request, context)),
  isCacheable: (completion) => completion.choices.length > 0 && completion.choices.every((choice) => choice.finish_reason !== null && choice.finish_reason !== 'content_filter'),
  describeRequest: describeChatRequest,
  // A choice a cut stream left without a reason is reported as `error`, as the conventions ask.
  describeResponse: (completion) => ({ model: completion.model, id: completion.id, finishReasons: completion.choices.map((choice) => choice.finish_reason ?? 'error') }),
};

function describeChatRequest(request: ChatCompletionRequest): RequestTraits {
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  const stop = typeof request.stop === 'string' ? [request.stop] : request.stop;
  return {
    ...(maxTokens == null ? {} : { maxTokens }),
    ...(request.temperature == null ? {} : { temperature: request.temperature }),
    ...(request.top_p == null ? {} : { topP: request.top_p }),
    ...(request.frequency_penalty == null ? {} : { frequencyPenalty: request.frequency_penalty }),
    ...(request.presence_penalty == null ? {} : { presencePenalty: request.presence_penalty }),
    ...(request.seed == null ? {} : { seed: request.seed }),
    ...(request.n == null || request.n === 1 ? {} : { choiceCount: request.n }),
    ...(stop == null || stop.length === 0 ? {} : { stopSequences: stop }),
    stream: request.stream === true,
  };
}

function hasItems(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}
