/**
 * The built-in demo configuration: a `mock` provider, so the gateway answers with no keys and no file.
 * `mock-echo` replies with the last user message; `mock-classifier` picks a label deterministically;
 * `mock-embed` answers embeddings with deterministic vectors.
 * Served alone when `GATEWAY_CONFIG` is unset, and under a config file that names no provider or
 * model of its own (see `mergeOverBuiltInConfig`).
 */
export const builtInConfig = {
  providers: {
    mock: { type: 'mock', latencyMs: 0, concurrency: 256 },
  },
  models: {
    'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }] },
    'mock-classifier': { routes: [{ provider: 'mock', model: 'classifier' }] },
    'mock-embed': { routes: [{ provider: 'mock', model: 'embed' }] },
  },
} as const;
