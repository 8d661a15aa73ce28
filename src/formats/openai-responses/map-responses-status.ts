/** Why a Response is `incomplete`. */
export type IncompleteDetails = {
  reason: 'max_output_tokens' | 'content_filter';
};

export interface ResponseOutcome {
  status: 'completed' | 'incomplete';
  incompleteDetails: IncompleteDetails | null;
}

/**
 * A chat `finish_reason` as a Response's status: `length` and `content_filter` end the answer early,
 * so the Response is `incomplete` with that reason; every other reason (`stop`, `tool_calls`, none)
 * completes it.
 * @see https://platform.openai.com/docs/api-reference/responses/object#responses/object-incomplete_details
 */
export function mapResponsesStatus(finishReason: string | null | undefined): ResponseOutcome {
  if (finishReason === 'length') return { status: 'incomplete', incompleteDetails: { reason: 'max_output_tokens' } };
  if (finishReason === 'content_filter') return { status: 'incomplete', incompleteDetails: { reason: 'content_filter' } };
  return { status: 'completed', incompleteDetails: null };
}
