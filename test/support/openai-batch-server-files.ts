/** The uploads the batch test servers receive: a multipart form, and the JSONL file inside it. */

export interface MultipartForm {
  fields: Record<string, string>;
  file?: { filename: string; content: Buffer };
}

/** A `multipart/form-data` body: its text fields and its one file. */
export function parseMultipart(body: Buffer, contentType: string | undefined): MultipartForm | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  const marker = boundary?.[1] ?? boundary?.[2];
  if (!marker) return undefined;
  const delimiter = Buffer.from(`--${marker}`);
  const form: MultipartForm = { fields: {} };
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const partStart = start + delimiter.length;
    if (body.subarray(partStart, partStart + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, partStart);
    if (next === -1) break;
    const part = body.subarray(partStart + 2, next - 2);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const content = part.subarray(headerEnd + 4);
      const name = /name="([^"]*)"/i.exec(headers)?.[1];
      const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
      if (name !== undefined && filename !== undefined) form.file = { filename, content };
      else if (name !== undefined) form.fields[name] = content.toString('utf8');
    }
    start = next;
  }
  return form;
}

/** An input line as uploaded, before any validation (the batch validates it when it starts). */
export interface ParsedInputLine {
  /** 1-based, as OpenAI's errors count lines. */
  line: number;
  json: Record<string, unknown> | undefined;
}

/** A JSONL file, line by line (blank lines skipped). */
export function parseJsonLines(content: Buffer): ParsedInputLine[] {
  const lines: ParsedInputLine[] = [];
  const text = content.toString('utf8');
  let number = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const raw = text.slice(start, end).trim();
    start = end + 1;
    if (raw === '') continue;
    number += 1;
    let json: Record<string, unknown> | undefined;
    try {
      const value: unknown = JSON.parse(raw);
      json = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    } catch {
      json = undefined;
    }
    lines.push({ line: number, json });
  }
  return lines;
}
