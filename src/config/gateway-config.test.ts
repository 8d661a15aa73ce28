import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultGatewayConfig } from './default-config.ts';
import { ConfigurationError } from '../errors/configuration-error.ts';
import { loadGatewayConfigFile, parseGatewayConfig, parseGatewayConfigYaml, type GatewayConfig } from './gateway-config.ts';
import { interpolateEnvironment } from './interpolate.ts';

const validYaml = `
providers:
  openai:
    type: openai
    baseUrl: https://api.openai.com/v1
    apiKey: sk-test
  mock:
    type: mock
models:
  gpt-4o-mini:
    routes:
      - provider: openai
        model: gpt-4o-mini
      - provider: mock
        model: echo
`;

function configErrorOf(action: () => unknown): ConfigurationError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError');
}

/** A minimal valid config with `patch` merged at the top level. */
function withBase(patch: Record<string, unknown>): Record<string, unknown> {
  return { providers: { openai: { type: 'openai', baseUrl: 'https://api.openai.com/v1' } }, ...patch };
}

describe('parseGatewayConfigYaml', () => {
  it('parses a valid config and applies defaults', () => {
    const config = parseGatewayConfigYaml(validYaml, {});
    const openai = config.providers['openai'];
    expect(openai).toEqual({
      type: 'openai',
      baseUrl: 'https://api.openai.com/v1',
      apiKey: 'sk-test',
      headers: {},
      concurrency: 16,
      timeoutMs: 60_000,
      maxAttempts: 3,
      retryBaseDelayMs: 500,
    });
    expect(config.providers['mock']).toEqual({
      type: 'mock',
      headers: {},
      latencyMs: 0,
      streamIntervalMs: 0,
      concurrency: 256,
      timeoutMs: 60_000,
      maxAttempts: 3,
      retryBaseDelayMs: 500,
    });
    expect(config.server).toEqual({
      bodyLimitBytes: 10 * 1024 * 1024,
      requestTimeoutMs: 600_000,
      streamIdleTimeoutMs: 120_000,
      streamHeartbeatIntervalMs: 15_000,
      shutdownTimeoutMs: 30_000,
      drainDelayMs: 0,
      startupTimeoutMs: 120_000,
    });
    expect(config.durability).toEqual({ reconcileIntervalMs: 60_000, redisCheckIntervalMs: 1_000, jobLockMs: 30_000, outageWaitMs: 60_000 });
    expect(config.cache).toEqual({ enabled: false, ttlSeconds: 3600, maxEntryBytes: 1024 * 1024 });
    expect(config.models['gpt-4o-mini']?.routes.map((route) => ('provider' in route ? route.provider : route.alias))).toEqual(['openai', 'mock']);
    expect(config.models['gpt-4o-mini']?.strategy).toBe('priority');
  });

  it('keeps explicit values over defaults', () => {
    const config = parseGatewayConfigYaml(
      `${validYaml}server:\n  bodyLimitBytes: 2048\n  requestTimeoutMs: 1000\n`.replace('apiKey: sk-test', 'apiKey: sk-test\n    concurrency: 4\n    maxAttempts: 1'),
      {},
    );
    expect(config.server).toEqual({
      bodyLimitBytes: 2048,
      requestTimeoutMs: 1000,
      streamIdleTimeoutMs: 120_000,
      streamHeartbeatIntervalMs: 15_000,
      shutdownTimeoutMs: 30_000,
      drainDelayMs: 0,
      startupTimeoutMs: 120_000,
    });
    expect(config.providers['openai']).toMatchObject({ concurrency: 4, maxAttempts: 1, timeoutMs: 60_000 });
  });

  it('treats an empty document as a config without providers', () => {
    const error = configErrorOf(() => parseGatewayConfigYaml('', {}));
    expect(error.message).toContain('providers:');
  });

  it('names the path of a bad baseUrl', () => {
    const error = configErrorOf(() => parseGatewayConfigYaml(validYaml.replace('https://api.openai.com/v1', 'not a url'), {}));
    expect(error.message).toContain('providers.openai.baseUrl');
  });

  it('rejects a baseUrl that is not http(s)', () => {
    const error = configErrorOf(() => parseGatewayConfigYaml(validYaml.replace('https://api.openai.com/v1', 'ftp://example.com'), {}));
    expect(error.message).toContain('providers.openai.baseUrl');
  });

  it('rejects an unknown provider type, naming the provider', () => {
    const error = configErrorOf(() => parseGatewayConfigYaml(validYaml.replace('type: mock', 'type: anthropic-ish'), {}));
    expect(error.message).toContain('providers.mock.type');
  });

  it('rejects a route that names an unknown provider', () => {
    const error = configErrorOf(() => parseGatewayConfigYaml(validYaml.replace('provider: mock', 'provider: azure'), {}));
    expect(error.message).toContain('models.gpt-4o-mini.routes.1.provider: unknown provider "azure"');
    expect(error.message).toContain('known: openai, mock');
  });

  it('names routes.0 when the first route is the unknown one', () => {
    const error = configErrorOf(() => parseGatewayConfig(withBase({ models: { m: { routes: [{ provider: 'nope', model: 'x' }] } } }), {}));
    expect(error.message).toContain('models.m.routes.0.provider: unknown provider "nope"');
  });

  // Object.prototype members are not providers (an `in` check would say they are).
  it.each(['toString', 'constructor', 'hasOwnProperty'])('rejects a route to %s, which is not a configured provider', (name) => {
    const error = configErrorOf(() => parseGatewayConfig(withBase({ models: { m: { routes: [{ provider: name, model: 'x' }] } } }), {}));
    expect(error.message).toContain(`models.m.routes.0.provider: unknown provider "${name}"`);
  });

  it.each([
    ['a top-level key', { ...withBase({}), extra: true }, 'Unrecognized key'],
    ['a provider key', { providers: { openai: { type: 'openai', baseUrl: 'https://x.test', apikey: 'typo' } } }, 'providers.openai'],
    ['a route key', withBase({ models: { m: { routes: [{ provider: 'openai', model: 'x', wieght: 2 }] } } }), 'models.m.routes.0: Unrecognized key: "wieght"'],
    ['a pricing key', withBase({ models: { m: { routes: [{ provider: 'openai', model: 'x' }], pricing: { inputPerMillion: 1, outputPerMillion: 2, cached: 1 } } } }), 'models.m.pricing'],
    ['a server key', withBase({ server: { port: 1 } }), 'server'],
  ])('rejects an unknown key in %s', (_what, raw, expected) => {
    expect(configErrorOf(() => parseGatewayConfig(raw, {})).message).toContain(expected);
  });

  it('rejects a model without routes', () => {
    expect(configErrorOf(() => parseGatewayConfig(withBase({ models: { m: { routes: [] } } }), {})).message).toContain('models.m.routes');
  });

  it('rejects provider names with characters outside letters, digits, _ and -, naming the key', () => {
    const error = configErrorOf(() => parseGatewayConfig({ providers: { 'open ai': { type: 'mock' } } }, {}));
    expect(error.message).toContain('providers.open ai: ');
  });

  // zod 4 nests the reason for a bad record key under "Invalid key in record"; the operator must see it.
  it('explains the provider-name rule in the error', () => {
    const error = configErrorOf(() => parseGatewayConfig({ providers: { 'open ai': { type: 'mock' } } }, {}));
    expect(error.message).toContain('provider names use letters, digits, _ and - only');
  });

  it('keeps pricing given as a number or a string as a decimal string', () => {
    const config = parseGatewayConfig(
      withBase({
        models: {
          m: {
            pricing: { inputPerMillion: 0.15, outputPerMillion: '0.60' },
            routes: [{ provider: 'openai', model: 'x', pricing: { inputPerMillion: 2, outputPerMillion: '10.00' } }],
          },
        },
      }),
      {},
    );
    expect(config.models['m']?.pricing).toEqual({ inputPerMillion: '0.15', outputPerMillion: '0.60' });
    expect(config.models['m']?.routes[0]).toMatchObject({ pricing: { inputPerMillion: '2', outputPerMillion: '10.00' } });
  });

  it.each([-1, '-0.5', 'free', '1e-7', '1.'])('rejects the price %j', (price) => {
    const raw = withBase({ models: { m: { pricing: { inputPerMillion: price, outputPerMillion: 1 }, routes: [{ provider: 'openai', model: 'x' }] } } });
    expect(configErrorOf(() => parseGatewayConfig(raw, {})).message).toContain('models.m.pricing.inputPerMillion');
  });

  it('takes long-prompt tiers and 1-hour cache-write prices, and names the key of one that does not parse', () => {
    const pricing = { inputPerMillion: 3, outputPerMillion: 15, cacheWrite1hInputPerMillion: 6, tiers: [{ aboveInputTokens: 200_000, inputPerMillion: 6, outputPerMillion: '22.50' }] };
    const config = parseGatewayConfig(withBase({ models: { m: { pricing, routes: [{ provider: 'openai', model: 'x' }] } } }), {});
    expect(config.models['m']?.pricing).toEqual({
      inputPerMillion: '3',
      outputPerMillion: '15',
      cacheWrite1hInputPerMillion: '6',
      tiers: [{ aboveInputTokens: 200_000, inputPerMillion: '6', outputPerMillion: '22.50' }],
    });
    const bad = { ...pricing, tiers: [{ aboveInputTokens: 200_000, inputPerMillion: 'six' }] };
    expect(configErrorOf(() => parseGatewayConfig(withBase({ models: { m: { pricing: bad, routes: [{ provider: 'openai', model: 'x' }] } } }), {})).message).toContain(
      'models.m.pricing.tiers.0.inputPerMillion',
    );
  });

  it('gives a ConfigurationError for invalid YAML syntax', () => {
    const error = configErrorOf(() => parseGatewayConfigYaml('providers:\n  openai: {type: openai\n', {}));
    expect(error.message).toMatch(/^Invalid gateway config YAML: /);
  });

  it('names the line and column of a YAML error without quoting the line (it may hold a key)', () => {
    const error = configErrorOf(() => parseGatewayConfigYaml('providers:\n  openai:\n    apiKey: sk-live-0123456789abcdef: x\n', {}));
    expect(error.message).toMatch(/^Invalid gateway config YAML: .+ at line 3, column \d+$/);
    expect(error.message).not.toContain('sk-live-0123456789abcdef');
  });

  it('does not quote a secret given where the schema wants something else', () => {
    const error = configErrorOf(() => parseGatewayConfigYaml('providers:\n  openai:\n    type: openai\n    apiKey: [sk-live-0123456789abcdef]\n', {}));
    expect(error.message).toContain('providers.openai.apiKey');
    expect(error.message).not.toContain('sk-live-0123456789abcdef');
  });
});

