import type { OperationName } from '../operations/operation.ts';
import type { BatchEndpoint } from './batch-line-formats.ts';

/**
 * The client API a request came in through: `chat` (OpenAI chat completions), `embeddings` (OpenAI
 * embeddings), `messages` (Anthropic Messages) or `responses` (OpenAI Responses). The formats are
 * translated at the edge into one internal pipeline, so this is the only trace of them in records,
 * usage and metrics. Stored in `requests.format`, a key of the usage rollups, a metrics label.
 */
export const requestFormats = ['chat', 'embeddings', 'messages', 'responses'] as const;
export type RequestFormat = (typeof requestFormats)[number];

/** A batch's lines are in the format of its endpoint: every endpoint a batch may name has one. */
const formatOfBatchEndpoint = {
  '/v1/chat/completions': 'chat',
  '/v1/embeddings': 'embeddings',
  '/v1/responses': 'responses',
  '/v1/messages': 'messages',
} as const satisfies Record<BatchEndpoint, RequestFormat>;

/** The format of a batch's lines, from the batch's endpoint; an unknown path is read as chat completions. */
export function formatOfEndpoint(endpoint: string): RequestFormat {
  return Object.hasOwn(formatOfBatchEndpoint, endpoint) ? formatOfBatchEndpoint[endpoint as BatchEndpoint] : 'chat';
}

/** The format of a job that names none (queued by an older build): the OpenAI API of its operation. */
export function formatOfOperation(operation: OperationName | undefined): RequestFormat {
  return operation === 'embeddings' ? 'embeddings' : 'chat';
}
