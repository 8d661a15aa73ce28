import { createHash, randomBytes } from 'node:crypto';

/** Prefixes of the ids OpenAI gives responses and their items (`resp_…`, `msg_…`, `fc_…`, `rs_…`). */
export type ItemIdPrefix = 'msg' | 'fc' | 'fco' | 'rs' | 'call';

/** A new response id, shaped as OpenAI's: `resp_` and 48 hex digits. */
export function newResponseId(): string {
  return `resp_${randomBytes(24).toString('hex')}`;
}

/**
 * The id of an item of a response, derived from the response's id and the item's place: the same
 * item gets the same id whether the answer was streamed or not, so the items a stream announced are
 * the items stored for `previous_response_id` and `GET /v1/responses/{id}`.
 * @param place `out:<output index>` for an output item, `in:<input index>` for an input item.
 */
export function derivedItemId(prefix: ItemIdPrefix, responseId: string, place: string): string {
  return `${prefix}_${createHash('sha256').update(`${responseId}\n${place}`).digest('hex').slice(0, 48)}`;
}

/** The id of output item `outputIndex` of response `responseId`. */
export function outputItemId(prefix: ItemIdPrefix, responseId: string, outputIndex: number): string {
  return derivedItemId(prefix, responseId, `out:${outputIndex}`);
}
