import { z } from 'zod';
import { ProviderError, parseRetryAfterMs } from '../../errors/provider-error.ts';
import type { WireErrorInput } from '../provider-client.ts';

/** @see https://platform.openai.com/docs/guides/error-codes */
export const openaiErrorBodySchema = z.looseObject({
  error: z.looseObject({
    message: z.string(),
    type: z.string().nullish(),
    param: z.string().nullish(),
    code: z.union([z.string(), z.number()]).nullish(),
  }),
});

export function parseOpenAIError(input: WireErrorInput): ProviderError {
  const parsed = openaiErrorBodySchema.safeParse(input.body);
  const detail = parsed.success ? parsed.data.error : undefined;
  // Compatible vendors sometimes answer their own shape ({"detail": …}); keep its text, bounded.
  const raw = typeof input.body === 'string' ? input.body : input.body === undefined || input.body === null ? '' : JSON.stringify(input.body);
  const fallbackMessage = raw.length > 0 ? raw.slice(0, 500) : `HTTP ${input.status}`;
  return new ProviderError({
    provider: input.provider,
    status: input.status,
    message: detail?.message ?? fallbackMessage,
    type: detail?.type ?? undefined,
    code: detail?.code === null || detail?.code === undefined ? undefined : String(detail.code),
    param: detail?.param ?? undefined,
    retryAfterMs: parseRetryAfterMs(input.headers),
  });
}
