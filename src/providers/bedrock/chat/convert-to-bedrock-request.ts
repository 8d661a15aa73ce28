import type { ChatCompletionRequest } from '../../chat-completion-schemas.ts';
import { droppedFields } from '../../dropped-settings.ts';
import type { BuildChatRequestInput, WireRequest } from '../../provider-client.ts';
import { emulateJsonMode } from '../../anthropic/emulate-json-mode.ts';
import { bedrockRequestError } from '../bedrock-request-error.ts';
import type { BedrockConverseRequest, BedrockInferenceConfig } from '../bedrock-wire-schemas.ts';
import { convertToBedrockMessages } from './convert-to-bedrock-messages.ts';
import { convertToBedrockTools } from './convert-to-bedrock-tools.ts';

/** The part of a `bedrock` provider's config the request needs (see `bedrockProviderSchema`). */
export interface BedrockRequestSettings {
  headers: Record<string, string>;
  /** `inferenceConfig.maxTokens` when the client sends neither `max_completion_tokens` nor `max_tokens`. */
  defaultMaxTokens?: number | undefined;
}

/** Fields this converter translates (or, for `stream`, that the API has already dealt with). */
const translatedFields = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'n',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'user',
  'metadata',
  // Anthropic's own settings, sent to Claude on Bedrock through additionalModelRequestFields.
  'top_k',
  'thinking',
  'anthropic',
]);

/**
 * The model id in the path, percent-encoded: inference profile and model ARNs hold `:` and `/`.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_RequestSyntax
 */
export function bedrockModelPath(modelId: string, operation: 'converse' | 'converse-stream'): string {
  return `/model/${encodeURIComponent(modelId)}/${operation}`;
}

/**
 * An OpenAI chat request → `POST /model/{modelId}/converse` in Converse's format: messages and
 * `system`, `inferenceConfig` (max tokens, temperature, top_p, stop), `toolConfig`, and, for Claude,
 * `top_k` and `thinking` in `additionalModelRequestFields`. `user` and `metadata` go to
 * `requestMetadata` (Bedrock's invocation logs). JSON mode is emulated with a system instruction.
 * Settings Converse cannot honour are dropped and reported in `warnings`; a request it cannot carry
 * out as asked (`n` > 1, an image by URL) is refused with a 400 before any call.
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/conversation-inference-call.html
 */
export function convertToBedrockRequest(input: BuildChatRequestInput<BedrockRequestSettings>): WireRequest {
  const { request, config } = input;
  if (typeof request.n === 'number' && request.n > 1) {
    throw bedrockRequestError({
      param: 'n',
      code: 'unsupported_parameter',
      message: `n = ${request.n} is not supported by Bedrock, which returns one choice per request; send ${request.n} requests instead.`,
    });
  }
  const conversation = convertToBedrockMessages(request.messages);
  const warnings = [...conversation.warnings];
  const jsonMode = emulateJsonMode(request.response_format, { providerLabel: 'Bedrock', refuse: bedrockRequestError });
  const system = [...conversation.system, ...(jsonMode ? [{ text: jsonMode.instruction }] : [])];
  if (jsonMode) warnings.push(jsonMode.warning);
  const tools = convertToBedrockTools(request, conversation.messages);
  warnings.push(...tools.warnings);

  const body: BedrockConverseRequest = { messages: conversation.messages };
  if (system.length > 0) body.system = system;
  const inferenceConfig = convertInferenceConfig(request, config, warnings);
  if (Object.keys(inferenceConfig).length > 0) body.inferenceConfig = inferenceConfig;
  if (tools.toolConfig) body.toolConfig = tools.toolConfig;
  const additional = additionalModelRequestFields(request, warnings);
  if (additional) body.additionalModelRequestFields = additional;
  const metadata = requestMetadata(request);
  if (metadata) body.requestMetadata = metadata;

  for (const field of droppedFields(request, translatedFields)) warnings.push(`${field} is not supported by Bedrock and was dropped`);
  const headers = { 'content-type': 'application/json', accept: 'application/json', ...config.headers };
  return { path: bedrockModelPath(input.upstreamModel, 'converse'), headers, body, ...(warnings.length > 0 ? { warnings } : {}) };
}

function convertInferenceConfig(request: ChatCompletionRequest, config: BedrockRequestSettings, warnings: string[]): BedrockInferenceConfig {
  const inference: BedrockInferenceConfig = {};
  const maxTokens = request.max_completion_tokens ?? request.max_tokens ?? config.defaultMaxTokens;
  if (typeof maxTokens === 'number') inference.maxTokens = maxTokens;
  if (typeof request.temperature === 'number') {
    if (request.temperature > 1) warnings.push(`temperature ${request.temperature} was clamped to 1, the top of Bedrock Converse's range (0–1)`);
    inference.temperature = Math.min(request.temperature, 1);
  }
  if (typeof request.top_p === 'number') inference.topP = request.top_p;
  const stop = typeof request.stop === 'string' ? [request.stop] : (request.stop ?? []);
  if (stop.length > 0) inference.stopSequences = stop;
  return inference;
}

/** Claude's `top_k` and `thinking` (as a client or the Messages API edge sends them), for the model itself. */
function additionalModelRequestFields(request: ChatCompletionRequest, warnings: string[]): Record<string, unknown> | undefined {
  const own = typeof request['anthropic'] === 'object' && request['anthropic'] !== null ? (request['anthropic'] as Record<string, unknown>) : {};
  const fields: Record<string, unknown> = {};
  const topK = own['top_k'] ?? request['top_k'];
  if (typeof topK === 'number') fields['top_k'] = topK;
  else if (topK !== undefined && topK !== null) warnings.push('top_k must be a number and was dropped');
  const thinking = own['thinking'] ?? request['thinking'];
  if (thinking !== undefined && thinking !== null) fields['thinking'] = thinking;
  if (own['betas'] !== undefined) warnings.push('anthropic.betas are not sent to Bedrock');
  return Object.keys(fields).length > 0 ? fields : undefined;
}

/** Bedrock keeps `requestMetadata` with the invocation's log entry: 16 string pairs at most. */
function requestMetadata(request: ChatCompletionRequest): Record<string, string> | undefined {
  const entries = Object.entries(request.metadata ?? {});
  if (request.user) entries.push(['user', request.user]);
  return entries.length > 0 ? Object.fromEntries(entries.slice(0, 16)) : undefined;
}

/**
 * The streamed variant: the same body to `/converse-stream`, which Bedrock answers with an AWS event
 * stream (see `convert-bedrock-stream.ts`).
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 */
export function convertToBedrockStreamRequest(input: BuildChatRequestInput<BedrockRequestSettings>): WireRequest {
  const wire = convertToBedrockRequest(input);
  return { ...wire, path: bedrockModelPath(input.upstreamModel, 'converse-stream'), headers: { ...wire.headers, accept: 'application/vnd.amazon.eventstream' } };
}
