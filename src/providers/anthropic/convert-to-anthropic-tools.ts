import { z } from 'zod';
import type { ChatCompletionRequest } from '../chat-completion-schemas.ts';
import { anthropicRequestError } from './anthropic-request-error.ts';
import { anthropicCacheControlSchema, type AnthropicTool, type AnthropicToolChoice } from './anthropic-wire-schemas.ts';

const functionToolSchema = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().min(1),
    description: z.string().nullish(),
    parameters: z.record(z.string(), z.unknown()).nullish(),
    strict: z.boolean().nullish(),
  }),
  /** Not OpenAI's: a prompt-caching breakpoint some OpenAI-format clients put on a tool. */
  cache_control: anthropicCacheControlSchema.optional(),
});

const namedToolChoiceSchema = z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string().min(1) }) });

export interface AnthropicToolSettings {
  tools?: AnthropicTool[];
  toolChoice?: AnthropicToolChoice;
  warnings: string[];
}

/**
 * OpenAI `tools`, `tool_choice` and `parallel_tool_calls` → Anthropic's `tools` and `tool_choice`.
 * `tool_choice: "none"` maps onto Anthropic's own `none`, which keeps the tool definitions in the
 * request (a conversation holding `tool_use` blocks needs them) while forbidding new calls.
 * @see https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use
 */
export function convertToAnthropicTools(request: Pick<ChatCompletionRequest, 'tools' | 'tool_choice' | 'parallel_tool_calls'>): AnthropicToolSettings {
  const warnings: string[] = [];
  const tools = (request.tools ?? []).flatMap((tool, index) => convertTool(tool, `tools[${index}]`, warnings));
  if (tools.length === 0) {
    if (request.tool_choice !== undefined && request.tool_choice !== 'none') warnings.push('tool_choice was ignored: the request has no function tools');
    return { warnings };
  }
  const toolChoice = convertToolChoice(request.tool_choice, request.parallel_tool_calls === false, warnings);
  return toolChoice ? { tools, toolChoice, warnings } : { tools, warnings };
}

function convertTool(tool: NonNullable<ChatCompletionRequest['tools']>[number], at: string, warnings: string[]): AnthropicTool[] {
  if (tool.type !== 'function') {
    warnings.push(`${at}: tools of type "${tool.type}" are not supported by Anthropic and were dropped`);
    return [];
  }
  const parsed = functionToolSchema.safeParse(tool);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw anthropicRequestError({ param: [at, ...(issue?.path.map(String) ?? [])].join('.'), code: 'invalid_value', message: `Invalid function tool: ${issue?.message ?? 'invalid'}` });
  }
  const { function: definition, cache_control: cacheControl } = parsed.data;
  const parameters = definition.parameters ?? {};
  if (parameters['type'] !== undefined && parameters['type'] !== 'object') {
    throw anthropicRequestError({ param: `${at}.function.parameters.type`, code: 'invalid_value', message: 'Anthropic requires a tool\'s parameters to be a JSON Schema of type "object".' });
  }
  if (definition.strict) warnings.push(`${at}.function.strict: strict schema adherence is not enforced on Anthropic; the schema is sent as the tool's input_schema`);
  return [
    {
      name: definition.name,
      ...(definition.description ? { description: definition.description } : {}),
      input_schema: { ...(definition.parameters ? parameters : { properties: {} }), type: 'object' },
      ...(cacheControl ? { cache_control: cacheControl } : {}),
    },
  ];
}

function convertToolChoice(choice: ChatCompletionRequest['tool_choice'], singleCall: boolean, warnings: string[]): AnthropicToolChoice | undefined {
  const parallel = singleCall ? { disable_parallel_tool_use: true } : {};
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any', ...parallel };
  if (choice === 'auto') return { type: 'auto', ...parallel };
  if (choice !== undefined) {
    const named = namedToolChoiceSchema.safeParse(choice);
    if (named.success) return { type: 'tool', name: named.data.function.name, ...parallel };
    warnings.push(`tool_choice of type "${choice.type}" is not supported by Anthropic; the model chooses (auto)`);
  }
  return singleCall ? { type: 'auto', ...parallel } : undefined;
}
