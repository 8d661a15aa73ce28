import type { ChatMessage } from '../../providers/chat-completion-schemas.ts';
import { UntranslatableResponsesRequest } from './openai-responses-errors.ts';
import type { ItemIdPrefix } from './response-ids.ts';
import type {
  ResponseInputItem,
  ResponsesContentPart,
  ResponsesFunctionCallItem,
  ResponsesFunctionCallOutputItem,
  ResponsesInputImagePart,
  ResponsesInputItemParam,
  ResponsesMessageItem,
  ResponsesReasoningItemParam,
} from './responses-schemas.ts';

type ChatContentPart = { type: string; [key: string]: unknown };
type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;

export interface InputConversionContext {
  /** Where item `index` is, for errors and warnings (`input[3]`, or `previous_response_id` for stored items). */
  locate(index: number): string;
  /** The id of item `index` when it has none. */
  newItemId(prefix: ItemIdPrefix, index: number): string;
  warnings: string[];
}

export interface ConvertedInput {
  messages: ChatMessage[];
  /** The items with ids and statuses, as `GET /v1/responses/{id}/input_items` lists them. */
  items: ResponseInputItem[];
}

// The schema refuses the known types for every other item shape, so `type` says which item it is.
const isMessage = (item: ResponsesInputItemParam): item is ResponsesMessageItem => item.type === undefined || item.type === 'message';
const isFunctionCall = (item: ResponsesInputItemParam): item is ResponsesFunctionCallItem => item.type === 'function_call';
const isFunctionCallOutput = (item: ResponsesInputItemParam): item is ResponsesFunctionCallOutputItem => item.type === 'function_call_output';
const isReasoning = (item: ResponsesInputItemParam): item is ResponsesReasoningItemParam => item.type === 'reasoning';

function unsupportedPart(part: ResponsesContentPart, at: string, allowed: string): UntranslatableResponsesRequest {
  return new UntranslatableResponsesRequest(`Content parts of type "${part.type}" are not supported here: ${allowed}.`, `${at}.type`);
}

/** An `input_image` as a chat `image_url` part: by URL (or data URL) only, since chat has no image file ids. */
function imagePart(part: ResponsesInputImagePart, at: string, warnings: string[]): ChatContentPart {
  if (!part.image_url) {
    if (part.file_id) throw new UntranslatableResponsesRequest('Images by file_id are not supported: send the image as image_url (a URL or a base64 data URL).', `${at}.file_id`);
    throw new UntranslatableResponsesRequest('An input_image needs image_url (a URL or a base64 data URL).', `${at}.image_url`);
  }
  let detail = part.detail;
  if (detail === 'original') {
    warnings.push(`${at}.detail: "original" has no chat equivalent; sent as "high"`);
    detail = 'high';
  }
  return { type: 'image_url', image_url: { url: part.image_url, ...(detail == null ? {} : { detail }) } };
}

/** User content: text and images. */
function userContent(content: ResponsesMessageItem['content'], at: string, warnings: string[]): string | ChatContentPart[] {
  if (typeof content === 'string') return content;
  return content.map((part, index) => {
    const partAt = `${at}.content[${index}]`;
    if (part.type === 'input_text' || part.type === 'output_text') return { type: 'text', text: String(part['text']) };
    if (part.type === 'input_image') return imagePart(part as ResponsesInputImagePart, partAt, warnings);
    throw unsupportedPart(part, partAt, 'the gateway translates input_text and input_image (by image_url)');
  });
}

/** Text parts only: system and developer messages, and function call outputs. */
function textContent(content: string | ResponsesContentPart[], at: string, field: 'content' | 'output'): string | ChatContentPart[] {
  if (typeof content === 'string') return content;
  return content.map((part, index) => {
    if (part.type === 'input_text' || part.type === 'output_text') return { type: 'text', text: String(part['text']) };
    throw unsupportedPart(part, `${at}.${field}[${index}]`, field === 'content' ? 'system and developer messages take text only' : 'the gateway passes text function outputs only');
  });
}

