import { z } from 'zod';

/**
 * The Gemini API's `generateContent` wire format (v1beta), as far as the gateway reads or writes it.
 * Response objects are loose: fields we do not model (safetyRatings, citationMetadata, …) are allowed.
 * @see https://ai.google.dev/api/generate-content
 * @see https://ai.google.dev/api/caching#Content
 */

const jsonObjectSchema = z.record(z.string(), z.unknown());

export const geminiPartSchema = z.looseObject({
  text: z.string().optional(),
  /** A thought summary (thinking models with `includeThoughts`), not answer text. */
  thought: z.boolean().optional(),
  /** Opaque; Gemini 3 requires it back on the function-call part it came with. */
  thoughtSignature: z.string().optional(),
  inlineData: z.looseObject({ mimeType: z.string(), data: z.string() }).optional(),
  fileData: z.looseObject({ mimeType: z.string().optional(), fileUri: z.string() }).optional(),
  functionCall: z.looseObject({ id: z.string().optional(), name: z.string(), args: jsonObjectSchema.optional() }).optional(),
  functionResponse: z.looseObject({ id: z.string().optional(), name: z.string(), response: jsonObjectSchema }).optional(),
});

export const geminiContentSchema = z.looseObject({
  role: z.enum(['user', 'model']).optional(),
  parts: z.array(geminiPartSchema).optional(),
});

export type GeminiPart = z.infer<typeof geminiPartSchema>;
export type GeminiContent = z.infer<typeof geminiContentSchema>;

/** @see https://ai.google.dev/api/generate-content#v1beta.GenerationConfig */
export interface GeminiGenerationConfig {
  stopSequences?: string[];
  responseMimeType?: string;
  /** JSON Schema (Gemini's supported subset); the alternative to the OpenAPI-style `responseSchema`. */
  responseJsonSchema?: Record<string, unknown>;
  candidateCount?: number;
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseLogprobs?: boolean;
  logprobs?: number;
}

/** @see https://ai.google.dev/api/caching#FunctionDeclaration */
export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  /** JSON Schema of the arguments; the alternative to the OpenAPI-style `parameters`. */
  parametersJsonSchema?: Record<string, unknown>;
}

/** @see https://ai.google.dev/api/caching#FunctionCallingConfig */
export interface GeminiToolConfig {
  functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] };
}

export interface GeminiGenerateContentRequest {
  contents: GeminiContent[];
  systemInstruction?: { parts: Array<{ text: string }> };
  tools?: Array<{ functionDeclarations: GeminiFunctionDeclaration[] }>;
  toolConfig?: GeminiToolConfig;
  generationConfig?: GeminiGenerationConfig;
}

const logprobsCandidateSchema = z.looseObject({ token: z.string().optional(), logProbability: z.number().optional() });

/** @see https://ai.google.dev/api/generate-content#LogprobsResult */
export const geminiLogprobsResultSchema = z.looseObject({
  topCandidates: z.array(z.looseObject({ candidates: z.array(logprobsCandidateSchema).optional() })).optional(),
  chosenCandidates: z.array(logprobsCandidateSchema).optional(),
});

export type GeminiLogprobsResult = z.infer<typeof geminiLogprobsResultSchema>;

const tokenCount = z.number().int().min(0);

/** @see https://ai.google.dev/api/generate-content#UsageMetadata */
export const geminiUsageMetadataSchema = z.looseObject({
  promptTokenCount: tokenCount.optional(),
  cachedContentTokenCount: tokenCount.optional(),
  candidatesTokenCount: tokenCount.optional(),
  toolUsePromptTokenCount: tokenCount.optional(),
  thoughtsTokenCount: tokenCount.optional(),
  totalTokenCount: tokenCount.optional(),
});

export type GeminiUsageMetadata = z.infer<typeof geminiUsageMetadataSchema>;

/** @see https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse */
export const geminiGenerateContentResponseSchema = z.looseObject({
  candidates: z
    .array(
      z.looseObject({
        content: geminiContentSchema.optional(),
        finishReason: z.string().optional(),
        finishMessage: z.string().optional(),
        index: z.number().int().min(0).optional(),
        logprobsResult: geminiLogprobsResultSchema.optional(),
      }),
    )
    .optional(),
  promptFeedback: z.looseObject({ blockReason: z.string().optional() }).optional(),
  usageMetadata: geminiUsageMetadataSchema.optional(),
  modelVersion: z.string().optional(),
  responseId: z.string().optional(),
});

export type GeminiGenerateContentResponse = z.infer<typeof geminiGenerateContentResponseSchema>;
export type GeminiCandidate = NonNullable<GeminiGenerateContentResponse['candidates']>[number];

/**
 * Google's error body (google.rpc.Status over HTTP). `details` carries typed messages such as
 * `google.rpc.RetryInfo` (`retryDelay: "34s"`) and `google.rpc.ErrorInfo` (`reason: "API_KEY_INVALID"`).
 * @see https://ai.google.dev/gemini-api/docs/troubleshooting
 */
export const geminiErrorBodySchema = z.looseObject({
  error: z.looseObject({
    code: z.number().int().optional(),
    message: z.string(),
    status: z.string().optional(),
    details: z.array(z.looseObject({ '@type': z.string().optional() })).optional(),
  }),
});

export type GeminiErrorBody = z.infer<typeof geminiErrorBodySchema>;
