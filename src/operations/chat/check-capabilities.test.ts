import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../config/gateway-config.ts';
import type { ChatCompletionRequest } from '../../providers/chat-completion-schemas.ts';
import { checkCapabilities, checkRouteCapabilities } from './check-capabilities.ts';
import { findModelDefinition } from '../../routing/find-model.ts';
import { resolveRoutes } from '../../routing/resolve-route.ts';

const textOnly = findModelDefinition({ providerType: 'openai', model: 'o3-mini' });
const full = findModelDefinition({ providerType: 'openai', model: 'gpt-4o' });
const noTools = findModelDefinition({ providerType: 'perplexity', model: 'sonar' });

const image = { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } };
const tool = { type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } };

function request(fields: Partial<ChatCompletionRequest>): ChatCompletionRequest {
  return { model: 'm', messages: [{ role: 'user', content: 'hi' }], ...fields };
}

describe('checkCapabilities', () => {
  it('refuses image parts for a model without vision, naming the message', () => {
    const problem = checkCapabilities({
      request: request({
        model: 'openai/o3-mini',
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: [{ type: 'text', text: 'what is this?' }, image] },
        ],
      }),
      model: textOnly,
    });
    expect(problem).toEqual({ capability: 'vision', param: 'messages[1].content', message: expect.stringContaining("The model 'openai/o3-mini' (o3-mini) does not accept images") });
  });

  it('accepts text-only parts for a model without vision', () => {
    expect(checkCapabilities({ request: request({ messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] }), model: textOnly })).toBeUndefined();
  });

  it('refuses tools (and legacy functions) for a model without tool calling', () => {
    expect(checkCapabilities({ request: request({ tools: [tool] }), model: noTools })).toMatchObject({ capability: 'tools', param: 'tools' });
    expect(checkCapabilities({ request: request({ functions: [{ name: 'lookup' }] }), model: noTools })).toMatchObject({ capability: 'tools', param: 'functions' });
    expect(checkCapabilities({ request: request({ tools: [] }), model: noTools })).toBeUndefined();
  });

  it('refuses a JSON response_format for a model without JSON mode', () => {
    const noJson = { ...textOnly!, capabilities: { tools: true, vision: false, jsonMode: false } };
    expect(checkCapabilities({ request: request({ response_format: { type: 'json_object' } }), model: noJson })).toMatchObject({ capability: 'jsonMode', param: 'response_format' });
    expect(checkCapabilities({ request: request({ response_format: { type: 'json_schema', json_schema: { name: 'x' } } }), model: noJson })).toMatchObject({ param: 'response_format' });
    expect(checkCapabilities({ request: request({ response_format: { type: 'text' } }), model: noJson })).toBeUndefined();
  });

  it('passes everything for a model that has every capability', () => {
    const everything = request({ messages: [{ role: 'user', content: [image] }], tools: [tool], response_format: { type: 'json_object' } });
    expect(checkCapabilities({ request: everything, model: full })).toBeUndefined();
  });

  it('passes any request for a model the catalogue does not know', () => {
    expect(checkCapabilities({ request: request({ messages: [{ role: 'user', content: [image] }], tools: [tool] }), model: undefined })).toBeUndefined();
  });
});

describe('checkRouteCapabilities', () => {
  const config = parseGatewayConfig(
    {
      providers: { openai: { type: 'openai' }, azure: { type: 'azure', baseUrl: 'https://example.openai.azure.com' } },
      models: {
        reasoner: {
          routes: [
            { provider: 'openai', model: 'o3-mini-2025-01-31' },
            { provider: 'openai', model: 'gpt-4o' },
          ],
        },
      },
    },
    {},
  );
  const withImage = request({ messages: [{ role: 'user', content: [image] }] });

  it('checks the first route’s catalogue entry (snapshots included)', () => {
    const routes = resolveRoutes({ model: 'reasoner', config }) ?? [];
    expect(checkRouteCapabilities({ request: withImage, routes, config })).toMatchObject({ capability: 'vision' });
  });

  it('checks Azure deployments named after an OpenAI model, and passes unknown deployments', () => {
    expect(checkRouteCapabilities({ request: withImage, routes: resolveRoutes({ model: 'azure/o3-mini', config }) ?? [], config })).toMatchObject({ capability: 'vision' });
    expect(checkRouteCapabilities({ request: withImage, routes: resolveRoutes({ model: 'azure/my-deployment', config }) ?? [], config })).toBeUndefined();
  });

  it('passes when there is no route', () => {
    expect(checkRouteCapabilities({ request: withImage, routes: [], config })).toBeUndefined();
  });
});
