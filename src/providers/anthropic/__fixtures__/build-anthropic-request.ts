import { chatCompletionRequestSchema } from '../../chat-completion-schemas.ts';
import type { WireRequest } from '../../provider-client.ts';
import { ProviderError } from '../../../errors/provider-error.ts';
import { anthropicMessagesRequestSchema } from '../anthropic-wire-schemas.ts';
import { convertToAnthropicRequest, type AnthropicRequestSettings } from '../convert-to-anthropic-request.ts';

/** Test support for the request converter's specs. */
export const testSettings: AnthropicRequestSettings = { apiKey: 'sk-ant-secret', headers: {}, anthropicVersion: '2023-06-01', defaultMaxTokens: 4096 };

/** Builds the wire request for a client body and checks it against Anthropic's (strict) request schema. */
export function buildAnthropicRequest(body: Record<string, unknown>, settings: Partial<AnthropicRequestSettings> = {}): WireRequest {
  const request = chatCompletionRequestSchema.parse({ model: 'claude', ...body });
  const wire = convertToAnthropicRequest({ request, upstreamModel: 'claude-sonnet-4-5', config: { ...testSettings, ...settings }, requestId: 'req_1' });
  anthropicMessagesRequestSchema.parse(wire.body);
  return wire;
}

/** The body of a built request, for assertions on one field. */
export function builtBody(body: Record<string, unknown>, settings: Partial<AnthropicRequestSettings> = {}): Record<string, unknown> {
  return buildAnthropicRequest(body, settings).body as Record<string, unknown>;
}

export const user = (content: unknown) => ({ role: 'user', content });
export const assistant = (content: unknown, extra: Record<string, unknown> = {}) => ({ role: 'assistant', content, ...extra });
export const text = (value: string) => ({ type: 'text', text: value });

export function providerErrorThrownBy(action: () => unknown): ProviderError {
  try {
    action();
  } catch (error) {
    if (error instanceof ProviderError) return error;
    throw error;
  }
  throw new Error('expected the call to throw');
}
