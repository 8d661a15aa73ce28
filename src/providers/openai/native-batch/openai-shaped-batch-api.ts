import type { NativeBatchLimits, NativeBatchOperation } from '../../native-batch/native-batch-capability.ts';
import type { OpenAIBatchStatus } from './openai-batch-schemas.ts';

/**
 * How one vendor's Files + Batches API differs from OpenAI's, as data: the same capability
 * (`createOpenAINativeBatch`) serves OpenAI, Azure and every OpenAI-compatible vendor that has such an
 * API, each described by one of these. Only documented differences belong here; a field left out means
 * "as OpenAI does it".
 * @see https://platform.openai.com/docs/api-reference/batch
 */
export interface OpenAIShapedBatchApi {
  /**
   * The endpoint each operation's lines go to: the line's `url` and the batch's `endpoint`. An operation
   * missing here is one the vendor does not batch.
   */
  endpoints: Readonly<Partial<Record<NativeBatchOperation, string>>>;
  /**
   * The input line: OpenAI's `{custom_id, method, url, body}`, or `{custom_id, body}` where the vendor
   * documents only those two (the batch's `endpoint` then says where every line goes).
   * @defaultValue 'openai'
   */
  inputLine?: 'openai' | 'custom-id-and-body';
  upload?: OpenAIShapedFileUpload;
  create?: OpenAIShapedBatchCreate;
  /**
   * Status words (lower-cased) that are not OpenAI's, mapped onto OpenAI's. Status words are read
   * case-insensitively in any case: vendors' own examples mix `Validating` and `validating`.
   * @defaultValue none
   */
  statusAliases?: Readonly<Record<string, OpenAIBatchStatus>>;
  /** Batch object fields under another name (vendor name → OpenAI name). @defaultValue none */
  renamedFields?: Readonly<Record<string, string>>;
  /**
   * How `GET /batches` pages: OpenAI's `limit`/`after` with `has_more`; a `cursor` answered in
   * `paging.next_cursor`; or one answer with every batch (a bare array).
   * @defaultValue 'after'
   */
  listPagination?: 'after' | 'cursor' | 'none';
  /** Query parameters every call carries (Azure's `api-version`). @defaultValue none */
  query?: Readonly<Record<string, string>>;
  /** The documented limits of one batch. */
  limits: NativeBatchLimits;
  /** @see the vendor's batch documentation, where the differences above are documented */
  docs: string;
}

export interface OpenAIShapedFileUpload {
  /** The Files API's upload path, relative to the baseUrl. @defaultValue '/files' */
  path?: string;
  /** The `purpose` of a batch input file. @defaultValue 'batch' */
  purpose?: string;
  /** A multipart field that carries the file's name again (beside the file part's `filename`). @defaultValue none */
  filenameField?: string;
  /** Further fixed multipart fields. @defaultValue none */
  fields?: Readonly<Record<string, string>>;
}

export interface OpenAIShapedBatchCreate {
  /** The `completion_window` sent. @defaultValue '24h' */
  completionWindow?: string;
  /**
   * Whether the vendor keeps the batch's `metadata` (and answers it back): the gateway's part id goes
   * there, so a create whose answer was lost can be found by it. Without it, by the input file.
   * @defaultValue true
   */
  metadata?: boolean;
  /** A create field that names the model (every line's model, as the gateway sends one per batch). @defaultValue none */
  modelField?: string;
  /** The field of the create answer that holds the batch, where the answer wraps it. @defaultValue the answer is the batch */
  answerField?: string;
}

/** OpenAI's own Batch API. @see https://platform.openai.com/docs/guides/batch */
export const openAIBatchApi: OpenAIShapedBatchApi = {
  endpoints: { chat: '/v1/chat/completions', embeddings: '/v1/embeddings' },
  // 50,000 requests and a 200 MB input file. @see https://platform.openai.com/docs/guides/batch#rate-limits
  limits: { maxRequestsPerBatch: 50_000, maxBytesPerBatch: 200_000_000 },
  docs: 'https://platform.openai.com/docs/guides/batch',
};

/** The gateway's key in a batch's `metadata`: the id of the gateway's provider batch (its part). */
export const gatewayPartIdKey = 'gateway_part_id';
