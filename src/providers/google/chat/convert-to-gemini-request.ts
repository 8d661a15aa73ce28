import type { ChatCompletionRequest } from '../../chat-completion-schemas.ts';
import type { WireRequest } from '../../provider-client.ts';
import { convertJsonSchemaToGemini, droppedKeywordsWarning } from './convert-json-schema-to-gemini.ts';
import { convertToGeminiContents } from './convert-to-gemini-contents.ts';
import { convertToGeminiTools } from './convert-to-gemini-tools.ts';
import type { GeminiGenerateContentRequest, GeminiGenerationConfig } from './gemini-schemas.ts';

export interface GeminiRequestSettings {
  apiKey?: string | undefined;
  headers: Record<string, string>;
}

/** Request fields this converter translates (or, for `stream`, that the gateway handles itself). */
const translatedFields = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'temperature',
  'top_p',
  'n',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'presence_penalty',
  'frequency_penalty',
  'logprobs',
  'top_logprobs',
  'seed',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
]);

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** `gemini-2.5-flash` → `models/gemini-2.5-flash`; a full resource name (`tunedModels/x`) stays as it is. */
export function modelName(upstreamModel: string): string {
  return upstreamModel.includes('/') ? upstreamModel : `models/${upstreamModel}`;
}

/** The model's resource name as a URL path, each segment encoded. */
export function modelPath(upstreamModel: string): string {
  return modelName(upstreamModel).split('/').map(encodeURIComponent).join('/');
}

function responseFormatConfig(request: ChatCompletionRequest, warnings: string[]): GeminiGenerationConfig {
  const format = request.response_format;
  if (!format || format.type === 'text') return {};
  if (format.type === 'json_object') return { responseMimeType: 'application/json' };
  const jsonSchema = record(format['json_schema']);
  const schema = record(jsonSchema?.['schema']);
  if (typeof jsonSchema?.['description'] === 'string') warnings.push('response_format.json_schema.description: Gemini has no schema description; dropped');
  if (!schema) return { responseMimeType: 'application/json' };
  const converted = convertJsonSchemaToGemini(schema);
  const warning = droppedKeywordsWarning('response_format.json_schema.schema', converted.dropped);
  if (warning) warnings.push(warning);
  return { responseMimeType: 'application/json', responseJsonSchema: converted.schema };
}

function generationConfig(request: ChatCompletionRequest, warnings: string[]): GeminiGenerationConfig {
  const config: GeminiGenerationConfig = {};
  if (request.stop !== null && request.stop !== undefined) config.stopSequences = typeof request.stop === 'string' ? [request.stop] : request.stop;
  if (request.n !== null && request.n !== undefined) config.candidateCount = request.n;
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens !== null && maxTokens !== undefined) config.maxOutputTokens = maxTokens;
  if (request.temperature !== null && request.temperature !== undefined) config.temperature = request.temperature;
  if (request.top_p !== null && request.top_p !== undefined) config.topP = request.top_p;
  if (request.seed !== null && request.seed !== undefined) config.seed = request.seed;
  if (request.presence_penalty !== null && request.presence_penalty !== undefined) config.presencePenalty = request.presence_penalty;
  if (request.frequency_penalty !== null && request.frequency_penalty !== undefined) config.frequencyPenalty = request.frequency_penalty;
  if (request.logprobs === true) {
    config.responseLogprobs = true;
    if (request.top_logprobs !== null && request.top_logprobs !== undefined) config.logprobs = request.top_logprobs;
  }
  return { ...config, ...responseFormatConfig(request, warnings) };
}

/** What both `generateContent` and `streamGenerateContent` need. */
export interface GeminiRequestInput {
  request: ChatCompletionRequest;
  upstreamModel: string;
  config: GeminiRequestSettings;
  requestId: string;
}

/**
 * OpenAI Chat Completions request → Gemini `generateContent` (pure). The model goes in the path, the
 * key in `x-goog-api-key`. Settings Gemini cannot express are dropped and reported as warnings;
 * content it cannot carry fails the request (see {@link geminiInvalidRequest}).
 * @see https://ai.google.dev/api/generate-content#method:-models.generatecontent
 */
export function convertToGeminiRequest(input: GeminiRequestInput): WireRequest {
  return buildGeminiRequest(input, ':generateContent', 'application/json');
}

/**
 * The same request for `streamGenerateContent`: an identical body, the streaming method in the path
 * and `alt=sse`, without which Gemini streams one JSON array instead of server-sent events (each
 * event a whole `GenerateContentResponse`, usage included; there is no `stream_options` to set).
 * @see https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
 */
export function convertToGeminiStreamRequest(input: GeminiRequestInput): WireRequest {
  return buildGeminiRequest(input, ':streamGenerateContent?alt=sse', 'text/event-stream');
}

function buildGeminiRequest(input: GeminiRequestInput, method: string, accept: string): WireRequest {
  const { request } = input;
  const warnings: string[] = [];
  const { systemInstruction, contents } = convertToGeminiContents(request.messages, warnings);
  const tools = convertToGeminiTools(request, warnings);
  const config = generationConfig(request, warnings);
  for (const [field, value] of Object.entries(request)) {
    if (!translatedFields.has(field) && value !== null && value !== undefined) warnings.push(`${field}: not supported by Gemini; dropped`);
  }
  const body: GeminiGenerateContentRequest = {
    contents,
    ...(systemInstruction ? { systemInstruction } : {}),
    ...tools,
    ...(Object.keys(config).length > 0 ? { generationConfig: config } : {}),
  };
  const headers: Record<string, string> = { 'content-type': 'application/json', accept, ...input.config.headers };
  if (input.config.apiKey) headers['x-goog-api-key'] = input.config.apiKey;
  return { path: `/${modelPath(input.upstreamModel)}${method}`, headers, body, ...(warnings.length > 0 ? { warnings } : {}) };
}
