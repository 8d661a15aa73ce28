import { hash } from 'node:crypto';
import type { OperationName } from '../operations/registry.ts';
import type { ResolvedRoute } from '../routing/resolve-route.ts';

/**
 * Request fields that never change the answer: how it is delivered (`stream`, `stream_options`),
 * who asked (`user`, `metadata`, `safety_identifier`) and storage hints for the provider. Every
 * other field — model, messages, sampling, tools, response format, seed, unknown pass-through
 * fields — is part of the key.
 */
const deliveryOnlyFields = new Set(['stream', 'stream_options', 'user', 'metadata', 'safety_identifier', 'store', 'prompt_cache_key', 'service_tier']);

/** Bumped when the entry or key format changes, so old entries are simply never found. */
const keyVersion = 'v2';

/**
 * The cache key of a request in a project: a SHA-256 of its operation, the normalised request (keys sorted at every
 * depth, delivery-only fields dropped) and of every route that could serve it, so a config change
 * that points the model elsewhere never serves the old model's answers. Weighted and fastest-first
 * strategies draw among the same routes, so they share entries. Pure.
 */
export function responseCacheKey(input: { projectId: string; operation?: OperationName; request: object; routes: readonly Pick<ResolvedRoute, 'provider' | 'upstreamModel'>[] }): string {
  const request = Object.fromEntries(Object.entries(input.request).filter(([field, value]) => !deliveryOnlyFields.has(field) && value !== undefined));
  const routes = [...new Set(input.routes.map((route) => `${route.provider}/${route.upstreamModel}`))].sort();
  // One-shot hash: no Hash object per request.
  return `${keyVersion}:${input.projectId}:${hash('sha256', canonicalJson({ operation: input.operation ?? 'chat', routes, request }), 'hex')}`;
}

/** JSON with object keys sorted at every depth: equal values, equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
