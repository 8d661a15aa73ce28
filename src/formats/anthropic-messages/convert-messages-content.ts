import type { z } from 'zod';
import type { ChatMessage, ThinkingBlock } from '../../providers/chat-completion-schemas.ts';
import { MessagesConversionRefusal } from './messages-conversion-refusal.ts';
import {
  messagesImageBlockSchema,
  messagesTextBlockSchema,
  type MessagesContentBlock,
  type MessagesDocumentBlock,
  type MessagesImageBlock,
  type MessagesMessage,
  type MessagesRequest,
  type MessagesTextBlock,
  type MessagesToolResultBlock,
} from './messages-schemas.ts';

/** An OpenAI content part, as the gateway's chat schema holds it (loose: extensions ride along). */
type ContentPart = { type: string; [key: string]: unknown };
type TextPart = { type: 'text'; text: string; cache_control?: MessagesTextBlock['cache_control'] };
type ToolCall = NonNullable<Extract<ChatMessage, { role: 'assistant' }>['tool_calls']>[number];

/**
 * Anthropic's `system` and `messages` → OpenAI chat messages. `system` becomes the first message;
 * assistant `tool_use` blocks become `tool_calls`; a user turn's `tool_result` blocks become `tool`
 * messages, in order and before the rest of that turn, as OpenAI wants a call's result right after the
 * call. A text block's `cache_control` stays on its text part: the gateway's Anthropic adapter reads it
 * there (other providers ignore it); elsewhere the internal format has no place for it and it is
 * dropped with a warning.
 *
 * Thinking history (`thinking` blocks with their signature, `redacted_thinking` blocks with their data)
 * becomes the assistant message's `thinking_blocks`, in order and unmodified: the Anthropic adapter sends
 * them back first in the turn, as a tool-use loop with thinking on requires; other adapters leave them out
 * (only Anthropic can read them). An assistant turn holding nothing but thinking is dropped with a warning.
 * @see https://docs.anthropic.com/en/api/messages#body-messages
 * @see https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#preserving-thinking-blocks
 */
export function convertMessagesConversation(input: { system?: MessagesRequest['system']; messages: readonly MessagesMessage[] }, warnings: string[]): ChatMessage[] {
  const chat: ChatMessage[] = [];
  if (input.system !== undefined) chat.push(...systemMessages(input.system, 'system', warnings));
  const toolUseIds = new Set<string>();
  input.messages.forEach((message, index) => {
    const at = `messages[${index}]`;
    switch (message.role) {
      case 'system':
        chat.push(...systemMessages(message.content, `${at}.content`, warnings));
        return;
      case 'assistant':
        chat.push(...assistantMessages(message.content, at, toolUseIds, warnings));
        return;
      case 'user':
        chat.push(...userMessages(message.content, at, toolUseIds, warnings));
        return;
    }
  });
  return chat;
}

function systemMessages(content: string | readonly MessagesTextBlock[], at: string, warnings: string[]): ChatMessage[] {
  if (typeof content === 'string') return content === '' ? [] : [{ role: 'system', content }];
  if (content.length === 0) return [];
  return [{ role: 'system', content: collapse(content.map((block, index) => textPart(block, `${at}[${index}]`, warnings))) }];
}

function assistantMessages(content: string | readonly MessagesContentBlock[], at: string, toolUseIds: Set<string>, warnings: string[]): ChatMessage[] {
  if (typeof content === 'string') return [{ role: 'assistant', content }];
  const parts: ContentPart[] = [];
  const toolCalls: ToolCall[] = [];
  const thinkingBlocks: ThinkingBlock[] = [];
  content.forEach((block, index) => {
    const blockAt = `${at}.content[${index}]`;
    switch (block.type) {
      case 'text':
        parts.push(textPart(block, blockAt, warnings));
        return;
      case 'tool_use':
        if (block.cache_control) warnings.push(droppedCacheControl(blockAt, 'tool_use blocks'));
        toolUseIds.add(block.id);
        toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
        return;
      case 'thinking':
        // The signature signs this exact text: nothing else of the block is kept, nothing changed.
        thinkingBlocks.push({ type: 'thinking', thinking: block.thinking, signature: block.signature });
        return;
      case 'redacted_thinking':
        thinkingBlocks.push({ type: 'redacted_thinking', data: block.data });
        return;
      default:
        throw new MessagesConversionRefusal(`${blockAt}.type`, `"${block.type}" blocks are not allowed in assistant messages.`);
    }
  });
  if (parts.length === 0 && toolCalls.length === 0) {
    // An assistant message needs text or a tool call in the internal format (OpenAI's).
    if (thinkingBlocks.length > 0) warnings.push(`${at}: an assistant turn holding only thinking was dropped; the gateway carries thinking with the text or tool calls of its turn`);
    return [];
  }
  return [
    {
      role: 'assistant',
      content: parts.length === 0 ? null : collapse(parts),
      ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
      ...(thinkingBlocks.length > 0 ? { thinking_blocks: thinkingBlocks } : {}),
    },
  ];
}

