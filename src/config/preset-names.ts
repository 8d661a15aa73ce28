/**
 * The `type`s of the OpenAI-compatible presets a config may name. The presets themselves (base URLs,
 * quirks) are data in `src/providers/openai-compatible/presets.ts`, which must define exactly these:
 * the compiler checks that both lists agree.
 */
export const openAICompatiblePresetNames = [
  'mistral',
  'groq',
  'together',
  'deepseek',
  'fireworks',
  'xai',
  'openrouter',
  'perplexity',
  'cerebras',
  'ollama',
  'vllm',
  'lmstudio',
  'sambanova',
  'nebius',
  'novita',
  'moonshot',
  'dashscope',
  'hyperbolic',
] as const;

export type OpenAICompatiblePresetName = (typeof openAICompatiblePresetNames)[number];
