import { z } from 'zod';
import type { ChatCompletionRequest } from '../../providers/chat-completion-schemas.ts';
import { UntranslatableResponsesRequest } from './openai-responses-errors.ts';
import type { ResponsesFunctionTool, ResponsesRequest, ResponsesTool } from './responses-schemas.ts';

type ChatTool = NonNullable<ChatCompletionRequest['tools']>[number];
type ChatToolChoice = NonNullable<ChatCompletionRequest['tool_choice']>;

export interface ConvertedTools {
  tools: ChatTool[] | undefined;
  toolChoice: ChatToolChoice | undefined;
}

const functionChoiceSchema = z.looseObject({ type: z.literal('function'), name: z.string().min(1) });
const allowedToolsChoiceSchema = z.looseObject({
  type: z.literal('allowed_tools'),
  mode: z.enum(['auto', 'required']),
  tools: z.array(z.looseObject({ type: z.string(), name: z.string().optional() })),
});

/** The schema refuses `type: "function"` for every other tool shape, so the type says which one it is. */
export function isFunctionTool(tool: ResponsesTool): tool is ResponsesFunctionTool {
  return tool.type === 'function';
}

/** A Responses function tool (flat: `name`, `parameters` … beside `type`) as a chat tool (nested under `function`). */
function chatTool(tool: ResponsesFunctionTool): ChatTool {
  return {
    type: 'function',
    function: {
      name: tool.name,
      ...(tool.description == null ? {} : { description: tool.description }),
      ...(tool.parameters == null ? {} : { parameters: tool.parameters }),
      ...(tool.strict == null ? {} : { strict: tool.strict }),
    },
  };
}

/** The function tools of a request; any other tool type (web search, file search, MCP …) is refused. */
export function functionTools(tools: ResponsesRequest['tools']): ResponsesFunctionTool[] {
  return (tools ?? []).map((tool, index) => {
    if (isFunctionTool(tool)) return tool;
    throw new UntranslatableResponsesRequest(
      `Tools of type "${tool.type}" are not supported: the gateway runs the request on any provider through chat completions, which call function tools only (type "function").`,
      `tools[${index}].type`,
    );
  });
}

/**
 * Responses tools and `tool_choice` → chat tools and `tool_choice`. `allowed_tools` becomes the chat
 * tool list narrowed to the allowed functions with its mode as the choice, which every provider can
 * run; a choice of a hosted tool is refused like the tool itself.
 * @see https://platform.openai.com/docs/api-reference/responses/create#responses-create-tool_choice
 */
export function convertResponsesTools(request: Pick<ResponsesRequest, 'tools' | 'tool_choice'>, warnings: string[]): ConvertedTools {
  let tools = functionTools(request.tools);
  // OpenAI's Responses API makes an omitted `strict` strict (normalizing the schema); chat calls such tools non-strict.
  if (tools.some((tool) => tool.strict == null)) {
    warnings.push('tools[].strict: omitted, so the functions are called non-strict as in chat completions (OpenAI\'s Responses API would make them strict); set "strict": true for strict schemas');
  }
  const choice = request.tool_choice;
  let toolChoice: ChatToolChoice | undefined;
  if (choice == null) {
    toolChoice = undefined;
  } else if (typeof choice === 'string') {
    toolChoice = choice;
  } else if (choice.type === 'function') {
    const parsed = functionChoiceSchema.safeParse(choice);
    if (!parsed.success) throw new UntranslatableResponsesRequest('tool_choice of type "function" needs the function\'s "name".', 'tool_choice.name');
    toolChoice = { type: 'function', function: { name: parsed.data.name } };
  } else if (choice.type === 'allowed_tools') {
    const parsed = allowedToolsChoiceSchema.safeParse(choice);
    if (!parsed.success) throw new UntranslatableResponsesRequest('tool_choice of type "allowed_tools" needs "mode" (auto or required) and "tools".', 'tool_choice');
    const allowed = new Set(
      parsed.data.tools.map((tool, index) => {
        if (tool.type === 'function' && tool.name) return tool.name;
        throw new UntranslatableResponsesRequest(`Allowed tools of type "${tool.type}" are not supported: the gateway calls function tools only.`, `tool_choice.tools[${index}]`);
      }),
    );
    tools = tools.filter((tool) => allowed.has(tool.name));
    toolChoice = parsed.data.mode;
  } else {
    throw new UntranslatableResponsesRequest(`tool_choice of type "${choice.type}" is not supported: the gateway calls function tools only.`, 'tool_choice.type');
  }
  return { tools: tools.length > 0 ? tools.map(chatTool) : undefined, toolChoice };
}
