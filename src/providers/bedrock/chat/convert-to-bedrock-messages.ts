import { thinkingBlockOf, type ChatMessage } from '../../chat-completion-schemas.ts';
import {
  appendTurn,
  assistantTexts,
  filePartSchema,
  imagePartSchema,
  parseBase64DataUrl,
  parsePart,
  parseToolArguments,
  textPartSchema,
  toolResultsFirst,
  type ContentPart,
} from '../../chat-message-parts.ts';
import { bedrockRequestError } from '../bedrock-request-error.ts';
import type { BedrockCachePoint, BedrockContentBlock, BedrockDocumentFormat, BedrockImageFormat, BedrockMessage, BedrockSystemBlock, BedrockToolResultContent } from '../bedrock-wire-schemas.ts';

export interface BedrockConversation {
  /** Every system and developer message, in order, for the top-level `system`. */
  system: BedrockSystemBlock[];
  /** Alternating user/assistant turns; consecutive same-role messages merged into one turn. */
  messages: BedrockMessage[];
  warnings: string[];
}

/** What converting content parts shares across a conversation: document names, warnings. */
interface PartContext {
  documentName: () => string;
  warnings: string[];
}

/** @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ImageBlock.html */
const imageFormats: Record<string, BedrockImageFormat> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/jpg': 'jpeg', 'image/gif': 'gif', 'image/webp': 'webp' };

/** @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_DocumentBlock.html */
const documentFormats: Record<string, BedrockDocumentFormat> = {
  'application/pdf': 'pdf',
  'text/csv': 'csv',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'text/html': 'html',
  'text/plain': 'txt',
  'text/markdown': 'md',
};

/**
 * OpenAI chat messages → Converse's `system` plus alternating turns. System and developer messages
 * move to the top-level `system`; `tool` messages become `toolResult` blocks of a user turn (first in
 * it); assistant `tool_calls` become `toolUse` blocks, and an assistant message's signed
 * `thinking_blocks` go first in its turn as `reasoningContent`. Converse requires alternation, so
 * consecutive same-role messages are merged into one turn; it refuses blank text, so empty text is
 * left out. Images travel as bytes: a `data:` URL is decoded, an http(s) URL is refused (Converse
 * does not fetch URLs).
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Message.html
 */
export function convertToBedrockMessages(messages: readonly ChatMessage[]): BedrockConversation {
  const system: BedrockSystemBlock[] = [];
  const turns: BedrockMessage[] = [];
  const warnings: string[] = [];
  let documents = 0;
  const parts: PartContext = { documentName: () => `document-${++documents}`, warnings };
  messages.forEach((message, index) => {
    const at = `messages[${index}]`;
    if (message.role !== 'function' && message.role !== 'tool' && message.name) warnings.push(`${at}.name is not supported by Bedrock and was dropped`);
    switch (message.role) {
      case 'system':
      case 'developer': {
        if (turns.length > 0) warnings.push(`${at}: a ${message.role} message after the conversation started was moved to Bedrock's top-level system prompt`);
        if (typeof message.content === 'string') system.push(...textBlock(message.content));
        else for (const part of message.content) system.push(...textBlock(part.text, part['cache_control']));
        return;
      }
      case 'user':
        appendTurn(turns, 'user', contentBlocks(message.content, `${at}.content`, parts));
        return;
      case 'assistant':
        appendTurn(turns, 'assistant', [...reasoningBlocks(message.thinking_blocks ?? [], at), ...assistantTextBlocks(message, at), ...toolUseBlocks(message.tool_calls ?? [], at)]);
        return;
      case 'tool':
        appendTurn(turns, 'user', toolResultBlocks(message.tool_call_id, message.content, at, parts));
        return;
      case 'function':
        throw bedrockRequestError({ param: `${at}.role`, message: 'The deprecated "function" role is not supported by Bedrock; send tools and "tool" messages instead.' });
    }
  });
  return { system, messages: turns.map((turn) => toolResultsFirst(turn, (block) => 'toolResult' in block)), warnings };
}

const cachePoint: BedrockCachePoint = { cachePoint: { type: 'default' } };

/**
 * A text block, left out when blank (Converse refuses blank text); followed by a cache point where the
 * part carries an Anthropic `cache_control` breakpoint (the Messages API edge keeps them on parts).
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html
 */
function textBlock(text: string, cacheControl?: unknown): Array<{ text: string } | BedrockCachePoint> {
  if (text.trim() === '') return [];
  return cacheControl !== undefined && cacheControl !== null ? [{ text }, cachePoint] : [{ text }];
}

function contentBlocks(content: string | readonly ContentPart[], at: string, context: PartContext): BedrockContentBlock[] {
  if (typeof content === 'string') return textBlock(content);
  return content.flatMap((part, index) => contentPartBlocks(part, `${at}[${index}]`, context));
}

