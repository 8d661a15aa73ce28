import type { GeminiLogprobsResult } from './gemini-schemas.ts';

interface OpenAITokenLogprob {
  token: string;
  logprob: number;
  bytes: number[];
}

export interface OpenAILogprobs {
  content: Array<OpenAITokenLogprob & { top_logprobs: OpenAITokenLogprob[] }>;
  refusal: null;
}

function tokenLogprob(candidate: { token?: string | undefined; logProbability?: number | undefined }): OpenAITokenLogprob {
  const token = candidate.token ?? '';
  return { token, logprob: candidate.logProbability ?? 0, bytes: [...Buffer.from(token, 'utf8')] };
}

/**
 * Gemini `logprobsResult` → OpenAI `choice.logprobs`: one entry per chosen token, with the top
 * candidates of the same decoding step.
 * @see https://ai.google.dev/api/generate-content#LogprobsResult
 */
export function mapGeminiLogprobs(result: GeminiLogprobsResult | undefined): OpenAILogprobs | null {
  if (!result?.chosenCandidates) return null;
  return {
    content: result.chosenCandidates.map((chosen, step) => ({
      ...tokenLogprob(chosen),
      top_logprobs: (result.topCandidates?.[step]?.candidates ?? []).map(tokenLogprob),
    })),
    refusal: null,
  };
}
