import type { ChatCompletionRequest } from '../../chat-completion-schemas.ts';
import { convertJsonSchemaToGemini, droppedKeywordsWarning } from './convert-json-schema-to-gemini.ts';
import type { GeminiFunctionDeclaration, GeminiGenerateContentRequest, GeminiToolConfig } from './gemini-schemas.ts';

type ConvertedTools = Pick<GeminiGenerateContentRequest, 'tools' | 'toolConfig'>;

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function functionDeclaration(tool: NonNullable<ChatCompletionRequest['tools']>[number], param: string, warnings: string[]): GeminiFunctionDeclaration | undefined {
  if (tool.type !== 'function' || !tool.function) {
    warnings.push(`${param}: tools of type "${tool.type}" are not supported by Gemini; dropped`);
    return undefined;
  }
  const { name, description, parameters, strict } = tool.function;
  if (strict === true) warnings.push(`${param}.function.strict: Gemini has no strict function schemas; dropped`);
  const declaration: GeminiFunctionDeclaration = { name };
  if (typeof description === 'string') declaration.description = description;
  const schema = record(parameters);
  if (schema) {
    const converted = convertJsonSchemaToGemini(schema);
    declaration.parametersJsonSchema = converted.schema;
    const warning = droppedKeywordsWarning(`${param}.function.parameters`, converted.dropped);
    if (warning) warnings.push(warning);
  }
  return declaration;
}

function toolConfig(toolChoice: ChatCompletionRequest['tool_choice'], warnings: string[]): GeminiToolConfig | undefined {
  if (toolChoice === undefined) return undefined;
  if (toolChoice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (toolChoice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (toolChoice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  const name = record(toolChoice['function'])?.['name'];
  if (toolChoice.type === 'function' && typeof name === 'string') {
    return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [name] } };
  }
  warnings.push(`tool_choice: type "${toolChoice.type}" is not supported by Gemini; dropped`);
  return undefined;
}

/**
 * OpenAI `tools` and `tool_choice` → Gemini `tools[].functionDeclarations` and
 * `toolConfig.functionCallingConfig`. Parameters go as `parametersJsonSchema` (JSON Schema, restricted
 * to the keywords Gemini supports) rather than the OpenAPI-style `parameters`.
 * @see https://ai.google.dev/gemini-api/docs/function-calling
 */
export function convertToGeminiTools(request: ChatCompletionRequest, warnings: string[]): ConvertedTools {
  const declarations = (request.tools ?? []).map((tool, index) => functionDeclaration(tool, `tools[${index}]`, warnings)).filter((declaration) => declaration !== undefined);
  // Gemini always may call functions in parallel; only an explicit `false` asks for what it cannot do.
  if (request.parallel_tool_calls === false) warnings.push('parallel_tool_calls: Gemini cannot disable parallel function calls; dropped');
  const config = toolConfig(request.tool_choice, warnings);
  return {
    ...(declarations.length > 0 ? { tools: [{ functionDeclarations: declarations }] } : {}),
    ...(config ? { toolConfig: config } : {}),
  };
}
