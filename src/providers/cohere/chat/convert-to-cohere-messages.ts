import type { ChatMessage } from '../../chat-completion-schemas.ts';
import { cohereInvalidRequest } from '../cohere-error.ts';
import type { CohereContentPart, CohereMessage } from '../cohere-schemas.ts';

type Part = { type: string } & Record<string, unknown>;

function textOf(content: unknown, param: string): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (!Array.isArray(content)) throw cohereInvalidRequest('content must be a string or a list of parts', param);
  return (content as Part[])
    .map((part, index) => {
      if (part.type !== 'text' || typeof part['text'] !== 'string') throw cohereInvalidRequest(`Cohere takes only text here, not a "${part.type}" part`, `${param}[${index}]`);
      return part['text'];
    })
    .join('');
}

function userContent(content: unknown, param: string): string | CohereContentPart[] {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw cohereInvalidRequest('content must be a string or a list of parts', param);
  return (content as Part[]).map((part, index): CohereContentPart => {
    if (part.type === 'text' && typeof part['text'] === 'string') return { type: 'text', text: part['text'] };
    const image = part['image_url'];
    if (part.type === 'image_url' && typeof image === 'object' && image !== null && typeof (image as { url?: unknown }).url === 'string') {
      const { url, detail } = image as { url: string; detail?: unknown };
      return { type: 'image_url', image_url: { url, ...(typeof detail === 'string' ? { detail } : {}) } };
    }
    throw cohereInvalidRequest(`Cohere's chat takes text and image_url parts, not "${part.type}"`, `${param}[${index}]`);
  });
}

/**
 * OpenAI messages → Cohere v2 messages (pure). System and developer messages are `system`; user
 * content keeps text and `image_url` parts; assistant `tool_calls` keep their ids (with the
 * `tool_plan` an earlier Cohere answer carried); `tool` messages keep `tool_call_id`. Audio, files and
 * the legacy `function` role cannot be carried and fail the request with a 400.
 */
export function convertToCohereMessages(messages: readonly ChatMessage[]): CohereMessage[] {
  return messages.map((message, index): CohereMessage => {
    const param = `messages[${index}].content`;
    switch (message.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: textOf(message.content, param) };
      case 'user':
        return { role: 'user', content: userContent(message.content, param) };
      case 'assistant': {
        const text = textOf(message.content, param);
        const toolCalls = (message.tool_calls ?? []).map((call, callIndex) => {
          if (!call.function) throw cohereInvalidRequest('Cohere takes function tool calls only', `messages[${index}].tool_calls[${callIndex}]`);
          return { id: call.id, type: 'function' as const, function: { name: call.function.name, arguments: call.function.arguments } };
        });
        const plan = message['tool_plan'];
        return {
          role: 'assistant',
          ...(text !== '' ? { content: text } : {}),
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          ...(typeof plan === 'string' && toolCalls.length > 0 ? { tool_plan: plan } : {}),
        };
      }
      case 'tool':
        return { role: 'tool', tool_call_id: message.tool_call_id, content: textOf(message.content, param) };
      case 'function':
        throw cohereInvalidRequest('the legacy "function" role is not supported by Cohere; send tool messages', `messages[${index}].role`);
    }
  });
}
