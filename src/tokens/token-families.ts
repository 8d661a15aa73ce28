import type { EncodingName } from './token-encoders.ts';

/**
 * How the gateway counts a model's tokens: OpenAI's models with their own vocabulary; every other
 * family with `o200k_base` times a correction factor, because no maintained JavaScript tokenizer
 * exists for their current models. The factors are approximations for English prose and code, erring
 * high, since these counts reserve rate limits and budgets and decide whether a request fits a
 * context window; provider-reported usage always wins for billing. docs/routing-and-limits.md lists
 * the table and where each factor comes from.
 */
export interface TokenCounting {
  family: TokenFamily;
  encoding: EncodingName;
  /** Multiplies the text's count in `encoding` (1 for OpenAI's models). */
  factor: number;
}

export type TokenFamily = 'openai-o200k' | 'openai-cl100k' | 'anthropic' | 'gemini' | 'mistral' | 'llama' | 'qwen' | 'cohere' | 'deepseek' | 'other';

interface FamilyRule {
  family: TokenFamily;
  /** Tested against the upstream model name, lower-cased (`anthropic.claude-…` on Bedrock matches `claude`). */
  pattern: RegExp;
  encoding: EncodingName;
  factor: number;
}

/** First match wins: OpenAI's older models before the newer catch-all. */
export const tokenFamilyRules: readonly FamilyRule[] = [
  { family: 'openai-cl100k', pattern: /(^|[/.])(gpt-3\.5|gpt-4(?![o.])|text-embedding-|davinci|babbage)/, encoding: 'cl100k_base', factor: 1 },
  { family: 'openai-o200k', pattern: /(^|[/.])(gpt-4o|gpt-4\.\d|gpt-[5-9]|chatgpt|o\d(-|$)|gpt-oss|omni-moderation)/, encoding: 'o200k_base', factor: 1 },
  { family: 'anthropic', pattern: /claude/, encoding: 'o200k_base', factor: 1.3 },
  { family: 'gemini', pattern: /gemini|gemma/, encoding: 'o200k_base', factor: 1.1 },
  { family: 'mistral', pattern: /mistral|mixtral|codestral|ministral|magistral|pixtral|devstral/, encoding: 'o200k_base', factor: 1.15 },
  { family: 'llama', pattern: /llama/, encoding: 'o200k_base', factor: 1.1 },
  { family: 'qwen', pattern: /qwen|qwq/, encoding: 'o200k_base', factor: 1.1 },
  { family: 'cohere', pattern: /command|embed-(english|multilingual)|cohere|rerank/, encoding: 'o200k_base', factor: 1.15 },
  { family: 'deepseek', pattern: /deepseek/, encoding: 'o200k_base', factor: 1.1 },
];

const otherFamily: TokenCounting = { family: 'other', encoding: 'o200k_base', factor: 1.1 };

const byModel = new Map<string, TokenCounting>();

/** How to count the tokens of an upstream model (a name nothing matches: `o200k_base` × 1.1). */
export function tokenCountingFor(model: string | undefined): TokenCounting {
  if (model === undefined) return otherFamily;
  let counting = byModel.get(model);
  if (!counting) {
    const name = model.toLowerCase();
    const rule = tokenFamilyRules.find((candidate) => candidate.pattern.test(name));
    counting = rule ? { family: rule.family, encoding: rule.encoding, factor: rule.factor } : otherFamily;
    // Model names come from config and requests: bounded in practice, but never let the memo grow unchecked.
    if (byModel.size < 10_000) byModel.set(model, counting);
  }
  return counting;
}
