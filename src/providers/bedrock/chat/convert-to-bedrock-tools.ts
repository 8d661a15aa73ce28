import { z } from 'zod';
import type { ChatCompletionRequest } from '../../chat-completion-schemas.ts';
import { bedrockRequestError } from '../bedrock-request-error.ts';
import type { BedrockConverseRequest, BedrockMessage, BedrockTool, BedrockToolChoice } from '../bedrock-wire-schemas.ts';

const functionToolSchema = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().min(1),
    description: z.string().nullish(),
    parameters: z.record(z.string(), z.unknown()).nullish(),
    strict: z.boolean().nullish(),
  }),
  /** Not OpenAI's: an Anthropic prompt-caching breakpoint some clients put on a tool; a cache point follows it. */
  cache_control: z.unknown().optional(),
});

const namedToolChoiceSchema = z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string().min(1) }) });

export interface BedrockToolSettings {
  toolConfig?: NonNullable<BedrockConverseRequest['toolConfig']>;
  warnings: string[];
}

/**
 * OpenAI `tools` and `tool_choice` → Converse's `toolConfig` (`toolSpec`s with their JSON Schema in
 * `inputSchema.json`; `auto`, `any` or a named `tool`). Converse has no `none`: the tools are left out,
 * unless the conversation already holds tool calls or results, which Bedrock refuses without a
 * `toolConfig`; then they stay, the model may call them, and a warning says so.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ToolConfiguration.html
 */
export function convertToBedrockTools(request: Pick<ChatCompletionRequest, 'tools' | 'tool_choice' | 'parallel_tool_calls'>, messages: readonly BedrockMessage[]): BedrockToolSettings {
  const warnings: string[] = [];
  const tools = (request.tools ?? []).flatMap((tool, index) => convertTool(tool, `tools[${index}]`, warnings));
  if (tools.length === 0) {
    if (request.tool_choice !== undefined && request.tool_choice !== 'none') warnings.push('tool_choice was ignored: the request has no function tools');
    return { warnings };
  }
  if (request.parallel_tool_calls === false) warnings.push('parallel_tool_calls false is not supported by Bedrock Converse and was dropped');
  if (request.tool_choice === 'none') {
    const holdsToolBlocks = messages.some((message) => message.content.some((block) => 'toolUse' in block || 'toolResult' in block));
    if (!holdsToolBlocks) return { warnings };
    warnings.push('tool_choice "none" has no Bedrock counterpart and the conversation holds tool calls, so the tools were sent: the model may call them');
    return { toolConfig: { tools }, warnings };
  }
  const toolChoice = convertToolChoice(request.tool_choice, warnings);
  return { toolConfig: toolChoice ? { tools, toolChoice } : { tools }, warnings };
}

function convertTool(tool: NonNullable<ChatCompletionRequest['tools']>[number], at: string, warnings: string[]): BedrockTool[] {
  if (tool.type !== 'function') {
    warnings.push(`${at}: tools of type "${tool.type}" are not supported by Bedrock and were dropped`);
    return [];
  }
  const parsed = functionToolSchema.safeParse(tool);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw bedrockRequestError({ param: [at, ...(issue?.path.map(String) ?? [])].join('.'), code: 'invalid_value', message: `Invalid function tool: ${issue?.message ?? 'invalid'}` });
  }
  const definition = parsed.data.function;
  const cached = parsed.data.cache_control !== undefined && parsed.data.cache_control !== null;
  if (definition.strict) warnings.push(`${at}.function.strict: strict schema adherence is not enforced on Bedrock; the schema is sent as the tool's inputSchema`);
  return [
    {
      toolSpec: {
        name: definition.name,
        ...(definition.description ? { description: definition.description } : {}),
        inputSchema: { json: definition.parameters ?? { type: 'object', properties: {} } },
      },
    },
    ...(cached ? [{ cachePoint: { type: 'default' as const } }] : []),
  ];
}

function convertToolChoice(choice: ChatCompletionRequest['tool_choice'], warnings: string[]): BedrockToolChoice | undefined {
  if (choice === 'required') return { any: {} };
  if (choice === 'auto') return { auto: {} };
  if (choice === undefined || choice === 'none') return undefined;
  const named = namedToolChoiceSchema.safeParse(choice);
  if (named.success) return { tool: { name: named.data.function.name } };
  warnings.push(`tool_choice of type "${choice.type}" is not supported by Bedrock; the model chooses (auto)`);
  return undefined;
}
