import { openAICompatiblePresetNames, type OpenAICompatiblePresetName } from '../../config/preset-names.ts';
/**
 * OpenAI-compatible vendors as data: a preset names the base URL and auth of a vendor that speaks
 * OpenAI's Chat Completions wire format, plus its known quirks. In the config, `type: <preset>` selects
 * one; `baseUrl` overrides its URL. Quirks come from each vendor's own API reference (`docs`): only what
 * a vendor documents as rejected, ignored or differently named is listed, so a field not listed here is
 * sent as the client wrote it.
 */
export type ResponseFormatType = 'text' | 'json_object' | 'json_schema';

/**
 * How a vendor reports usage in a stream: `'on-request'` when asked with OpenAI's
 * `stream_options.include_usage` (the gateway always asks); `'always'` on its last chunk unasked, while
 * refusing `stream_options` itself, so none is sent (the client's included).
 */
export type StreamUsage = 'on-request' | 'always';

/** Quirks of some of a vendor's models only (e.g. reasoning models), matched on the upstream model name. */
export interface PresetModelQuirk {
  models: RegExp;
  /** Request fields these models reject or ignore: dropped with a warning each. */
  unsupportedFields: readonly string[];
  /** @see the vendor's page documenting the quirk */
  docs: string;
}

/**
 * A vendor's embeddings: present where it serves `POST /embeddings` in OpenAI's wire format, with the
 * quirks its embeddings reference documents (applied as the chat quirks are).
 */
export interface PresetEmbeddings {
  /** Request fields the vendor rejects or ignores on embeddings: dropped with a warning each. @defaultValue none */
  unsupportedFields?: readonly string[];
  /** Fields the vendor knows under another name (OpenAI name → vendor name). @defaultValue none */
  renamedFields?: Readonly<Record<string, string>>;
  /** The vendor embeds text only: token-array inputs fail with a 400 before any call. @defaultValue false */
  textInputsOnly?: boolean;
  /** The most inputs the vendor embeds in one call; a request with more is sent as several calls. @defaultValue no limit */
  maxInputsPerCall?: number;
  /** @see the vendor's embeddings reference, where the quirks above are documented */
  docs: string;
}

/** A documented range of a numeric request field; a value outside it is clamped to it, with a warning. */
export interface NumericRange {
  min: number;
  max: number;
}

export interface OpenAICompatiblePreset {
  /** Default base URL (up to and including the version segment). */
  baseUrl: string;
  /** Whether the vendor needs an API key (local servers such as Ollama do not). A worker refuses to start without one. */
  requiresApiKey: boolean;
  /** Top-level request fields the vendor rejects or ignores: dropped with a warning each instead of sent. */
  unsupportedFields: readonly string[];
  /** Fields the vendor knows under another name, renamed before sending (OpenAI name → vendor name). @defaultValue none */
  renamedFields?: Readonly<Record<string, string>>;
  /** Fields the vendor rejects on messages (`messages[].<field>`): removed from every message, one warning each. */
  unsupportedMessageFields?: readonly string[];
  /** Numeric fields the vendor takes in a narrower range than OpenAI (e.g. `temperature` 0–1): clamped, with a warning. @defaultValue none */
  ranges?: Readonly<Record<string, NumericRange>>;
  /** The most choices (`n`) the vendor returns; a larger `n` is dropped with a warning. @defaultValue unlimited */
  maxChoices?: number;
  /**
   * `response_format.type`s the vendor accepts. @defaultValue all three. A `json_schema` request falls back
   * to `json_object` (schema not enforced) where only that is accepted; any other unaccepted type is dropped.
   */
  responseFormats?: readonly ResponseFormatType[];
  modelQuirks?: readonly PresetModelQuirk[];
  /** @defaultValue 'on-request' (see {@link StreamUsage}) */
  streamUsage?: StreamUsage;
  /** The vendor's embeddings. @defaultValue absent: the vendor serves none */
  embeddings?: PresetEmbeddings;
  /** @see the vendor's API reference, where the quirks above are documented */
  docs: string;
}

const maxCompletionTokensAsMaxTokens = { max_completion_tokens: 'max_tokens' } as const;
const temperatureZeroToOne = { temperature: { min: 0, max: 1 } } as const;

