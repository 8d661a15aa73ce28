import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../src/errors/configuration-error.ts';
import { loadGatewayConfigFile } from '../src/config/gateway-config.ts';
import { createLogger } from '../src/logging/logger.ts';
import { startTestGateway } from './support/test-gateway.ts';

/** GATEWAY_CONFIG files as written on disk: merged over the built-in configuration. */
describe('a GATEWAY_CONFIG file', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'config-file-test-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  async function load(yaml: string, environment: NodeJS.ProcessEnv = {}) {
    const path = join(directory, `gateway-${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(path, yaml);
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger('info', { destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
    const config = await loadGatewayConfigFile(path, environment, { logger });
    return { config, lines };
  }

  it('that only sets webhooks.allowHosts starts with the mock provider and the allowed host', async () => {
    const { config, lines } = await load('webhooks:\n  allowHosts: [hooks.internal, 10.0.0.0/8]\n');
    expect(config.webhooks.allowHosts).toEqual(['hooks.internal', '10.0.0.0/8']);
    expect(config.providers['mock']).toMatchObject({ type: 'mock', concurrency: 256 });
    expect(Object.keys(config.models).sort()).toEqual(['mock-classifier', 'mock-echo', 'mock-embed']);
    expect(lines).toContainEqual(expect.objectContaining({ level: 30, builtIns: 'kept', msg: expect.stringContaining('serving the built-in mock provider') }));

    // The gateway started from it answers on the built-in models.
    const harness = await startTestGateway({ config });
    try {
      const { key } = await harness.createKey('config-file');
      const client = new OpenAI({ apiKey: key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
      const models = [];
      for await (const model of client.models.list()) models.push(model.id);
      expect(models.sort()).toEqual(['mock-classifier', 'mock-echo', 'mock-embed']);
      const answer = await client.chat.completions.create({ model: 'mock-echo', messages: [{ role: 'user', content: 'merged' }] });
      expect(answer.choices[0]?.message.content).toBe('merged');
    } finally {
      await harness.close();
    }
  });

  it('that is empty serves the built-in configuration', async () => {
    const { config } = await load('# nothing set yet\n');
    expect(Object.keys(config.models).sort()).toEqual(['mock-classifier', 'mock-echo', 'mock-embed']);
  });

  it('that declares its own providers and models serves only those, and says so', async () => {
    const { config, lines } = await load('providers:\n  openai:\n    type: openai\n    apiKey: ${KEY}\nmodels:\n  gpt-4o:\n    routes: [{ provider: openai, model: gpt-4o }]\n', { KEY: 'sk-file' });
    expect(Object.keys(config.providers)).toEqual(['openai']);
    expect(Object.keys(config.models)).toEqual(['gpt-4o']);
    expect(config.providers['openai']).toMatchObject({ apiKey: 'sk-file' });
    expect(lines).toContainEqual(expect.objectContaining({ level: 30, builtIns: 'left-out', msg: expect.stringContaining('is left out') }));
  });

  it('that routes to mock after leaving the demo out is told how to keep the mock provider', async () => {
    const error = await load('providers:\n  openai: { type: openai }\nmodels:\n  m:\n    routes: [{ provider: mock, model: echo }]\n').then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('models.m.routes.0.provider: unknown provider "mock"');
    expect((error as Error).message).toContain('declare `mock: { type: mock }` under providers to keep it');
  });

  it('in LiteLLM’s format fails with the hint and the first entry translated', async () => {
    const error = await load('model_list:\n  - model_name: gpt-4o\n    litellm_params:\n      model: openai/gpt-4o\n      api_key: os.environ/OPENAI_API_KEY\n').then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain("model_list is LiteLLM's format; this gateway uses `providers:` and `models:` — see docs/configuration.md");
    expect((error as Error).message).toContain('apiKey: ${OPENAI_API_KEY}');
  });

  it('config/gateway.example.yaml loads, with its own models only', async () => {
    const path = new URL('../config/gateway.example.yaml', import.meta.url).pathname;
    const config = await loadGatewayConfigFile(path, {});
    expect(Object.keys(config.providers).sort()).toEqual(['mock', 'openai']);
    expect(config.models['gpt-4o-mini']?.routes).toHaveLength(1);
    expect(config.server.streamHeartbeatIntervalMs).toBe(15_000);
    expect(config.batches).toMatchObject({ chunkSize: 500, maxInlineRequests: 50_000 });
  });
});
