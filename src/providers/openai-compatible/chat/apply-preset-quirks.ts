import type { OpenAICompatiblePreset, ResponseFormatType } from '../presets.ts';

export interface PresetQuirksInput {
  /** An OpenAI request body (not modified). */
  body: Readonly<Record<string, unknown>>;
  preset: OpenAICompatiblePreset;
  /** The preset's name, as warnings name the vendor. */
  vendor: string;
  upstreamModel: string;
}

export interface PresetQuirksResult {
  body: Record<string, unknown>;
  /** One line per setting the vendor could not honour. */
  warnings: string[];
}

const isSet = (value: unknown): boolean => value !== undefined && value !== null;

/**
 * Fits an OpenAI request body to a vendor's documented quirks: unsupported fields are dropped (with a
 * warning when they carried a value; a `null` is dropped silently, as it asks for nothing), fields the
 * vendor names differently are renamed, numbers outside the vendor's documented range are clamped into it,
 * and `n` and `response_format` are held to what the vendor accepts.
 */
export function applyPresetQuirks(input: PresetQuirksInput): PresetQuirksResult {
  const { preset, vendor, upstreamModel } = input;
  const body: Record<string, unknown> = { ...input.body };
  const warnings: string[] = [];

  const drop = (field: string, who: string): void => {
    if (!Object.hasOwn(body, field)) return;
    if (isSet(body[field])) warnings.push(`${who} does not support "${field}"; it was not sent`);
    delete body[field];
  };
  for (const field of preset.unsupportedFields) drop(field, vendor);
  for (const quirk of preset.modelQuirks ?? []) {
    if (!quirk.models.test(upstreamModel)) continue;
    for (const field of quirk.unsupportedFields) drop(field, `${vendor} model "${upstreamModel}"`);
  }

  for (const [field, range] of Object.entries(preset.ranges ?? {})) {
    const value = body[field];
    if (typeof value !== 'number' || (value >= range.min && value <= range.max)) continue;
    const clamped = Math.min(Math.max(value, range.min), range.max);
    warnings.push(`${vendor} takes "${field}" from ${range.min} to ${range.max}; ${value} was sent as ${clamped}`);
    body[field] = clamped;
  }

  if (preset.maxChoices !== undefined && Object.hasOwn(body, 'n')) {
    const n = body['n'];
    if (typeof n === 'number' && n > preset.maxChoices) {
      warnings.push(`${vendor} returns at most ${preset.maxChoices} choice(s); "n": ${n} was not sent`);
      delete body['n'];
    } else if (n === null) {
      delete body['n'];
    }
  }

  fitResponseFormat(body, preset.responseFormats, vendor, warnings);

  for (const [from, to] of Object.entries(preset.renamedFields ?? {})) {
    if (!Object.hasOwn(body, from)) continue;
    const value = body[from];
    delete body[from];
    if (!isSet(value)) continue;
    if (isSet(body[to])) {
      warnings.push(`${vendor} takes "${from}" as "${to}", which is also set; "${from}" was not sent`);
      continue;
    }
    body[to] = value;
  }

  for (const field of preset.unsupportedMessageFields ?? []) {
    const removed = removeMessageField(body, field);
    if (removed > 0) warnings.push(`${vendor} does not support "messages[].${field}"; it was removed from ${removed} message(s)`);
  }

  return { body, warnings };
}

function fitResponseFormat(body: Record<string, unknown>, accepted: readonly ResponseFormatType[] | undefined, vendor: string, warnings: string[]): void {
  const format = body['response_format'];
  if (accepted === undefined || typeof format !== 'object' || format === null || !('type' in format)) return;
  const type = format.type;
  if (typeof type !== 'string' || accepted.some((name) => name === type)) return;
  if (type === 'json_schema' && accepted.includes('json_object')) {
    body['response_format'] = { type: 'json_object' };
    warnings.push(`${vendor} does not support response_format "json_schema"; sent "json_object" instead, so the schema is not enforced`);
    return;
  }
  delete body['response_format'];
  warnings.push(`${vendor} does not support response_format "${type}"; it was not sent`);
}

/** Removes `field` from every message that has it; returns how many carried a value. */
function removeMessageField(body: Record<string, unknown>, field: string): number {
  const messages = body['messages'];
  if (!Array.isArray(messages)) return 0;
  let removed = 0;
  body['messages'] = messages.map((message: unknown) => {
    if (typeof message !== 'object' || message === null || !Object.hasOwn(message, field)) return message;
    const copy: Record<string, unknown> = { ...message };
    if (isSet(copy[field])) removed += 1;
    delete copy[field];
    return copy;
  });
  return removed;
}
