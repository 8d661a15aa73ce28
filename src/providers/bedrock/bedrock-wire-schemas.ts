import { z } from 'zod';

/**
 * Amazon Bedrock's Converse API on the wire (REST-JSON, camelCase). Request types are written as
 * TypeScript (the gateway builds them); responses and stream events as loose zod schemas (Bedrock pads
 * stream events with a `p` field and adds members over time).
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ContentBlock.html
 */
export type BedrockImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';
export type BedrockDocumentFormat = 'pdf' | 'csv' | 'doc' | 'docx' | 'xls' | 'xlsx' | 'html' | 'txt' | 'md';

export type BedrockImageBlock = { image: { format: BedrockImageFormat; source: { bytes: string } } };
export type BedrockDocumentBlock = { document: { format: BedrockDocumentFormat; name: string; source: { bytes: string } } };
export type BedrockToolUseBlock = { toolUse: { toolUseId: string; name: string; input: unknown } };
export type BedrockToolResultContent = { text: string } | { json: unknown } | BedrockImageBlock | BedrockDocumentBlock;
export type BedrockToolResultBlock = { toolResult: { toolUseId: string; content: BedrockToolResultContent[]; status?: 'success' | 'error' } };
export type BedrockReasoningBlock = { reasoningContent: { reasoningText: { text: string; signature?: string } } | { redactedContent: string } };

/** A prompt-caching checkpoint: everything before it (system, tools or messages) is cached. */
export type BedrockCachePoint = { cachePoint: { type: 'default' } };

export type BedrockContentBlock = { text: string } | BedrockImageBlock | BedrockDocumentBlock | BedrockToolUseBlock | BedrockToolResultBlock | BedrockReasoningBlock | BedrockCachePoint;

export interface BedrockMessage {
  role: 'user' | 'assistant';
  content: BedrockContentBlock[];
}

export type BedrockTool = { toolSpec: { name: string; description?: string; inputSchema: { json: Record<string, unknown> } } } | BedrockCachePoint;

export type BedrockToolChoice = { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } };

export type BedrockSystemBlock = { text: string } | BedrockCachePoint;

export interface BedrockInferenceConfig {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
}

export interface BedrockConverseRequest {
  messages: BedrockMessage[];
  system?: BedrockSystemBlock[];
  inferenceConfig?: BedrockInferenceConfig;
  toolConfig?: { tools: BedrockTool[]; toolChoice?: BedrockToolChoice };
  /** Model-specific fields Converse does not model (Anthropic's `top_k`, `thinking`), passed to the model. */
  additionalModelRequestFields?: Record<string, unknown>;
  /** Key-value pairs kept with the invocation's log entry. */
  requestMetadata?: Record<string, string>;
}

const imageSchema = z.looseObject({ format: z.string(), source: z.looseObject({ bytes: z.string().optional() }) });

export const bedrockResponseBlockSchema = z.looseObject({
  text: z.string().optional(),
  image: imageSchema.optional(),
  toolUse: z.looseObject({ toolUseId: z.string(), name: z.string(), input: z.unknown() }).optional(),
  reasoningContent: z
    .looseObject({
      reasoningText: z.looseObject({ text: z.string(), signature: z.string().optional() }).optional(),
      redactedContent: z.string().optional(),
    })
    .optional(),
});

export type BedrockResponseBlock = z.infer<typeof bedrockResponseBlockSchema>;

/** @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html */
export const bedrockUsageSchema = z.looseObject({
  inputTokens: z.number().int().min(0),
  outputTokens: z.number().int().min(0),
  totalTokens: z.number().int().min(0).optional(),
  cacheReadInputTokens: z.number().int().min(0).nullish(),
  cacheWriteInputTokens: z.number().int().min(0).nullish(),
});

export type BedrockUsage = z.infer<typeof bedrockUsageSchema>;

export const bedrockConverseResponseSchema = z.looseObject({
  output: z.looseObject({
    message: z.looseObject({ role: z.literal('assistant'), content: z.array(bedrockResponseBlockSchema) }),
  }),
  stopReason: z.string(),
  usage: bedrockUsageSchema.optional(),
  metrics: z.looseObject({ latencyMs: z.number() }).optional(),
  additionalModelResponseFields: z.unknown().optional(),
});

export type BedrockConverseResponse = z.infer<typeof bedrockConverseResponseSchema>;

/**
 * ConverseStream's events, one schema per `:event-type`, each the body of one event-stream message.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStreamOutput.html
 */
export const bedrockStreamEventSchemas = {
  messageStart: z.looseObject({ role: z.string() }),
  contentBlockStart: z.looseObject({
    contentBlockIndex: z.number().int().min(0),
    start: z.looseObject({ toolUse: z.looseObject({ toolUseId: z.string(), name: z.string() }).optional() }),
  }),
  contentBlockDelta: z.looseObject({
    contentBlockIndex: z.number().int().min(0),
    delta: z.looseObject({
      text: z.string().optional(),
      toolUse: z.looseObject({ input: z.string() }).optional(),
      reasoningContent: z.looseObject({ text: z.string().optional(), signature: z.string().optional(), redactedContent: z.string().optional() }).optional(),
    }),
  }),
  contentBlockStop: z.looseObject({ contentBlockIndex: z.number().int().min(0) }),
  messageStop: z.looseObject({ stopReason: z.string(), additionalModelResponseFields: z.unknown().optional() }),
  metadata: z.looseObject({ usage: bedrockUsageSchema.optional(), metrics: z.looseObject({ latencyMs: z.number() }).optional() }),
} as const;

export type BedrockStreamEventType = keyof typeof bedrockStreamEventSchemas;
export type BedrockStreamEvent<Type extends BedrockStreamEventType> = z.infer<(typeof bedrockStreamEventSchemas)[Type]>;

/** An error body: `{"message": …}` (some services spell it `Message`), the type in `x-amzn-errortype`. */
export const bedrockErrorBodySchema = z.looseObject({ message: z.string().optional(), Message: z.string().optional(), __type: z.string().optional() });