describe('${VAR} interpolation', () => {
  const yamlWithKey = validYaml.replace('apiKey: sk-test', 'apiKey: ${OPENAI_API_KEY}');

  it('replaces ${VAR} with the environment value', () => {
    const config = parseGatewayConfigYaml(yamlWithKey, { OPENAI_API_KEY: 'sk-from-env' });
    expect(config.providers['openai']).toMatchObject({ apiKey: 'sk-from-env' });
  });

  it('uses the fallback of ${VAR:-fallback} when the variable is unset or empty', () => {
    const yaml = validYaml.replace('https://api.openai.com/v1', '${OPENAI_BASE_URL:-https://fallback.test/v1}');
    expect(parseGatewayConfigYaml(yaml, {}).providers['openai']).toMatchObject({ baseUrl: 'https://fallback.test/v1' });
    expect(parseGatewayConfigYaml(yaml, { OPENAI_BASE_URL: '' }).providers['openai']).toMatchObject({ baseUrl: 'https://fallback.test/v1' });
    expect(parseGatewayConfigYaml(yaml, { OPENAI_BASE_URL: 'http://local:1/v1' }).providers['openai']).toMatchObject({ baseUrl: 'http://local:1/v1' });
  });

  it('errors on an unset variable without fallback, naming the path and the variable', () => {
    const error = configErrorOf(() => parseGatewayConfigYaml(yamlWithKey, {}));
    expect(error.message).toContain('providers.openai.apiKey: environment variable OPENAI_API_KEY is not set');
  });

  it('does not let a value containing ":" or "#" change the YAML structure', () => {
    const secret = 'sk-a: b # not a comment\nextra: key';
    const config = parseGatewayConfigYaml(yamlWithKey, { OPENAI_API_KEY: secret });
    expect(config.providers['openai']).toMatchObject({ apiKey: secret });
  });

  it('interpolates inside a longer string and in header values', () => {
    const yaml = validYaml.replace('apiKey: sk-test', 'apiKey: sk-test\n    headers:\n      OpenAI-Organization: org-${ORG}');
    expect(parseGatewayConfigYaml(yaml, { ORG: '42' }).providers['openai']).toMatchObject({ headers: { 'OpenAI-Organization': 'org-42' } });
  });
  it('accepts interpolated numbers for integer settings, and still rejects non-numbers and bad ranges', () => {
    const yaml = 'providers:\n  m:\n    type: mock\n    concurrency: ${CONCURRENCY:-12}\n    latencyMs: "${LATENCY}"\n';
    expect(parseGatewayConfigYaml(yaml, { LATENCY: '5' }).providers['m']).toMatchObject({ concurrency: 12, latencyMs: 5 });
    expect(configErrorOf(() => parseGatewayConfigYaml(yaml, { LATENCY: 'fast' })).message).toContain('providers.m.latencyMs:');
    expect(configErrorOf(() => parseGatewayConfigYaml(yaml, { LATENCY: '5', CONCURRENCY: '0' })).message).toContain('providers.m.concurrency:');
  });
});

