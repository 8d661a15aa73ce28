import { describe, expect, it } from 'vitest';
import { builtInConfig } from './built-in-config.ts';
import { describeBuiltIns, mergeOverBuiltInConfig } from './config-file-merge.ts';
import { ConfigurationError } from '../errors/configuration-error.ts';
import { parseGatewayConfig } from './gateway-config.ts';
import { liteLLMConfigHint, translateLiteLLMModel } from './litellm-config-hint.ts';
import { applyMergePatch } from './merge-patch.ts';
import { nearestKnownKey, unknownKeysMessage } from './unknown-key-hints.ts';

describe('applyMergePatch (RFC 7396)', () => {
  // The test cases of RFC 7396, Appendix A.
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j patched with %j is %j', (target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toEqual(expected);
  });

  it('modifies neither argument', () => {
    const target = { a: { b: 1, c: [1, 2] }, d: 'x' };
    const patch = { a: { b: null, c: [3] }, e: { f: null, g: 1 } };
    const before = structuredClone({ target, patch });
    expect(applyMergePatch(target, patch)).toEqual({ a: { c: [3] }, d: 'x', e: { g: 1 } });
    expect({ target, patch }).toEqual(before);
  });

  it('keeps constructor and __proto__ keys as data, with every key after them', () => {
    const patch = JSON.parse('{"models": {"constructor": {"x": 1}, "__proto__": {"polluted": true}, "later": {"y": 2}}}') as unknown;
    const merged = applyMergePatch({ models: { first: {} } }, patch) as { models: Record<string, unknown> };
    expect(Object.keys(merged.models)).toEqual(['first', 'constructor', '__proto__', 'later']);
    expect(Object.hasOwn(merged.models, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('mergeOverBuiltInConfig', () => {
  it('keeps the built-in mock provider and models under a file that only sets webhooks.allowHosts', () => {
    const { raw, builtIns } = mergeOverBuiltInConfig({ webhooks: { allowHosts: ['hooks.internal'] } });
    expect(builtIns).toBe('kept');
    const config = parseGatewayConfig(raw, {});
    expect(config.webhooks.allowHosts).toEqual(['hooks.internal']);
    expect(config.providers['mock']).toMatchObject({ type: 'mock', concurrency: 256 });
    expect(Object.keys(config.models).sort()).toEqual(['mock-classifier', 'mock-echo', 'mock-embed']);
  });

  it('serves the built-in configuration for an empty file', () => {
    for (const empty of [null, undefined, {}]) {
      const { raw, builtIns } = mergeOverBuiltInConfig(empty);
      expect(builtIns).toBe('kept');
      expect(raw).toEqual(builtInConfig);
    }
  });

  it('leaves the demo entries out once the file names a provider of its own', () => {
    const { raw, builtIns } = mergeOverBuiltInConfig({ providers: { openai: { type: 'openai' } }, models: { 'gpt-4o': { routes: [{ provider: 'openai', model: 'gpt-4o' }] } } });
    expect(builtIns).toBe('left-out');
    const config = parseGatewayConfig(raw, {});
    expect(Object.keys(config.providers)).toEqual(['openai']);
    expect(Object.keys(config.models)).toEqual(['gpt-4o']);
  });

  it('leaves them out for a model of its own alone, so its route to mock names a provider that is not there', () => {
    const { raw, builtIns } = mergeOverBuiltInConfig({ models: { mine: { routes: [{ provider: 'mock', model: 'echo' }] } } });
    expect(builtIns).toBe('left-out');
    expect(() => parseGatewayConfig(raw, {})).toThrow('unknown provider "mock"');
  });

  it('patches a built-in entry the file names, keeping the rest of the demo', () => {
    const { raw, builtIns } = mergeOverBuiltInConfig({ providers: { mock: { latencyMs: 250 } }, models: { 'mock-classifier': null } });
    expect(builtIns).toBe('kept');
    const config = parseGatewayConfig(raw, {});
    expect(config.providers['mock']).toMatchObject({ type: 'mock', latencyMs: 250, concurrency: 256 });
    expect(Object.keys(config.models)).toEqual(['mock-echo', 'mock-embed']);
  });

  it('lets null restore a setting’s default and replaces lists whole', () => {
    const { raw } = mergeOverBuiltInConfig({ server: { requestTimeoutMs: null, bodyLimitBytes: 4096 }, webhooks: { retryScheduleMs: [1000] } });
    const config = parseGatewayConfig(raw, {});
    expect(config.server).toMatchObject({ requestTimeoutMs: 600_000, bodyLimitBytes: 4096 });
    expect(config.webhooks.retryScheduleMs).toEqual([1000]);
  });

  it('describes either outcome for the start-up log', () => {
    expect(describeBuiltIns('kept')).toContain('serving the built-in mock provider (models mock-echo, mock-classifier, mock-embed)');
    expect(describeBuiltIns('left-out')).toContain('is left out');
  });
});

describe('unknown keys', () => {
  it.each([
    ['modles', 'models'],
    ['allowhosts', 'allowHosts'],
    ['api_key', 'apiKey'],
    ['concurency', 'concurrency'],
    ['base-url', 'baseUrl'],
  ])('takes %s for %s', (key, expected) => {
    expect(nearestKnownKey(key, ['models', 'allowHosts', 'apiKey', 'concurrency', 'baseUrl', 'providers'])).toBe(expected);
  });

  it('suggests nothing when no known key is near', () => {
    expect(nearestKnownKey('port', ['bodyLimitBytes', 'requestTimeoutMs'])).toBeUndefined();
    expect(unknownKeysMessage(['port'], ['bodyLimitBytes', 'requestTimeoutMs'])).toBe('Unrecognized key: "port" (known keys: bodyLimitBytes, requestTimeoutMs)');
  });

  it('names an unknown top-level key and the nearest known one', () => {
    const error = parseErrorOf({ providers: { mock: { type: 'mock' } }, modles: {} });
    expect(error.message).toBe('Invalid gateway config:\n(root): Unrecognized key: "modles" (did you mean "models"?)');
  });

  it('lists the known top-level keys when none is near', () => {
    const error = parseErrorOf({ providers: { mock: { type: 'mock' } }, extra: true });
    expect(error.message).toMatch(/^Invalid gateway config:\n\(root\): Unrecognized key: "extra" \(known keys: server, webhooks, .*providers, models/);
  });

  it('names the nearest key inside providers, routes and sections too', () => {
    expect(parseErrorOf({ providers: { mock: { type: 'mock', latencyMS: 5 } } }).message).toContain('providers.mock: Unrecognized key: "latencyMS" (did you mean "latencyMs"?)');
    const route = { providers: { mock: { type: 'mock' } }, models: { m: { routes: [{ provider: 'mock', model: 'echo', wieght: 2 }] } } };
    expect(parseErrorOf(route).message).toContain('models.m.routes.0: Unrecognized key: "wieght" (did you mean "weight"?)');
    expect(parseErrorOf({ providers: {}, webhooks: { allow_hosts: [] } }).message).toContain('webhooks: Unrecognized key: "allow_hosts" (did you mean "allowHosts"?)');
  });
});

describe('a LiteLLM config', () => {
  const liteLLM = {
    model_list: [
      { model_name: 'gpt-4o', litellm_params: { model: 'openai/gpt-4o', api_key: 'os.environ/OPENAI_API_KEY' } },
      { model_name: 'claude', litellm_params: { model: 'anthropic/claude-sonnet-4-5' } },
    ],
    litellm_settings: { drop_params: true },
  };

  it('fails with a hint naming the format and the first entry in this gateway’s format', () => {
    const error = parseErrorOf(liteLLM);
    expect(error.message).toContain("model_list: model_list is LiteLLM's format; this gateway uses `providers:` and `models:` — see docs/configuration.md");
    expect(error.message).toContain(
      [
        '    providers:',
        '      openai:',
        '        type: openai',
        '        apiKey: ${OPENAI_API_KEY}',
        '    models:',
        '      gpt-4o:',
        '        routes:',
        '          - provider: openai',
        '            model: gpt-4o',
      ].join('\n'),
    );
  });

  it('gives a translation that this gateway accepts', () => {
    const translated = translateLiteLLMModel(liteLLM.model_list[0]);
    const config = parseGatewayConfig(translated, { OPENAI_API_KEY: 'sk-env' });
    expect(config.providers['openai']).toMatchObject({ type: 'openai', apiKey: 'sk-env' });
    expect(config.models['gpt-4o']?.routes).toEqual([{ provider: 'openai', model: 'gpt-4o' }]);
  });

  it('never copies a key written into the file, and keeps azure settings and route limits', () => {
    const entry = {
      model_name: 'gpt-4o-eu',
      litellm_params: { model: 'azure/my-deployment', api_key: 'sk-live-0123456789abcdef', api_base: 'https://eu.openai.azure.com', api_version: '2024-10-21', rpm: 60 },
    };
    const hint = liteLLMConfigHint({ model_list: [entry] }) ?? '';
    expect(hint).not.toContain('sk-live-0123456789abcdef');
    expect(translateLiteLLMModel(entry)).toEqual({
      providers: { azure: { type: 'azure', baseUrl: 'https://eu.openai.azure.com', apiKey: '${AZURE_API_KEY}', apiVersion: '2024-10-21' } },
      models: { 'gpt-4o-eu': { routes: [{ provider: 'azure', model: 'my-deployment', rpm: 60 }] } },
    });
  });

  it('translates Vertex AI entries (Gemini or Claude by the model) and the presets it knows', () => {
    expect(
      translateLiteLLMModel({
        model_name: 'claude',
        litellm_params: { model: 'vertex_ai/claude-sonnet-4-5@20250929', vertex_project: 'my-project', vertex_location: 'us-east5', vertex_credentials: 'os.environ/VERTEX_CREDENTIALS' },
      }),
    ).toEqual({
      providers: { vertex_ai: { type: 'vertex-anthropic', location: 'us-east5', project: 'my-project', credentials: '${VERTEX_CREDENTIALS}' } },
      models: { claude: { routes: [{ provider: 'vertex_ai', model: 'claude-sonnet-4-5@20250929' }] } },
    });
    expect(translateLiteLLMModel({ model_name: 'g', litellm_params: { model: 'vertex_ai/gemini-2.5-flash', vertex_credentials: '/etc/key.json' } })?.providers).toEqual({
      vertex_ai: { type: 'vertex', location: '${VERTEX_LOCATION}', credentialsFile: '/etc/key.json' },
    });
    expect(translateLiteLLMModel({ model_name: 'c', litellm_params: { model: 'cohere_chat/command-a-03-2025', api_key: 'os.environ/COHERE_API_KEY' } })?.providers).toEqual({
      cohere_chat: { type: 'cohere', apiKey: '${COHERE_API_KEY}' },
    });
    expect(translateLiteLLMModel({ model_name: 'q', litellm_params: { model: 'dashscope/qwen-plus' } })?.providers).toEqual({ dashscope: { type: 'dashscope' } });
  });

  it('says which format it is even when no entry can be translated', () => {
    expect(liteLLMConfigHint({ model_list: [{ model_name: 'x', litellm_params: { model: 'bedrock/anthropic.claude' } }] })).toBe(
      "model_list: model_list is LiteLLM's format; this gateway uses `providers:` and `models:` — see docs/configuration.md",
    );
    expect(liteLLMConfigHint({ router_settings: {} })).toMatch(/^router_settings: router_settings is LiteLLM's format/);
    expect(liteLLMConfigHint({ providers: {} })).toBeUndefined();
  });
});

function parseErrorOf(raw: unknown): ConfigurationError {
  try {
    parseGatewayConfig(raw, {});
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError');
}
