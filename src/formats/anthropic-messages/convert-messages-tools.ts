import type { ChatCompletionRequest } from '../../providers/chat-completion-schemas.ts';
import { MessagesConversionRefusal } from './messages-conversion-refusal.ts';
import type { MessagesTool, MessagesToolChoice } from './messages-schemas.ts';

export type ChatToolSettings = Pick<ChatCompletionRequest, 'tools' | 'tool_choice' | 'parallel_tool_calls'>;

/** Tool fields this converter carries; any other one a client sets is reported as dropped. */
const carriedToolFields = new Set(['type', 'name', 'description', 'input_schema', 'strict', 'cache_control']);

/**
 * Anthropic client tools → OpenAI function tools (`parameters` = `input_schema`), and `tool_choice`:
 * `auto` → `"auto"`, `any` → `"required"`, `tool` → the named function, `none` → `"none"`, with
 * `disable_parallel_tool_use: true` as `parallel_tool_calls: false`. A tool's `cache_control` stays on
 * the function tool, where the gateway's Anthropic adapter reads it. Anthropic's own tools (web search,
 * bash, text editor, computer use …) are refused: no other provider knows them.
 * @see https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use
 */
export function convertMessagesTools(input: { tools?: readonly MessagesTool[] | undefined; toolChoice?: MessagesToolChoice | undefined }, warnings: string[]): ChatToolSettings {
  const settings: ChatToolSettings = {};
  if (input.tools && input.tools.length > 0) settings.tools = input.tools.map((tool, index) => functionTool(tool, `tools[${index}]`, warnings));
  const choice = input.toolChoice;
  if (choice === undefined) return settings;
  switch (choice.type) {
    case 'auto':
      settings.tool_choice = 'auto';
      break;
    case 'any':
      settings.tool_choice = 'required';
      break;
    case 'tool':
      settings.tool_choice = { type: 'function', function: { name: choice.name } };
      break;
    case 'none':
      settings.tool_choice = 'none';
      break;
  }
  if (choice.type !== 'none' && choice.disable_parallel_tool_use === true) settings.parallel_tool_calls = false;
  return settings;
}

function functionTool(tool: MessagesTool, at: string, warnings: string[]): NonNullable<ChatCompletionRequest['tools']>[number] {
  if (tool.type !== undefined && tool.type !== null && tool.type !== 'custom') {
    throw new MessagesConversionRefusal(
      `${at}.type`,
      `Anthropic's "${tool.type}" tool is not supported by the gateway, which can route the request to any provider; define it as a client tool (name, description, input_schema) instead.`,
    );
  }
  if (!tool.input_schema) throw new MessagesConversionRefusal(`${at}.input_schema`, 'A client tool needs an input_schema (a JSON Schema of type "object").');
  for (const field of Object.keys(tool)) {
    if (!carriedToolFields.has(field) && tool[field] !== undefined && tool[field] !== null) warnings.push(`${at}.${field} is not supported by the gateway and was dropped`);
  }
  return {
    type: 'function',
    function: {
      name: tool.name,
      ...(tool.description ? { description: tool.description } : {}),
      parameters: tool.input_schema,
      ...(typeof tool.strict === 'boolean' ? { strict: tool.strict } : {}),
    },
    ...(tool.cache_control ? { cache_control: tool.cache_control } : {}),
  };
}