describe('webhooks config', () => {
  it('names a bad CIDR in webhooks.allowHosts at load time', () => {
    const error = configErrorOf(() => parseGatewayConfig(withBase({ webhooks: { allowHosts: ['127.0.0.1', '10.0.0.0/99'] } }), {}));
    expect(error.message).toContain('webhooks.allowHosts.1: not a valid CIDR');
    expect(parseGatewayConfig(withBase({ webhooks: { allowHosts: ['127.0.0.1', '10.0.0.0/8', 'hooks.internal'] } }), {}).webhooks.allowHosts).toHaveLength(3);
  });
});

describe('interpolateEnvironment', () => {
  it('walks arrays and objects, leaves non-strings alone, and reports every unset variable', () => {
    const result = interpolateEnvironment({ a: ['${X}', 1, true, null], b: { c: '${Y} and ${Z:-z}' } }, { X: 'x' });
    expect(result.value).toEqual({ a: ['x', 1, true, null], b: { c: ' and z' } });
    expect(result.errors).toEqual(['b.c: environment variable Y is not set']);
  });

  it('names an array element by its index and a root string as (root)', () => {
    expect(interpolateEnvironment({ list: ['ok', '${MISSING}'] }, {}).errors).toEqual(['list.1: environment variable MISSING is not set']);
    expect(interpolateEnvironment('${MISSING}', {}).errors).toEqual(['(root): environment variable MISSING is not set']);
  });

  it('accepts an empty fallback', () => {
    expect(interpolateEnvironment('${MISSING:-}', {})).toEqual({ value: '', errors: [] });
  });
});

