import { z } from 'zod';
import type { ChatCompletionRequest } from '../chat-completion-schemas.ts';
import type { ProviderError } from '../../errors/provider-error.ts';
import { anthropicRequestError } from './anthropic-request-error.ts';

const jsonSchemaFormatSchema = z.looseObject({
  type: z.literal('json_schema'),
  json_schema: z.looseObject({
    name: z.string().min(1),
    description: z.string().nullish(),
    schema: z.record(z.string(), z.unknown()).nullish(),
    strict: z.boolean().nullish(),
  }),
});

const noWrapping = 'Output only the JSON: no Markdown code fences and no text before or after it.';

/** Who emulates: the provider's name in the warning, and its refusal of an invalid `json_schema`. */
export interface JsonModeEmulator {
  providerLabel: string;
  refuse(options: { param: string; code: 'invalid_value'; message: string }): ProviderError;
}

const anthropicEmulator: JsonModeEmulator = { providerLabel: 'Anthropic', refuse: anthropicRequestError };

export interface JsonModeEmulation {
  /** Appended to the system prompt. */
  instruction: string;
  warning: string;
}

/**
 * OpenAI's JSON mode and structured outputs, emulated: Anthropic is asked, in the system prompt, to
 * answer with JSON only (and, for `json_schema`, to follow the schema, which is included verbatim).
 * Nothing enforces it, so the request carries a warning saying so. Anthropic's own structured
 * outputs exist only for some models, and this adapter does not know which model a route names.
 * Bedrock's Converse emulates it the same way (its models have no common JSON mode).
 */
export function emulateJsonMode(format: ChatCompletionRequest['response_format'], emulator: JsonModeEmulator = anthropicEmulator): JsonModeEmulation | undefined {
  if (format === undefined || format.type === 'text') return undefined;
  if (format.type === 'json_object') {
    return {
      instruction: `Respond with a single valid JSON object. ${noWrapping}`,
      warning: `response_format json_object is emulated on ${emulator.providerLabel} with a system instruction; the answer is not guaranteed to be valid JSON`,
    };
  }
  const parsed = jsonSchemaFormatSchema.safeParse(format);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw emulator.refuse({
      param: ['response_format', ...(issue?.path.map(String) ?? [])].join('.'),
      code: 'invalid_value',
      message: `Invalid json_schema response_format: ${issue?.message ?? 'invalid'}`,
    });
  }
  const { name, description, schema } = parsed.data.json_schema;
  const about = description ? `"${name}": ${description}` : `"${name}"`;
  const schemaText = schema ? `\n<json_schema>\n${JSON.stringify(schema)}\n</json_schema>` : '';
  return {
    instruction: `Respond with a single valid JSON value that conforms to the JSON Schema ${about}. ${noWrapping}${schemaText}`,
    warning: `response_format json_schema is emulated on ${emulator.providerLabel} with a system instruction carrying the schema; the answer is not guaranteed to be valid JSON or to match the schema`,
  };
}
