import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../errors/configuration-error.ts';
import { azureProviderSchema } from '../../../config/provider-config.ts';
import { chatCompletionRequestSchema } from '../../chat-completion-schemas.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { parseAzureError } from '../azure-error.ts';
import { convertAzureResponse } from './convert-azure-response.ts';
import { azureAcceptsStreamOptions, convertToAzureRequest, convertToAzureStreamRequest } from './convert-to-azure-request.ts';
import { azureWireFormat, createAzureProviderClient } from '../index.ts';

/** Bodies as Azure's REST reference and content filtering docs show them, in `__fixtures__/`. */
function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../__fixtures__/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

const request = chatCompletionRequestSchema.parse({
  model: 'gpt-4o',
  messages: [{ role: 'user', content: 'How do I care for a parrot?' }],
  max_completion_tokens: 100,
  response_format: { type: 'json_object' },
  stream: false,
  data_sources: [{ type: 'azure_search', parameters: { endpoint: 'https://search.example', index_name: 'docs' } }],
});

describe('convertToAzureRequest', () => {
  const wire = convertToAzureRequest({
    request,
    upstreamModel: 'gpt-4o prod/eu',
    config: { apiKey: 'azure-key', apiVersion: '2024-10-21', headers: { 'x-ms-useragent': 'gateway' } },
    requestId: 'req_1',
  });

  it('posts to the deployment URL (name URL-encoded) with the api-version query', () => {
    expect(wire.path).toBe('/openai/deployments/gpt-4o%20prod%2Feu/chat/completions?api-version=2024-10-21');
  });

  it('sends the key as api-key, never as Authorization', () => {
    expect(wire.headers).toEqual({
      'content-type': 'application/json',
      accept: 'application/json',
      'x-client-request-id': 'req_1',
      'x-ms-useragent': 'gateway',
      'api-key': 'azure-key',
    });
  });

  it('sends OpenAI’s body without model (the deployment decides) and without stream, Azure extensions kept', () => {
    expect(wire.body).toEqual({
      messages: [{ role: 'user', content: 'How do I care for a parrot?' }],
      max_completion_tokens: 100,
      response_format: { type: 'json_object' },
      data_sources: [{ type: 'azure_search', parameters: { endpoint: 'https://search.example', index_name: 'docs' } }],
    });
    expect(wire.warnings).toBeUndefined();
  });

  it('sends no api-key header without a key (credentials may come from configured headers)', () => {
    const keyless = convertToAzureRequest({ request, upstreamModel: 'd', config: { apiVersion: '2025-04-01-preview', headers: { Authorization: 'Bearer entra-token' } }, requestId: 'r' });
    expect(keyless.headers).not.toHaveProperty('api-key');
    expect(keyless.headers['Authorization']).toBe('Bearer entra-token');
    expect(keyless.path).toBe('/openai/deployments/d/chat/completions?api-version=2025-04-01-preview');
  });
});

describe('convertToAzureStreamRequest', () => {
  const settings = { request, upstreamModel: 'gpt-4o', config: { apiKey: 'azure-key', apiVersion: '2024-10-21', headers: {} }, requestId: 'req_1' };

  it('streams the chat request with the usage chunk asked for, to the same URL with the same headers', () => {
    expect(azureWireFormat.buildStreamRequest).toBe(convertToAzureStreamRequest);
    const chat = convertToAzureRequest(settings);
    const wire = convertToAzureStreamRequest(settings);
    expect(wire.path).toBe(chat.path);
    expect(wire.headers).toEqual(chat.headers);
    expect(wire.body).toEqual({ ...(chat.body as object), stream: true, stream_options: { include_usage: true } });
    expect(wire.body).not.toHaveProperty('model');
  });

  it.each(['2024-06-01', '2024-08-01-preview', '2023-05-15'])('asks for no usage from api-version %s, which refuses stream_options', (apiVersion) => {
    const wire = convertToAzureStreamRequest({ ...settings, config: { ...settings.config, apiVersion } });
    expect(wire.body).toMatchObject({ stream: true });
    expect(wire.body).not.toHaveProperty('stream_options');
  });

  it.each([
    ['2024-09-01-preview', true],
    ['2024-10-21', true],
    ['2025-04-01-preview', true],
    ['preview', true],
    ['2024-08-01-preview', false],
    ['2024-02-01', false],
  ])('azureAcceptsStreamOptions(%s) is %s', (apiVersion, accepted) => {
    expect(azureAcceptsStreamOptions(apiVersion)).toBe(accepted);
  });
});