/** An assistant message of an earlier turn: its text, and its refusal when it refused. */
function assistantMessage(content: ResponsesMessageItem['content'], at: string): AssistantMessage {
  if (typeof content === 'string') return { role: 'assistant', content };
  const texts: string[] = [];
  const refusals: string[] = [];
  content.forEach((part, index) => {
    if (part.type === 'output_text' || part.type === 'input_text') texts.push(String(part['text']));
    else if (part.type === 'refusal') refusals.push(String(part['refusal']));
    else throw unsupportedPart(part, `${at}.content[${index}]`, 'assistant messages take output_text and refusal');
  });
  return { role: 'assistant', content: texts.length > 0 ? texts.join('') : null, ...(refusals.length > 0 ? { refusal: refusals.join('') } : {}) };
}

function chatMessage(item: ResponsesMessageItem, at: string, warnings: string[]): ChatMessage {
  switch (item.role) {
    case 'user':
      return { role: 'user', content: userContent(item.content, at, warnings) };
    case 'system':
    case 'developer':
      return { role: item.role, content: textContent(item.content, at, 'content') as string | { type: 'text'; text: string }[] };
    case 'assistant':
      return assistantMessage(item.content, at);
  }
}

/** A message item with its id and status, its string content as one text part of its role's kind. */
function normalizedMessage(item: ResponsesMessageItem, id: string): ResponseInputItem {
  const status = item.status ?? 'completed';
  if (item.role === 'assistant') {
    const parts = typeof item.content === 'string' ? [{ type: 'output_text', text: item.content }] : item.content;
    const content = parts.map((part) =>
      part.type === 'refusal' ? { type: 'refusal' as const, refusal: String(part['refusal']) } : { type: 'output_text' as const, text: String(part['text']), annotations: [] },
    );
    return { ...item, id, type: 'message', role: 'assistant', status, content };
  }
  const content = typeof item.content === 'string' ? [{ type: 'input_text' as const, text: item.content }] : item.content;
  return { ...item, id, type: 'message', role: item.role, status, content };
}

/**
 * Responses input items → chat messages, and the items normalized with ids. Text and images map to
 * content parts; `function_call` items become assistant `tool_calls` (joining the assistant message
 * just before, so a turn's text and calls stay one message); `function_call_output` items become
 * `tool` messages. Reasoning items are not passed to the model (chat has no input for them); one
 * with `encrypted_content` is refused, as is every item or part type the gateway does not translate.
 * @see https://platform.openai.com/docs/api-reference/responses/create#responses-create-input
 */
export function convertResponsesInput(input: readonly ResponsesInputItemParam[], context: InputConversionContext): ConvertedInput {
  const messages: ChatMessage[] = [];
  const items: ResponseInputItem[] = [];
  input.forEach((item, index) => {
    const at = context.locate(index);
    const id = (prefix: ItemIdPrefix) => (typeof item['id'] === 'string' && item['id'] !== '' ? item['id'] : context.newItemId(prefix, index));
    if (isMessage(item)) {
      messages.push(chatMessage(item, at, context.warnings));
      items.push(normalizedMessage(item, id('msg')));
    } else if (isFunctionCall(item)) {
      const call = { id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } };
      const previous = messages.at(-1);
      if (previous?.role === 'assistant') previous.tool_calls = [...(previous.tool_calls ?? []), call];
      else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
      items.push({ ...item, id: id('fc'), status: item.status ?? 'completed' });
    } else if (isFunctionCallOutput(item)) {
      messages.push({ role: 'tool', tool_call_id: item.call_id, content: textContent(item.output, at, 'output') });
      items.push({ ...item, id: id('fco'), status: item.status ?? 'completed' });
    } else if (isReasoning(item)) {
      if (item.encrypted_content) {
        throw new UntranslatableResponsesRequest('Reasoning items with encrypted_content are not supported: the gateway cannot pass encrypted reasoning to a provider.', `${at}.encrypted_content`);
      }
      context.warnings.push(`${at}: reasoning items are not passed to the model (chat completions have no input for them); dropped`);
      items.push({ ...item, id: id('rs') });
    } else {
      throw new UntranslatableResponsesRequest(
        `Input items of type "${item.type}" are not supported: the gateway translates message, function_call, function_call_output and reasoning items.`,
        `${at}.type`,
      );
    }
  });
  return { messages, items };
}
