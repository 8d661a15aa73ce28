import type { GeminiPart } from './gemini-schemas.ts';
import { geminiInvalidRequest } from '../gemini-request-error.ts';

/** One part of an OpenAI message's array content. */
export type OpenAIContentPart = { type: string } & Record<string, unknown>;

const imageMimeTypes: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
};

const audioMimeTypes: Record<string, string> = { wav: 'audio/wav', mp3: 'audio/mp3' };

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && key in value ? (value as Record<string, unknown>)[key] : undefined;
}

/** `data:<mime>;base64,<data>` → inlineData (non-base64 data URLs are re-encoded). */
function inlineDataFromUrl(url: string, param: string): GeminiPart {
  const match = /^data:([^;,]+)((?:;[^;,]+)*),(.*)$/s.exec(url);
  if (!match) throw geminiInvalidRequest(`${param} is not a valid data: URL`, param);
  const [, mimeType = '', parameters = '', payload = ''] = match;
  if (parameters.split(';').includes('base64')) return { inlineData: { mimeType, data: payload } };
  try {
    return { inlineData: { mimeType, data: Buffer.from(decodeURIComponent(payload), 'utf8').toString('base64') } };
  } catch {
    throw geminiInvalidRequest(`${param} is not a valid data: URL`, param);
  }
}

/**
 * http(s) URLs go as `fileData`: the Gemini API fetches public and signed URLs itself (since January
 * 2026). The MIME type is optional there; it is sent when the file extension names one.
 * @see https://ai.google.dev/gemini-api/docs/file-input-methods
 */
function imagePart(part: OpenAIContentPart, param: string, warnings: string[]): GeminiPart {
  const url = field(part['image_url'], 'url');
  const detail = field(part['image_url'], 'detail');
  if (typeof detail === 'string' && detail !== 'auto') warnings.push(`${param}.image_url.detail: not supported by Gemini; dropped`);
  if (typeof url !== 'string') throw geminiInvalidRequest(`${param}.image_url.url is required`, `${param}.image_url.url`);
  if (url.startsWith('data:')) return inlineDataFromUrl(url, `${param}.image_url.url`);
  if (/^https?:\/\//i.test(url) && URL.canParse(url)) {
    const extension = /\.([a-z0-9]+)$/i.exec(new URL(url).pathname)?.[1]?.toLowerCase();
    const mimeType = extension === undefined ? undefined : imageMimeTypes[extension];
    return { fileData: { ...(mimeType ? { mimeType } : {}), fileUri: url } };
  }
  throw geminiInvalidRequest(`${param}.image_url.url must be an http(s) or data: URL`, `${param}.image_url.url`);
}

function audioPart(part: OpenAIContentPart, param: string): GeminiPart {
  const data = field(part['input_audio'], 'data');
  const format = field(part['input_audio'], 'format');
  const mimeType = typeof format === 'string' ? audioMimeTypes[format] : undefined;
  if (typeof data !== 'string' || !mimeType) throw geminiInvalidRequest(`${param}.input_audio needs data and a format of wav or mp3`, `${param}.input_audio`);
  return { inlineData: { mimeType, data } };
}

function filePart(part: OpenAIContentPart, param: string): GeminiPart {
  const fileData = field(part['file'], 'file_data');
  if (typeof fileData === 'string') return inlineDataFromUrl(fileData, `${param}.file.file_data`);
  throw geminiInvalidRequest(`${param}.file: only inline file_data reaches Gemini (an OpenAI file_id cannot)`, `${param}.file`);
}

/** A user message's content as Gemini parts; `param` names the message, e.g. `messages[2]`. */
export function convertUserContent(content: string | OpenAIContentPart[], param: string, warnings: string[]): GeminiPart[] {
  if (typeof content === 'string') return [{ text: content }];
  return content.map((part, index): GeminiPart => {
    const at = `${param}.content[${index}]`;
    switch (part.type) {
      case 'text':
        return { text: typeof part['text'] === 'string' ? part['text'] : '' };
      case 'image_url':
        return imagePart(part, at, warnings);
      case 'input_audio':
        return audioPart(part, at);
      case 'file':
        return filePart(part, at);
      default:
        throw geminiInvalidRequest(`${at}: content parts of type "${part.type}" cannot be sent to Gemini`, `${at}.type`);
    }
  });
}

/** The text of content that may only hold text (system, assistant and tool messages). */
export function textOnlyContent(content: string | OpenAIContentPart[] | null | undefined, param: string): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part, index) => {
      if (part.type === 'text' && typeof part['text'] === 'string') return part['text'];
      if (part.type === 'refusal' && typeof part['refusal'] === 'string') return part['refusal'];
      throw geminiInvalidRequest(`${param}.content[${index}]: only text parts are supported here`, `${param}.content[${index}].type`);
    })
    .join('');
}
