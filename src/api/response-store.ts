import type pg from 'pg';
import type { ResponseInputItem, ResponseItem, ResponseObject, ResponsesRequest } from '../formats/openai-responses/index.ts';

/** A stored Response and what continues from it. */
export interface StoredResponse {
  response: ResponseObject;
  /** The Responses request as sent. */
  request: ResponsesRequest;
  /** The gateway request id of the call (a background response's async job). */
  requestId: string;
  inputItems: ResponseInputItem[];
  /** The conversation up to and including its output: a `previous_response_id` continues from here. */
  contextItems: ResponseItem[];
}

/**
 * Responses kept with `store: true`, per project (another project's id is not found); deleted ones are
 * gone for every read.
 */
export class ResponseStore {
  constructor(private readonly pool: pg.Pool) {}

  async load(projectId: string, id: string): Promise<StoredResponse | undefined> {
    const { rows } = await this.pool.query<{ response: ResponseObject; request: ResponsesRequest; request_id: string; input_items: ResponseInputItem[]; context_items: ResponseItem[] }>(
      'SELECT response, request, request_id, input_items, context_items FROM responses WHERE id = $1 AND project_id = $2 AND deleted_at IS NULL',
      [id, projectId],
    );
    const row = rows[0];
    return row ? { response: row.response, request: row.request, requestId: row.request_id, inputItems: row.input_items, contextItems: row.context_items } : undefined;
  }

  /** Written once per id: a retried write keeps the first. */
  async save(input: {
    projectId: string;
    apiKeyId: string;
    requestId: string;
    request: ResponsesRequest;
    response: ResponseObject;
    inputItems: ResponseInputItem[];
    history: readonly ResponseItem[];
    previousResponseId: string | null;
  }): Promise<void> {
    const contextItems = [...input.history, ...input.inputItems, ...input.response.output];
    await this.pool.query(
      `INSERT INTO responses (id, project_id, api_key_id, request_id, request, response, input_items, context_items, previous_response_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
      [
        input.response.id,
        input.projectId,
        input.apiKeyId,
        input.requestId,
        JSON.stringify(input.request),
        JSON.stringify(input.response),
        JSON.stringify(input.inputItems),
        JSON.stringify(contextItems),
        input.previousResponseId,
      ],
    );
  }

  /** A background response settled: its final object, and its output added to the conversation (once). */
  async settle(id: string, response: ResponseObject): Promise<void> {
    await this.pool.query(
      `UPDATE responses SET response = $2, context_items = context_items || $3::jsonb
       WHERE id = $1 AND response->>'status' IN ('queued', 'in_progress')`,
      [id, JSON.stringify(response), JSON.stringify(response.output)],
    );
  }

  async remove(projectId: string, id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('UPDATE responses SET deleted_at = now() WHERE id = $1 AND project_id = $2 AND deleted_at IS NULL', [id, projectId]);
    return (rowCount ?? 0) > 0;
  }
}
