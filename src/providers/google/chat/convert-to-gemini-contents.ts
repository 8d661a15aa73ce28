import type { ChatMessage } from '../../chat-completion-schemas.ts';
import { convertUserContent, textOnlyContent, type OpenAIContentPart } from './convert-to-gemini-parts.ts';
import type { GeminiContent, GeminiGenerateContentRequest, GeminiPart } from './gemini-schemas.ts';
import { geminiInvalidRequest } from '../gemini-request-error.ts';

type ToolCall = NonNullable<Extract<ChatMessage, { role: 'assistant' }>['tool_calls']>[number];

export interface ConvertedMessages {
  systemInstruction?: GeminiGenerateContentRequest['systemInstruction'];
  contents: GeminiContent[];
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * Gemini 3 needs each function call's thought signature back. Gemini's own OpenAI endpoint carries it
 * as `extra_content.google.thought_signature` on the tool call; the response converter does the same.
 */
export function thoughtSignatureOf(toolCall: Record<string, unknown>): string | undefined {
  const signature = record(record(toolCall['extra_content'])?.['google'])?.['thought_signature'];
  return typeof signature === 'string' ? signature : undefined;
}

function functionCallPart(call: { name: string; arguments: string }, signature: string | undefined, param: string, warnings: string[]): GeminiPart {
  let args: Record<string, unknown> = {};
  try {
    const parsed = record(JSON.parse(call.arguments === '' ? '{}' : call.arguments) as unknown);
    if (parsed) args = parsed;
    else warnings.push(`${param}.arguments: not a JSON object; sent to Gemini as {}`);
  } catch {
    warnings.push(`${param}.arguments: not valid JSON; sent to Gemini as {}`);
  }
  return { functionCall: { name: call.name, args }, ...(signature ? { thoughtSignature: signature } : {}) };
}

/** A tool result as Gemini wants it: a JSON object; anything else is wrapped as `{content}`. */
function functionResponsePart(name: string, text: string): GeminiPart {
  let response: Record<string, unknown>;
  try {
    const parsed = JSON.parse(text) as unknown;
    response = record(parsed) ?? { content: parsed };
  } catch {
    response = { content: text };
  }
  return { functionResponse: { name, response } };
}

function assistantParts(message: Extract<ChatMessage, { role: 'assistant' }>, param: string, warnings: string[]): GeminiPart[] {
  const parts: GeminiPart[] = [];
  const text = textOnlyContent(message.content as string | OpenAIContentPart[] | null | undefined, param);
  if (text !== '') parts.push({ text });
  (message.tool_calls ?? []).forEach((toolCall: ToolCall, index) => {
    const at = `${param}.tool_calls[${index}]`;
    if (!toolCall.function) throw geminiInvalidRequest(`${at}: only function tool calls can be sent to Gemini`, `${at}.type`);
    parts.push(functionCallPart(toolCall.function, thoughtSignatureOf(toolCall), `${at}.function`, warnings));
  });
  const legacyCall = record(message['function_call']);
  if (legacyCall && typeof legacyCall['name'] === 'string' && typeof legacyCall['arguments'] === 'string') {
    parts.push(functionCallPart({ name: legacyCall['name'], arguments: legacyCall['arguments'] }, undefined, `${param}.function_call`, warnings));
  }
  return parts;
}

/**
 * OpenAI messages → Gemini `systemInstruction` and `contents`. System and developer messages become
 * the system instruction wherever they stand; assistant turns become `model` contents; tool results
 * become `user` contents with a `functionResponse` named after the call they answer; consecutive
 * contents of one role are merged, as Gemini expects turns to alternate.
 */
export function convertToGeminiContents(messages: ChatMessage[], warnings: string[]): ConvertedMessages {
  const systemParts: Array<{ text: string }> = [];
  const contents: GeminiContent[] = [];
  /** Tool call id → function name, from the assistant messages seen so far (the latest wins). */
  const callNames = new Map<string, string>();
  let namesWarned = false;

  const append = (role: 'user' | 'model', parts: GeminiPart[]) => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last?.role === role) last.parts = [...(last.parts ?? []), ...parts];
    else contents.push({ role, parts });
  };

  messages.forEach((message, index) => {
    const param = `messages[${index}]`;
    if (message.role !== 'tool' && message.role !== 'function' && message.name !== undefined && !namesWarned) {
      warnings.push(`${param}.name: Gemini has no participant names; message names were dropped`);
      namesWarned = true;
    }
    switch (message.role) {
      case 'system':
      case 'developer':
        systemParts.push({ text: textOnlyContent(message.content as string | OpenAIContentPart[], param) });
        return;
      case 'user':
        append('user', convertUserContent(message.content as string | OpenAIContentPart[], param, warnings));
        return;
      case 'assistant':
        for (const toolCall of message.tool_calls ?? []) if (toolCall.function) callNames.set(toolCall.id, toolCall.function.name);
        append('model', assistantParts(message, param, warnings));
        return;
      case 'tool': {
        const name = callNames.get(message.tool_call_id);
        if (name === undefined) {
          throw geminiInvalidRequest(`${param}.tool_call_id "${message.tool_call_id}" answers no tool call of an earlier assistant message`, `${param}.tool_call_id`);
        }
        append('user', [functionResponsePart(name, textOnlyContent(message.content as string | OpenAIContentPart[], param))]);
        return;
      }
      case 'function':
        append('user', [functionResponsePart(message.name, message.content ?? '')]);
        return;
    }
  });

  return { ...(systemParts.length > 0 ? { systemInstruction: { parts: systemParts } } : {}), contents };
}
