/**
 * The batch endpoints the CLI knows: what `batch submit --endpoint` accepts, the `url` of every line it
 * builds or checks, and the batch's `endpoint`. A batch's lines all go to its endpoint, as OpenAI's do.
 * A new endpoint is an entry here; nothing else in the CLI names one.
 */

export const batchEndpointUrls = ['/v1/chat/completions', '/v1/embeddings'] as const;
export type BatchEndpointUrl = (typeof batchEndpointUrls)[number];

/** What a batch is for when `--endpoint` is not given. */
export const defaultBatchEndpoint: BatchEndpointUrl = '/v1/chat/completions';

/** The `batch submit` flags that shape the request built from a text, and so belong to some endpoints only. */
export const textRequestFlags = ['--system', '--dimensions'] as const;
export type TextRequestFlag = (typeof textRequestFlags)[number];

export interface TextRequestOptions {
  model: string;
  system?: string | undefined;
  dimensions?: number | undefined;
}

export interface BatchEndpoint {
  url: BatchEndpointUrl;
  /** What a line's body is, in messages: "the chat completion request". */
  bodyName: string;
  /** What texts become, in messages: "chat requests". */
  textRequestsName: string;
  /** What `--model` does for texts, in messages: "answer them". */
  modelRole: string;
  /** The text flags this endpoint takes; the others are refused, not dropped. */
  textFlags: readonly TextRequestFlag[];
  /** Whether an empty text is a request (a chat turn may be empty; an embedding input may not). */
  acceptsEmptyText: boolean;
  /** The body of the line built from one text. */
  textBody(text: string, options: TextRequestOptions): Record<string, unknown>;
}

export const batchEndpoints: Readonly<Record<BatchEndpointUrl, BatchEndpoint>> = {
  '/v1/chat/completions': {
    url: '/v1/chat/completions',
    bodyName: 'the chat completion request',
    textRequestsName: 'chat requests',
    modelRole: 'answer them',
    textFlags: ['--system'],
    acceptsEmptyText: true,
    textBody: (text, { model, system }) => ({
      model,
      messages: [...(system === undefined ? [] : [{ role: 'system', content: system }]), { role: 'user', content: text }],
    }),
  },
  '/v1/embeddings': {
    url: '/v1/embeddings',
    bodyName: 'the embeddings request',
    textRequestsName: 'embeddings requests',
    modelRole: 'embed them',
    textFlags: ['--dimensions'],
    acceptsEmptyText: false,
    textBody: (text, { model, dimensions }) => ({ model, input: text, ...(dimensions === undefined ? {} : { dimensions }) }),
  },
};

export function isBatchEndpointUrl(value: unknown): value is BatchEndpointUrl {
  return typeof value === 'string' && (batchEndpointUrls as readonly string[]).includes(value);
}

/** The endpoints that take a text flag, for the message refusing it elsewhere. */
export function endpointsTaking(flag: TextRequestFlag): BatchEndpointUrl[] {
  return batchEndpointUrls.filter((url) => batchEndpoints[url].textFlags.includes(flag));
}
