/**
 * The `gen_ai.provider.name` of a provider `type`, where OpenTelemetry's GenAI semantic conventions
 * list a well-known value for it (Gemini through its API key is `gcp.gemini`); any other type is
 * reported under its own name, as the conventions allow.
 * @see https://opentelemetry.io/docs/specs/semconv/registry/attributes/gen-ai/
 */
const wellKnownGenAiProviderNames: Readonly<Record<string, string>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  google: 'gcp.gemini',
  vertex: 'gcp.vertex_ai',
  'vertex-anthropic': 'gcp.vertex_ai',
  cohere: 'cohere',
  azure: 'azure.ai.openai',
  bedrock: 'aws.bedrock',
  mistral: 'mistral_ai',
  groq: 'groq',
  deepseek: 'deepseek',
  xai: 'x_ai',
  perplexity: 'perplexity',
};

export function genAiProviderName(type: string): string {
  return Object.hasOwn(wellKnownGenAiProviderNames, type) ? (wellKnownGenAiProviderNames[type] ?? type) : type;
}
