import { embeddingInputs, type EmbeddingsRequest } from './embeddings-schemas.ts';
import type { EmbeddingsResult } from './provider-client.ts';

/**
 * A request as calls of at most `maxInputs` inputs each (the same fields, `input` sliced), in input
 * order; the request itself when it fits. Pure.
 */
export function splitEmbeddingsRequest(request: EmbeddingsRequest, maxInputs: number | undefined): EmbeddingsRequest[] {
  const inputs = embeddingInputs(request);
  if (maxInputs === undefined || inputs.length <= maxInputs) return [request];
  const parts: EmbeddingsRequest[] = [];
  for (let start = 0; start < inputs.length; start += maxInputs) {
    parts.push({ ...request, input: inputs.slice(start, start + maxInputs) as EmbeddingsRequest['input'] });
  }
  return parts;
}

/** The answers of a split request's calls as one answer: vectors renumbered in input order, usage summed. Pure. */
export function joinEmbeddingsResults(results: readonly EmbeddingsResult[]): EmbeddingsResult {
  const [first] = results;
  if (!first) throw new Error('joinEmbeddingsResults needs at least one result');
  let offset = 0;
  const data: EmbeddingsResult['vectors']['data'] = [];
  for (const result of results) {
    for (const item of result.vectors.data) data.push({ ...item, index: item.index + offset });
    offset += result.vectors.data.length;
  }
  const promptTokens = results.reduce((sum, result) => sum + result.usage.promptTokens, 0);
  const estimated = results.some((result) => result.usage.estimated === true);
  const warnings = [...new Set(results.flatMap((result) => result.warnings ?? []))];
  return {
    vectors: { ...first.vectors, data, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } },
    usage: { promptTokens, completionTokens: 0, totalTokens: promptTokens, ...(estimated ? { estimated: true } : {}) },
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}
