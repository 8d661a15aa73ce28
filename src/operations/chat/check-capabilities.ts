import type { GatewayConfig } from '../../config/gateway-config.ts';
import type { ChatCompletionRequest } from '../../providers/chat-completion-schemas.ts';
import type { ModelCapabilities, ModelDefinition } from '../../routing/model-catalogue/index.ts';
import { describeRoute, type ResolvedRoute } from '../../routing/resolve-route.ts';

/** Why a request cannot go to a model: answered as 400 `unsupported_capability`. */
export interface CapabilityProblem {
  /** A feature the model lacks, or the operation it does not serve. */
  capability: keyof ModelCapabilities | 'chat' | 'embeddings';
  /** The request field that needs it, e.g. `messages[2].content`, `tools`, `response_format`. */
  param: string;
  message: string;
}

/**
 * Whether the model can take the request: images need vision, tools need tool calling, a JSON
 * `response_format` needs JSON mode. A model the catalogue does not know passes (the provider decides).
 */
export function checkCapabilities(options: { request: ChatCompletionRequest; model: ModelDefinition | undefined }): CapabilityProblem | undefined {
  const { request, model } = options;
  if (!model) return undefined;
  const name = `The model '${request.model}'${request.model === model.id ? '' : ` (${model.id})`}`;
  if (!model.capabilities.vision) {
    const index = request.messages.findIndex((message) => Array.isArray(message.content) && message.content.some((part) => part.type === 'image_url'));
    if (index >= 0) {
      return { capability: 'vision', param: `messages[${index}].content`, message: `${name} does not accept images; remove the image_url parts or choose a model with vision.` };
    }
  }
  if (!model.capabilities.tools) {
    const field = hasItems(request.tools) ? 'tools' : hasItems(request['functions']) ? 'functions' : undefined;
    if (field) return { capability: 'tools', param: field, message: `${name} does not support tool calling; send the request without ${field}.` };
  }
  const format = request.response_format?.type;
  if (!model.capabilities.jsonMode && (format === 'json_object' || format === 'json_schema')) {
    return { capability: 'jsonMode', param: 'response_format', message: `${name} does not support response_format ${format}.` };
  }
  return undefined;
}

function hasItems(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

/** `checkCapabilities` against the catalogue entry of the route a request is sent to first. */
export function checkRouteCapabilities(options: { request: ChatCompletionRequest; routes: readonly ResolvedRoute[]; config: GatewayConfig }): CapabilityProblem | undefined {
  const route = options.routes[0];
  if (!route) return undefined;
  const { definition } = describeRoute({ config: options.config, provider: route.provider, upstreamModel: route.upstreamModel });
  return checkCapabilities({ request: options.request, model: definition });
}
