/**
 * OpenAI-compatible vendors as data: a preset names the base URL and auth of a vendor that speaks
 * OpenAI's Chat Completions wire format, plus its known quirks. In the config, `type: <preset>` selects
 * one; `baseUrl` overrides its URL.
 */
export interface OpenAICompatiblePreset {
  /** Default base URL (up to and including the version segment). */
  baseUrl: string;
  /** Whether the vendor needs an API key (local servers such as Ollama do not). */
  requiresApiKey: boolean;
  /** Request fields the vendor rejects or ignores: dropped with a warning instead of sent. */
  unsupportedFields: readonly string[];
  /** @see the vendor's API reference */
  docs: string;
}

export const openAICompatiblePresets = {
  mistral: { baseUrl: 'https://api.mistral.ai/v1', requiresApiKey: true, unsupportedFields: [], docs: 'https://docs.mistral.ai/api/' },
  groq: { baseUrl: 'https://api.groq.com/openai/v1', requiresApiKey: true, unsupportedFields: [], docs: 'https://console.groq.com/docs/openai' },
  together: { baseUrl: 'https://api.together.xyz/v1', requiresApiKey: true, unsupportedFields: [], docs: 'https://docs.together.ai/docs/openai-api-compatibility' },
  deepseek: { baseUrl: 'https://api.deepseek.com/v1', requiresApiKey: true, unsupportedFields: [], docs: 'https://api-docs.deepseek.com/' },
  fireworks: { baseUrl: 'https://api.fireworks.ai/inference/v1', requiresApiKey: true, unsupportedFields: [], docs: 'https://docs.fireworks.ai/api-reference/post-chatcompletions' },
  xai: { baseUrl: 'https://api.x.ai/v1', requiresApiKey: true, unsupportedFields: [], docs: 'https://docs.x.ai/docs/api-reference' },
  openrouter: { baseUrl: 'https://openrouter.ai/api/v1', requiresApiKey: true, unsupportedFields: [], docs: 'https://openrouter.ai/docs/api-reference/overview' },
  perplexity: { baseUrl: 'https://api.perplexity.ai', requiresApiKey: true, unsupportedFields: [], docs: 'https://docs.perplexity.ai/api-reference/chat-completions' },
  cerebras: { baseUrl: 'https://api.cerebras.ai/v1', requiresApiKey: true, unsupportedFields: [], docs: 'https://inference-docs.cerebras.ai/api-reference/chat-completions' },
  ollama: { baseUrl: 'http://127.0.0.1:11434/v1', requiresApiKey: false, unsupportedFields: [], docs: 'https://github.com/ollama/ollama/blob/main/docs/openai.md' },
  vllm: { baseUrl: 'http://127.0.0.1:8000/v1', requiresApiKey: false, unsupportedFields: [], docs: 'https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html' },
  lmstudio: { baseUrl: 'http://127.0.0.1:1234/v1', requiresApiKey: false, unsupportedFields: [], docs: 'https://lmstudio.ai/docs/app/api/endpoints/openai' },
} as const satisfies Record<string, OpenAICompatiblePreset>;

export type OpenAICompatiblePresetName = keyof typeof openAICompatiblePresets;
export const openAICompatiblePresetNames = Object.keys(openAICompatiblePresets) as [OpenAICompatiblePresetName, ...OpenAICompatiblePresetName[]];