function contentPartBlocks(part: ContentPart, at: string, context: PartContext): BedrockContentBlock[] {
  switch (part.type) {
    case 'text':
      return textBlock(parsePart(textPartSchema, part, at, bedrockRequestError).text, part['cache_control']);
    case 'image_url': {
      const { image_url: image } = parsePart(imagePartSchema, part, at, bedrockRequestError);
      if (image.detail && image.detail !== 'auto') context.warnings.push(`${at}.image_url.detail "${image.detail}" is not supported by Bedrock and was ignored`);
      return [imageBlock(image.url, `${at}.image_url.url`)];
    }
    case 'file': {
      const { file } = parsePart(filePartSchema, part, at, bedrockRequestError);
      if (file.file_data === undefined) {
        throw bedrockRequestError({ param: `${at}.file`, message: 'Only inline files (file_data) can be sent to Bedrock; OpenAI file ids mean nothing there.' });
      }
      const { mediaType, data } = parseBase64DataUrl(file.file_data, `${at}.file.file_data`, bedrockRequestError);
      const format = documentFormats[mediaType];
      if (!format) throw bedrockRequestError({ param: `${at}.file.file_data`, message: `Bedrock takes documents of types ${Object.keys(documentFormats).join(', ')}; not ${mediaType}.` });
      return [{ document: { format, name: documentNameOf(file.filename) ?? context.documentName(), source: { bytes: data } } }];
    }
    default:
      throw bedrockRequestError({ param: `${at}.type`, message: `Content parts of type "${part.type}" are not supported by Bedrock.` });
  }
}

/** Bedrock allows letters, digits, single spaces, hyphens, parentheses and square brackets in a document's name. */
function documentNameOf(filename: string | undefined): string | undefined {
  const name = filename
    ?.replace(/\.[^.]*$/, '')
    .replace(/[^A-Za-z0-9\s\-()[\]]/g, '-')
    .replace(/\s+/g, ' ')
    .trim();
  return name ? name.slice(0, 200) : undefined;
}

function imageBlock(url: string, at: string): BedrockContentBlock {
  if (/^https?:\/\//i.test(url)) {
    throw bedrockRequestError({ param: at, message: 'Bedrock does not fetch images by URL; send the image inline as a base64 data: URL.' });
  }
  const { mediaType, data } = parseBase64DataUrl(url, at, bedrockRequestError);
  const format = imageFormats[mediaType.toLowerCase()];
  if (!format) throw bedrockRequestError({ param: at, message: `Bedrock takes png, jpeg, gif and webp images; not ${mediaType}.` });
  return { image: { format, source: { bytes: data } } };
}

function assistantTextBlocks(message: Extract<ChatMessage, { role: 'assistant' }>, at: string): BedrockContentBlock[] {
  return assistantTexts(message, at, 'Bedrock', bedrockRequestError).flatMap(({ text, cacheControl }) => textBlock(text, cacheControl));
}

/** Signed thinking (Claude on Bedrock) goes back as `reasoningContent`, verbatim: the signature covers it. */
function reasoningBlocks(blocks: readonly unknown[], at: string): BedrockContentBlock[] {
  return blocks.map((block, index) => {
    const own = thinkingBlockOf(block);
    if (own?.type === 'thinking') return { reasoningContent: { reasoningText: { text: own.thinking, signature: own.signature } } };
    if (own?.type === 'redacted_thinking') return { reasoningContent: { redactedContent: own.data } };
    throw bedrockRequestError({
      param: `${at}.thinking_blocks[${index}]`,
      code: 'invalid_value',
      message: 'A thinking block must be {type: "thinking", thinking, signature} or {type: "redacted_thinking", data}, as the answer carried it.',
    });
  });
}

type ToolCall = NonNullable<Extract<ChatMessage, { role: 'assistant' }>['tool_calls']>[number];

function toolUseBlocks(calls: readonly ToolCall[], at: string): BedrockContentBlock[] {
  return calls.map((call, index) => {
    const callAt = `${at}.tool_calls[${index}]`;
    if (call.type !== 'function' || !call.function) throw bedrockRequestError({ param: `${callAt}.type`, message: `Tool calls of type "${call.type}" are not supported by Bedrock.` });
    return { toolUse: { toolUseId: call.id, name: call.function.name, input: parseToolArguments(call.function.arguments, `${callAt}.function.arguments`, 'Bedrock', bedrockRequestError) } };
  });
}

/** A tool result, and after it the cache point a part of its content asked for (a tool result cannot hold one). */
function toolResultBlocks(toolUseId: string, content: string | readonly ContentPart[], at: string, context: PartContext): BedrockContentBlock[] {
  const blocks = contentBlocks(content, `${at}.content`, context);
  const results = blocks.flatMap((block, index): BedrockToolResultContent[] => {
    if ('cachePoint' in block) return [];
    if ('text' in block || 'image' in block || 'document' in block) return [block];
    throw bedrockRequestError({ param: `${at}.content[${index}]`, message: 'Tool results carry text, images and documents only on Bedrock.' });
  });
  const cached = blocks.some((block) => 'cachePoint' in block);
  return [{ toolResult: { toolUseId, content: results } }, ...(cached ? [cachePoint] : [])];
}
