import type { OpenAIShapedBatchApi } from '../openai/native-batch/openai-shaped-batch-api.ts';
import type { OpenAICompatiblePresetName } from './presets.ts';

/**
 * Vendors' sizes in decimal megabytes: the smaller reading of "MB", so a batch the gateway builds is
 * never refused for a unit the vendor did not spell out.
 */
const megabytes = (count: number): number => count * 1_000_000;

/**
 * The OpenAI-compatible vendors whose own batch API has OpenAI's shape (Files + Batches), as data for
 * `createOpenAINativeBatch`. Only what each vendor's documentation shows differs from OpenAI is set;
 * a preset missing here has no such API (Mistral's and Fireworks' batch APIs have shapes of their own;
 * Perplexity's batches run its Agent API, not Chat Completions).
 */
export const presetBatchApis: Partial<Record<OpenAICompatiblePresetName, OpenAIShapedBatchApi>> = {
  // OpenAI's Files and Batches under /openai/v1, chat only. The window may be 24h to 7d; the gateway
  // asks 24h, as of every provider. Batches are listed by `cursor` (`paging.next_cursor`), not `after`.
  // Files: up to 50,000 lines and 200MB.
  groq: {
    endpoints: { chat: '/v1/chat/completions' },
    listPagination: 'cursor',
    limits: { maxRequestsPerBatch: 50_000, maxBytesPerBatch: megabytes(200) },
    docs: 'https://console.groq.com/docs/batch',
  },
  // Lines are `{custom_id, body}`; the file is uploaded to /files/upload with purpose `batch-api` and
  // its name in `file_name`; the create names the model in `model_id` and answers `{job, warning}`;
  // statuses are upper-case (VALIDATING … CANCELLED; the SDK also knows CANCELING), timestamps ISO
  // 8601, the deadline `job_deadline`, a failure one `error` string; `GET /batches` answers a bare
  // array. Metadata is not in the create's reference, so a lost create is found by its input file.
  // Up to 50,000 requests and 100 MB per batch, chat only.
  together: {
    endpoints: { chat: '/v1/chat/completions' },
    inputLine: 'custom-id-and-body',
    upload: { path: '/files/upload', purpose: 'batch-api', filenameField: 'file_name', fields: { file_type: 'jsonl' } },
    create: { metadata: false, modelField: 'model_id', answerField: 'job' },
    statusAliases: { canceling: 'cancelling' },
    renamedFields: { job_deadline: 'expires_at' },
    listPagination: 'none',
    limits: { maxRequestsPerBatch: 50_000, maxBytesPerBatch: megabytes(100) },
    docs: 'https://docs.together.ai/docs/inference/batch/overview',
  },
  // Private preview: OpenAI's shape, chat only, with a `queued` status and `errors` that may be a
  // string. Up to 50,000 requests and 200 MB; it also asks for at least 10 requests a batch, which a
  // smaller batch learns as a failed validation.
  cerebras: {
    endpoints: { chat: '/v1/chat/completions' },
    statusAliases: { queued: 'in_progress' },
    limits: { maxRequestsPerBatch: 50_000, maxBytesPerBatch: megabytes(200) },
    docs: 'https://inference-docs.cerebras.ai/capabilities/batch',
  },
};