describe('loadGatewayConfigFile', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gateway-config-test-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('reads and parses a YAML file, interpolating from the given environment', async () => {
    const path = join(directory, 'gateway.yaml');
    await writeFile(path, validYaml.replace('apiKey: sk-test', 'apiKey: ${KEY}'));
    const config: GatewayConfig = await loadGatewayConfigFile(path, { KEY: 'sk-file' });
    expect(config.providers['openai']).toMatchObject({ apiKey: 'sk-file' });
  });

  it('names GATEWAY_CONFIG and the path when the file is missing', async () => {
    const path = join(directory, 'missing.yaml');
    const error = await loadGatewayConfigFile(path, {}).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/^GATEWAY_CONFIG: cannot read /);
    expect((error as Error).message).toContain(path);
  });
});

describe('defaultGatewayConfig', () => {
  it('serves mock-echo, mock-classifier and mock-embed from a mock provider', () => {
    const config = defaultGatewayConfig();
    expect(config.providers['mock']?.type).toBe('mock');
    expect(Object.keys(config.models).sort()).toEqual(['mock-classifier', 'mock-echo', 'mock-embed']);
    expect(config.models['mock-echo']?.routes).toEqual([{ provider: 'mock', model: 'echo' }]);
    expect(config.models['mock-classifier']?.routes).toEqual([{ provider: 'mock', model: 'classifier' }]);
    expect(config.models['mock-embed']?.routes).toEqual([{ provider: 'mock', model: 'embed' }]);
  });
});

describe('server.streamHeartbeatIntervalMs', () => {
  it('takes 0 (off) or at least 100 ms', () => {
    expect(parseGatewayConfig(withBase({ server: { streamHeartbeatIntervalMs: 0 } }), {}).server.streamHeartbeatIntervalMs).toBe(0);
    expect(parseGatewayConfig(withBase({ server: { streamHeartbeatIntervalMs: 100 } }), {}).server.streamHeartbeatIntervalMs).toBe(100);
    expect(configErrorOf(() => parseGatewayConfig(withBase({ server: { streamHeartbeatIntervalMs: 50 } }), {})).message).toContain('server.streamHeartbeatIntervalMs: must be 0 (off) or at least 100');
  });
});