describe('convertAzureResponse', () => {
  it('keeps prompt_filter_results and each choice’s content_filter_results', () => {
    const body = fixture('chat-completion-content-filter-results');
    const result = convertAzureResponse({ provider: 'azure', body, upstreamModel: 'gpt-4o' });
    expect(result.completion).toEqual(body);
    expect(result.completion['prompt_filter_results']).toEqual(body['prompt_filter_results']);
    expect(result.usage).toEqual({ promptTokens: 33, completionTokens: 12, totalTokens: 45 });
  });

  it('reads a filtered choice without content as content null, finish_reason content_filter kept', () => {
    const body = fixture('chat-completion-output-filtered');
    const result = convertAzureResponse({ provider: 'azure', body, upstreamModel: 'gpt-4o' });
    const choice = result.completion.choices[0];
    expect(choice?.finish_reason).toBe('content_filter');
    expect(choice?.message).toEqual({ role: 'assistant', content: null });
    expect(choice?.['content_filter_results']).toEqual((body['choices'] as Array<Record<string, unknown>>)[0]?.['content_filter_results']);
  });

  it('fills object and model when an older API version leaves them out', () => {
    const { object: _object, model: _model, ...body } = fixture('chat-completion-content-filter-results');
    const result = convertAzureResponse({ provider: 'azure', body, upstreamModel: 'my-deployment' });
    expect(result.completion.object).toBe('chat.completion');
    expect(result.completion.model).toBe('my-deployment');
  });
});

describe('parseAzureError', () => {
  it('keeps a content-filtered prompt as a non-retryable 400 content_filter, naming the filtered categories', () => {
    const body = fixture('error-400-content-filter') as { error: { message: string } };
    const error = parseAzureError({ provider: 'azure', status: 400, headers: {}, body });
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'azure', status: 400, code: 'content_filter', param: 'prompt', retryable: false });
    expect(error.message).toBe(`${body.error.message} [content filter: hate (medium)]`);
  });

  it('keeps Azure’s own codes: DeploymentNotFound (404), 401, 429 with Retry-After', () => {
    expect(parseAzureError({ provider: 'azure', status: 404, headers: {}, body: fixture('error-404-deployment-not-found') })).toMatchObject({
      status: 404,
      code: 'DeploymentNotFound',
      retryable: false,
    });
    expect(parseAzureError({ provider: 'azure', status: 401, headers: {}, body: fixture('error-401-invalid-key') })).toMatchObject({ code: '401', retryable: false });
    const limited = parseAzureError({ provider: 'azure', status: 429, headers: { 'retry-after': '6', 'retry-after-ms': '6000' }, body: fixture('error-429-rate-limit') });
    expect(limited).toMatchObject({ code: '429', retryable: true, retryAfterMs: 6000 });
    expect(limited.message).toContain('exceeded token rate limit');
  });

  it('reads the API Management shape ({statusCode, message}) as the message', () => {
    const error = parseAzureError({ provider: 'azure', status: 401, headers: {}, body: fixture('error-401-token') });
    expect(error.message).toBe('Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.');
    expect(error.retryable).toBe(false);
  });

  it('retries a 5xx as OpenAI’s parser does', () => {
    expect(parseAzureError({ provider: 'azure', status: 503, headers: {}, body: 'Service Unavailable' })).toMatchObject({ retryable: true, message: 'Service Unavailable' });
  });
});

describe('createAzureProviderClient', () => {
  it('registers the wire format under type azure', () => {
    expect(azureWireFormat.type).toBe('azure');
  });

  it('refuses to start without a key or credential headers', () => {
    const config = azureProviderSchema.parse({ type: 'azure', baseUrl: 'https://res.openai.azure.com' });
    expect(() => createAzureProviderClient('azure-eu', config)).toThrow(ConfigurationError);
  });

  it.each([{ apiKey: 'k' }, { headers: { Authorization: 'Bearer t' } }])('starts with %j', async (credentials) => {
    const client = createAzureProviderClient('azure-eu', azureProviderSchema.parse({ type: 'azure', baseUrl: 'https://res.openai.azure.com', ...credentials }));
    expect(client.type).toBe('azure');
    await client.close();
  });
});