export const openAICompatiblePresets = {
  // Strict schema: every field it does not know is a 422 `extra_forbidden`; `seed` is `random_seed`.
  // Streamed, usage comes on the last chunk unasked, and `stream_options` is one of those 422s.
  mistral: {
    baseUrl: 'https://api.mistral.ai/v1',
    requiresApiKey: true,
    unsupportedFields: ['logit_bias', 'logprobs', 'top_logprobs', 'user', 'metadata', 'store', 'service_tier'],
    renamedFields: { ...maxCompletionTokensAsMaxTokens, seed: 'random_seed' },
    unsupportedMessageFields: ['name'],
    streamUsage: 'always',
    // mistral-embed, codestral-embed. The same strict schema; texts only; `dimensions` is
    // `output_dimension` (codestral-embed); `encoding_format` is sent as float, as always.
    embeddings: {
      unsupportedFields: ['user'],
      renamedFields: { dimensions: 'output_dimension' },
      textInputsOnly: true,
      docs: 'https://docs.mistral.ai/api/endpoint/embeddings',
    },
    docs: 'https://docs.mistral.ai/api/#tag/chat/operation/chat_completion_v1_chat_completions_post',
  },
  // Documented 400s: logprobs, logit_bias, top_logprobs, messages[].name, and any n other than 1.
  groq: {
    baseUrl: 'https://api.groq.com/openai/v1',
    requiresApiKey: true,
    unsupportedFields: ['logprobs', 'logit_bias', 'top_logprobs'],
    unsupportedMessageFields: ['name'],
    maxChoices: 1,
    docs: 'https://console.groq.com/docs/openai',
  },
  together: {
    baseUrl: 'https://api.together.xyz/v1',
    requiresApiKey: true,
    unsupportedFields: [],
    renamedFields: maxCompletionTokensAsMaxTokens,
    // `input` is a text or a list of texts.
    embeddings: { textInputsOnly: true, docs: 'https://docs.together.ai/reference/embeddings-2' },
    docs: 'https://docs.together.ai/reference/chat-completions-1',
  },
  // The request body documents neither n, seed nor logit_bias; response_format is text or json_object.
  deepseek: {
    baseUrl: 'https://api.deepseek.com/v1',
    requiresApiKey: true,
    unsupportedFields: ['n', 'seed', 'logit_bias'],
    renamedFields: maxCompletionTokensAsMaxTokens,
    responseFormats: ['text', 'json_object'],
    modelQuirks: [
      {
        // Thinking mode: logprobs/top_logprobs are errors; sampling parameters have no effect.
        models: /^deepseek-reasoner/,
        unsupportedFields: ['logprobs', 'top_logprobs', 'temperature', 'top_p', 'presence_penalty', 'frequency_penalty'],
        docs: 'https://api-docs.deepseek.com/guides/reasoning_model',
      },
    ],
    docs: 'https://api-docs.deepseek.com/api/create-chat-completion',
  },
  fireworks: {
    baseUrl: 'https://api.fireworks.ai/inference/v1',
    requiresApiKey: true,
    unsupportedFields: [],
    renamedFields: maxCompletionTokensAsMaxTokens,
    embeddings: { docs: 'https://docs.fireworks.ai/api-reference/creates-an-embedding-vector-representing-the-input-text' },
    docs: 'https://docs.fireworks.ai/api-reference/post-chatcompletions',
  },
  xai: {
    baseUrl: 'https://api.x.ai/v1',
    requiresApiKey: true,
    unsupportedFields: [],
    modelQuirks: [
      {
        // Reasoning models answer an error for these (non-reasoning variants accept them).
        models: /^grok-(3-mini|4|code)(?!.*non-reasoning)/,
        unsupportedFields: ['presence_penalty', 'frequency_penalty', 'stop'],
        docs: 'https://docs.x.ai/docs/guides/reasoning',
      },
    ],
    docs: 'https://docs.x.ai/docs/api-reference',
  },
  // Routes to many providers and ignores what the chosen one lacks; `n` is not among its parameters.
  openrouter: {
    baseUrl: 'https://openrouter.ai/api/v1',
    requiresApiKey: true,
    unsupportedFields: ['n'],
    renamedFields: maxCompletionTokensAsMaxTokens,
    // Routes embeddings models as it routes chat ones.
    embeddings: { docs: 'https://openrouter.ai/docs/api-reference/embeddings' },
    docs: 'https://openrouter.ai/docs/api-reference/parameters',
  },
  // Sonar: no function calling; structured output is json_schema (or regex) only.
  perplexity: {
    baseUrl: 'https://api.perplexity.ai',
    requiresApiKey: true,
    unsupportedFields: ['tools', 'tool_choice', 'parallel_tool_calls', 'n', 'logit_bias', 'logprobs', 'top_logprobs', 'seed'],
    renamedFields: maxCompletionTokensAsMaxTokens,
    responseFormats: ['text', 'json_schema'],
    docs: 'https://docs.perplexity.ai/api-reference/chat-completions-post',
  },
  // Documented 400s.
  cerebras: {
    baseUrl: 'https://api.cerebras.ai/v1',
    requiresApiKey: true,
    unsupportedFields: ['frequency_penalty', 'logit_bias', 'presence_penalty', 'parallel_tool_calls', 'service_tier'],
    docs: 'https://inference-docs.cerebras.ai/resources/openai',
  },
  ollama: {
    baseUrl: 'http://127.0.0.1:11434/v1',
    requiresApiKey: false,
    unsupportedFields: ['tool_choice', 'logit_bias', 'user', 'n', 'logprobs', 'top_logprobs', 'parallel_tool_calls'],
    renamedFields: maxCompletionTokensAsMaxTokens,
    // Documented: texts only (no token arrays), and no `user`.
    embeddings: { unsupportedFields: ['user'], textInputsOnly: true, docs: 'https://docs.ollama.com/api/openai-compatibility' },
    docs: 'https://docs.ollama.com/api/openai-compatibility',
  },
  vllm: {
    baseUrl: 'http://127.0.0.1:8000/v1',
    requiresApiKey: false,
    unsupportedFields: ['parallel_tool_calls', 'user'],
    // For a model vLLM serves as an embedding (pooling) model; token arrays are accepted.
    embeddings: { docs: 'https://docs.vllm.ai/en/stable/serving/openai_compatible_server.html#embeddings-api' },
    docs: 'https://docs.vllm.ai/en/stable/serving/openai_compatible_server.html',
  },
  // Structured output is json_schema only.
  lmstudio: {
    baseUrl: 'http://127.0.0.1:1234/v1',
    requiresApiKey: false,
    unsupportedFields: ['n', 'logprobs', 'top_logprobs', 'user', 'parallel_tool_calls'],
    renamedFields: maxCompletionTokensAsMaxTokens,
    responseFormats: ['text', 'json_schema'],
    embeddings: { docs: 'https://lmstudio.ai/docs/developer/openai-compat/embeddings' },
    docs: 'https://lmstudio.ai/docs/developer/openai-compat/chat-completions',
  },
  // Documents temperature and top_p from 0 to 1, one choice, and no logit_bias or logprobs.
  sambanova: {
    baseUrl: 'https://api.sambanova.ai/v1',
    requiresApiKey: true,
    unsupportedFields: ['logit_bias', 'logprobs', 'top_logprobs'],
    ranges: temperatureZeroToOne,
    maxChoices: 1,
    docs: 'https://docs.sambanova.ai/docs/api-reference/chat/create-chat-based-completion',
  },
  // Nebius AI Studio, now Token Factory (the same API).
  nebius: {
    baseUrl: 'https://api.tokenfactory.nebius.com/v1',
    requiresApiKey: true,
    unsupportedFields: [],
    embeddings: { docs: 'https://docs.tokenfactory.nebius.com/api-reference/embeddings/create-embeddings' },
    docs: 'https://docs.tokenfactory.nebius.com/api-reference/introduction',
  },
  // Novita's own endpoints (chat, embeddings, batches) are under /openai/v1; the older
  // `https://api.novita.ai/v3/openai` serves the same API.
  novita: {
    baseUrl: 'https://api.novita.ai/openai/v1',
    requiresApiKey: true,
    unsupportedFields: [],
    embeddings: { textInputsOnly: true, docs: 'https://novita.ai/docs/api-reference/model-apis-llm-create-embeddings' },
    docs: 'https://novita.ai/docs/guides/llm-api',
  },
  // Kimi: temperature from 0 to 1, at most 5 choices; the kimi-k2.5 and later models fix their
  // sampling parameters (changing them is an error).
  moonshot: {
    baseUrl: 'https://api.moonshot.ai/v1',
    requiresApiKey: true,
    unsupportedFields: [],
    ranges: temperatureZeroToOne,
    maxChoices: 5,
    modelQuirks: [
      {
        models: /^kimi-k2\.[5-9]/,
        unsupportedFields: ['temperature', 'top_p', 'n', 'presence_penalty', 'frequency_penalty'],
        docs: 'https://platform.kimi.ai/docs/api/models-overview',
      },
    ],
    docs: 'https://platform.kimi.ai/docs/api/chat',
  },
  // Alibaba Cloud Model Studio (Qwen), international (Singapore) endpoint; in mainland China set
  // `baseUrl: https://dashscope.aliyuncs.com/compatible-mode/v1`. Embeddings: texts only, 10 per call.
  dashscope: {
    baseUrl: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1',
    requiresApiKey: true,
    unsupportedFields: ['logit_bias'],
    embeddings: { textInputsOnly: true, maxInputsPerCall: 10, docs: 'https://www.alibabacloud.com/help/en/model-studio/embedding-interfaces-compatible-with-openai' },
    docs: 'https://www.alibabacloud.com/help/en/model-studio/compatibility-of-openai-with-dashscope',
  },
  hyperbolic: {
    baseUrl: 'https://api.hyperbolic.xyz/v1',
    requiresApiKey: true,
    unsupportedFields: [],
    docs: 'https://docs.hyperbolic.xyz/docs/rest-api',
  },
} as const satisfies Record<OpenAICompatiblePresetName, OpenAICompatiblePreset>; // every name the config accepts, no other

export { openAICompatiblePresetNames, type OpenAICompatiblePresetName };
