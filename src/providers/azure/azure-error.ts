import { z } from 'zod';
import { parseOpenAIError } from '../openai/openai-error.ts';
import { ProviderError } from '../../errors/provider-error.ts';
import type { WireErrorInput } from '../provider-client.ts';

const innerErrorSchema = z.looseObject({
  code: z.string().nullish(),
  // The service sends `content_filter_result`; the 2024-10-21 spec names it `content_filter_results`.
  content_filter_result: z.record(z.string(), z.unknown()).optional(),
  content_filter_results: z.record(z.string(), z.unknown()).optional(),
});

const azureErrorBodySchema = z.looseObject({
  error: z.looseObject({ innererror: innerErrorSchema.optional(), inner_error: innerErrorSchema.optional() }),
});

/** API Management in front of a resource answers its own shape, e.g. a wrong key or endpoint. */
const managementErrorBodySchema = z.looseObject({ statusCode: z.number(), message: z.string() });

/**
 * Azure's errors are OpenAI's shape with Azure's own codes (`content_filter`, `DeploymentNotFound`,
 * `429`…), kept verbatim. A prompt stopped by the content filter is a 400 `content_filter`: never retried,
 * and the filtered categories are added to the message, since the OpenAI error shape has no room for
 * Azure's `innererror`.
 * @see https://learn.microsoft.com/azure/ai-services/openai/concepts/content-filter
 */
export function parseAzureError(input: WireErrorInput): ProviderError {
  const management = managementErrorBodySchema.safeParse(input.body);
  const base = parseOpenAIError(management.success ? { ...input, body: { error: { message: management.data.message } } } : input);
  const parsed = azureErrorBodySchema.safeParse(input.body);
  const inner = parsed.success ? (parsed.data.error.innererror ?? parsed.data.error.inner_error) : undefined;
  const filtered = filteredCategories(inner?.content_filter_result ?? inner?.content_filter_results);
  const contentFiltered = base.code === 'content_filter' || inner?.code === 'ResponsibleAIPolicyViolation';
  if (!contentFiltered && filtered.length === 0) return base;
  return new ProviderError({
    provider: base.provider,
    status: base.status,
    code: base.code ?? 'content_filter',
    type: base.type,
    param: base.param,
    message: filtered.length > 0 ? `${base.message} [content filter: ${filtered.join(', ')}]` : base.message,
    retryable: false,
    retryAfterMs: base.retryAfterMs,
  });
}

/** `hate (medium)`, `jailbreak`: the categories marked `filtered: true`. */
function filteredCategories(results: Record<string, unknown> | undefined): string[] {
  if (!results) return [];
  return Object.entries(results).flatMap(([category, result]) => {
    if (typeof result !== 'object' || result === null || !('filtered' in result) || result.filtered !== true) return [];
    const severity = 'severity' in result && typeof result.severity === 'string' ? ` (${result.severity})` : '';
    return [`${category}${severity}`];
  });
}
