import { stringify } from 'yaml';
import { z } from 'zod';
import { isJsonObject } from './merge-patch.ts';

/** Top-level keys of a LiteLLM proxy config, which this gateway does not read. */
const liteLLMKeys = ['model_list', 'litellm_settings', 'router_settings', 'general_settings', 'environment_variables'] as const;

/** LiteLLM's provider prefix (`openai/gpt-4o`) → this gateway's provider `type`. */
const providerTypes: Readonly<Record<string, string>> = {
  openai: 'openai',
  azure: 'azure',
  anthropic: 'anthropic',
  gemini: 'google',
  mistral: 'mistral',
  groq: 'groq',
  together_ai: 'together',
  deepseek: 'deepseek',
  fireworks_ai: 'fireworks',
  xai: 'xai',
  openrouter: 'openrouter',
  perplexity: 'perplexity',
  cerebras: 'cerebras',
  ollama: 'ollama',
  ollama_chat: 'ollama',
  hosted_vllm: 'vllm',
  lm_studio: 'lmstudio',
  cohere: 'cohere',
  cohere_chat: 'cohere',
  vertex_ai: 'vertex',
  sambanova: 'sambanova',
  nebius: 'nebius',
  novita: 'novita',
  moonshot: 'moonshot',
  dashscope: 'dashscope',
  hyperbolic: 'hyperbolic',
};

const liteLLMModelSchema = z.object({
  model_name: z.string().min(1),
  litellm_params: z.object({
    model: z.string().min(1),
    api_key: z.string().optional(),
    api_base: z.string().optional(),
    api_version: z.string().optional(),
    rpm: z.number().int().positive().optional(),
    tpm: z.number().int().positive().optional(),
    vertex_project: z.string().optional(),
    vertex_location: z.string().optional(),
    vertex_credentials: z.string().optional(),
  }),
});

/**
 * Undefined unless `raw` is a LiteLLM proxy config; then the message that says so, with its first
 * `model_list` entry written in this gateway's format when it can be.
 */
export function liteLLMConfigHint(raw: unknown): string | undefined {
  if (!isJsonObject(raw)) return undefined;
  const key = liteLLMKeys.find((candidate) => Object.hasOwn(raw, candidate));
  if (key === undefined) return undefined;
  const message = `${key}: ${key} is LiteLLM's format; this gateway uses \`providers:\` and \`models:\` — see docs/configuration.md`;
  const first = Array.isArray(raw['model_list']) ? translateLiteLLMModel(raw['model_list'][0]) : undefined;
  if (first === undefined) return message;
  const snippet = stringify(first).trimEnd().replace(/^/gm, '    ');
  return `${message}\n  The first model_list entry, in this gateway's format:\n${snippet}`;
}

/**
 * One `model_list` entry as `providers:` and `models:`. A key written into the file is never copied
 * (the message is logged): `os.environ/NAME` becomes `${NAME}`, anything else a `${PREFIX_API_KEY}` placeholder.
 */
export function translateLiteLLMModel(entry: unknown): { providers: Record<string, unknown>; models: Record<string, unknown> } | undefined {
  const parsed = liteLLMModelSchema.safeParse(entry);
  if (!parsed.success) return undefined;
  const { model_name: modelName, litellm_params: params } = parsed.data;
  const slash = params.model.indexOf('/');
  const prefix = slash > 0 ? params.model.slice(0, slash) : 'openai';
  const upstreamModel = slash > 0 ? params.model.slice(slash + 1) : params.model;
  const listed = Object.hasOwn(providerTypes, prefix) ? providerTypes[prefix] : undefined;
  // LiteLLM's vertex_ai/ serves Gemini and Claude alike; the gateway has a type for each.
  const type = listed === 'vertex' && upstreamModel.startsWith('claude') ? 'vertex-anthropic' : listed;
  if (type === undefined || upstreamModel.length === 0) return undefined;
  const providerName = prefix.replace(/[^A-Za-z0-9_-]/g, '-');
  const variable = prefix.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  const baseUrl =
    params.api_base === undefined ? (type === 'azure' ? '${AZURE_API_BASE}' : undefined) : (environmentReference(params.api_base) ?? safeUrl(params.api_base) ?? `\${${variable}_API_BASE}`);
  const provider = {
    type,
    ...(baseUrl === undefined ? {} : { baseUrl }),
    ...(params.api_key === undefined ? {} : { apiKey: environmentReference(params.api_key) ?? `\${${variable}_API_KEY}` }),
    ...(params.api_version === undefined || type !== 'azure' ? {} : { apiVersion: params.api_version }),
    ...(type === 'vertex' || type === 'vertex-anthropic' ? vertexSettings(params) : {}),
  };
  const route = { provider: providerName, model: upstreamModel, ...(params.rpm === undefined ? {} : { rpm: params.rpm }), ...(params.tpm === undefined ? {} : { tpm: params.tpm }) };
  return { providers: { [providerName]: provider }, models: { [modelName]: { routes: [route] } } };
}

/** LiteLLM's `vertex_location`, `vertex_project` and `vertex_credentials` (a key file's path, or its JSON in a variable). */
function vertexSettings(params: z.infer<typeof liteLLMModelSchema>['litellm_params']): Record<string, string> {
  const credentials = params.vertex_credentials === undefined ? undefined : environmentReference(params.vertex_credentials);
  const path = params.vertex_credentials !== undefined && credentials === undefined && !params.vertex_credentials.trim().startsWith('{') ? params.vertex_credentials : undefined;
  return {
    location: params.vertex_location === undefined ? '${VERTEX_LOCATION}' : (environmentReference(params.vertex_location) ?? params.vertex_location),
    ...(params.vertex_project === undefined ? {} : { project: environmentReference(params.vertex_project) ?? params.vertex_project }),
    ...(credentials === undefined ? {} : { credentials }),
    ...(path === undefined ? {} : { credentialsFile: path }),
  };
}

/** LiteLLM's `os.environ/NAME` as this gateway's `${NAME}`. */
function environmentReference(value: string): string | undefined {
  const match = /^os\.environ\/([A-Za-z_][A-Za-z0-9_]*)$/.exec(value.trim());
  return match ? `\${${match[1]}}` : undefined;
}

/** An http(s) URL without credentials in it, as written; otherwise undefined. */
function safeUrl(value: string): string | undefined {
  if (!URL.canParse(value)) return undefined;
  const url = new URL(value);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '' ? value : undefined;
}