function userMessages(content: string | readonly MessagesContentBlock[], at: string, toolUseIds: ReadonlySet<string>, warnings: string[]): ChatMessage[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  if (content.length === 0) throw new MessagesConversionRefusal(`${at}.content`, 'A user message needs at least one content block.');
  const toolMessages: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  content.forEach((block, index) => {
    const blockAt = `${at}.content[${index}]`;
    switch (block.type) {
      case 'tool_result':
        toolMessages.push(toolMessage(block, blockAt, toolUseIds, warnings));
        return;
      case 'text':
        parts.push(textPart(block, blockAt, warnings));
        return;
      case 'image':
        parts.push(imagePart(block, blockAt, warnings));
        return;
      case 'document':
        parts.push(documentPart(block, blockAt, warnings));
        return;
      default:
        throw new MessagesConversionRefusal(`${blockAt}.type`, `"${block.type}" blocks are only allowed in assistant messages.`);
    }
  });
  return parts.length === 0 ? toolMessages : [...toolMessages, { role: 'user', content: collapse(parts) }];
}

function textPart(block: MessagesTextBlock, at: string, warnings: string[]): TextPart {
  if (block.citations && block.citations.length > 0) warnings.push(`${at}.citations: citations on request text are not carried and were dropped`);
  return block.cache_control ? { type: 'text', text: block.text, cache_control: block.cache_control } : { type: 'text', text: block.text };
}

/** A lone plain text part reads as string content, as most OpenAI clients send it. */
function collapse<Part extends ContentPart>(parts: Part[]): string | Part[] {
  const [only] = parts;
  if (parts.length === 1 && only?.type === 'text' && typeof only['text'] === 'string' && only['cache_control'] === undefined) return only['text'];
  return parts;
}

function droppedCacheControl(at: string, what: string): string {
  return `${at}.cache_control: prompt-caching breakpoints on ${what} are not carried and were dropped`;
}

function imagePart(block: MessagesImageBlock, at: string, warnings: string[]): ContentPart {
  if (block.cache_control) warnings.push(droppedCacheControl(at, 'images'));
  const { source } = block;
  switch (source.type) {
    case 'base64':
      return { type: 'image_url', image_url: { url: `data:${source.media_type};base64,${source.data}` } };
    case 'url':
      return { type: 'image_url', image_url: { url: source.url } };
    case 'file':
      throw new MessagesConversionRefusal(`${at}.source.type`, "Images by file_id refer to Anthropic's Files API, which the gateway does not offer; send the image as base64 or a URL.");
  }
}

/**
 * A PDF travels as an OpenAI `file` part with its bytes in a data URL (`file_data`), which the
 * gateway's Anthropic adapter turns back into a document block and OpenAI reads as a PDF input; its
 * title becomes the file name. A plain-text document becomes text content. Documents by URL, file id
 * or custom content have no inline form in the internal format and are refused.
 * @see https://platform.openai.com/docs/guides/pdf-files
 */
function documentPart(block: MessagesDocumentBlock, at: string, warnings: string[]): ContentPart {
  const { source } = block;
  if (source.type === 'url' || source.type === 'content' || source.type === 'file') {
    throw new MessagesConversionRefusal(
      `${at}.source.type`,
      `Documents with a "${source.type}" source are not supported by the gateway, which carries documents inline only; send a PDF as base64 or plain text as a "text" source.`,
    );
  }
  if (block.cache_control) warnings.push(droppedCacheControl(at, 'documents'));
  if (block.context) warnings.push(`${at}.context: document context is not carried and was dropped`);
  if (block.citations?.enabled) warnings.push(`${at}.citations: document citations are not supported by the gateway and were not enabled`);
  if (source.type === 'text') {
    if (block.title) warnings.push(`${at}.title: the plain-text document was sent as text content, without its title`);
    return { type: 'text', text: source.data };
  }
  return { type: 'file', file: { filename: block.title ?? 'document.pdf', file_data: `data:${source.media_type};base64,${source.data}` } };
}

/**
 * A `tool_result` → a `tool` message. OpenAI's tool messages have no error flag, so `is_error` is told
 * to the model in words: the result is prefixed with "Error: ".
 */
function toolMessage(block: MessagesToolResultBlock, at: string, toolUseIds: ReadonlySet<string>, warnings: string[]): ChatMessage {
  if (!toolUseIds.has(block.tool_use_id)) {
    throw new MessagesConversionRefusal(`${at}.tool_use_id`, `This tool_result answers tool_use "${block.tool_use_id}", which no earlier assistant message contains.`);
  }
  if (block.cache_control) warnings.push(droppedCacheControl(at, 'tool_result blocks'));
  const { content } = block;
  let converted: string | ContentPart[] =
    content === undefined ? '' : typeof content === 'string' ? content : collapse(content.map((item, index) => toolResultPart(item, `${at}.content[${index}]`, warnings)));
  if (block.is_error === true) {
    warnings.push(`${at}.is_error: the internal format has no error flag; the tool result was prefixed with "Error: " instead`);
    converted = typeof converted === 'string' ? `Error: ${converted}` : [{ type: 'text', text: 'Error:' }, ...converted];
  }
  return { role: 'tool', tool_call_id: block.tool_use_id, content: converted };
}

function toolResultPart(item: { type: string }, at: string, warnings: string[]): ContentPart {
  if (item.type === 'text') return textPart(parseBlock(messagesTextBlockSchema, item, at), at, warnings);
  if (item.type === 'image') return imagePart(parseBlock(messagesImageBlockSchema, item, at), at, warnings);
  throw new MessagesConversionRefusal(`${at}.type`, `Tool results holding "${item.type}" blocks are not supported by the gateway; send text or images.`);
}

function parseBlock<Schema extends z.ZodType>(schema: Schema, item: unknown, at: string): z.infer<Schema> {
  const parsed = schema.safeParse(item);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new MessagesConversionRefusal([at, ...(issue?.path.map(String) ?? [])].join('.'), `Invalid block: ${issue?.message ?? 'invalid'}`);
}
