import { estimateEmbeddingTokens } from '../estimate-usage.ts';
import { embeddingInputs, type EmbeddingInput, type EmbeddingsRequest } from '../embeddings-schemas.ts';
import { embeddingsResult } from '../openai/embeddings/openai-embeddings-result.ts';
import type { EmbeddingsResult } from '../provider-client.ts';
import { ProviderError } from '../../errors/provider-error.ts';
import { fnv1a, mockFailure } from './chat/mock-completion.ts';

/** Vector length when the request sets no `dimensions`. */
export const defaultMockDimensions = 8;
/** A bound on `dimensions`, so a request cannot make the mock allocate without limit (OpenAI's largest is 3072). */
export const maxMockDimensions = 4096;

/** murmur3's finaliser: spreads FNV-1a's output so neighbouring components do not correlate. */
function mix(hash: number): number {
  let mixed = hash >>> 0;
  mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85ebca6b);
  mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35);
  return (mixed ^ (mixed >>> 16)) >>> 0;
}

/**
 * One input's vector: component `i` from a hash of (upstream model, input, i) scaled into [-1, 1],
 * the whole normalised to unit length (as OpenAI's are), so equal inputs embed equally everywhere.
 */
export function mockVector(upstreamModel: string, input: EmbeddingInput, dimensions: number): number[] {
  const seed = fnv1a(`${upstreamModel}\u0000${typeof input === 'string' ? `text:${input}` : `tokens:${input.join(',')}`}`);
  const raw = Array.from({ length: dimensions }, (_unused, position) => (mix(seed ^ Math.imul(position + 1, 0x9e3779b9)) / 0xffffffff) * 2 - 1);
  const norm = Math.hypot(...raw);
  return norm === 0 ? raw : raw.map((component) => component / norm);
}

/**
 * The mock provider's embeddings (pure): deterministic unit vectors of `dimensions` (default
 * {@link defaultMockDimensions}) components per input, and usage as the mock "reports" it (texts at
 * four characters a token, token arrays by their length). A text input starting `mock:error:<status>`
 * fails the call with that status, as a chat message does.
 */
export function buildMockEmbeddings(input: { provider: string; request: EmbeddingsRequest; upstreamModel: string }): EmbeddingsResult {
  const { provider, request, upstreamModel } = input;
  const inputs = embeddingInputs(request);
  for (const item of inputs) {
    const failure = typeof item === 'string' ? mockFailure(provider, item) : undefined;
    if (failure) throw failure;
  }
  const dimensions = request.dimensions ?? defaultMockDimensions;
  if (dimensions > maxMockDimensions) {
    throw new ProviderError({ provider, status: 400, code: 'invalid_request', param: 'dimensions', message: `the mock provider embeds at most ${maxMockDimensions} dimensions`, retryable: false });
  }
  const promptTokens = estimateEmbeddingTokens(request);
  return embeddingsResult({
    vectors: inputs.map((item) => mockVector(upstreamModel, item, dimensions)),
    model: upstreamModel,
    usage: { promptTokens, completionTokens: 0, totalTokens: promptTokens },
  });
}
