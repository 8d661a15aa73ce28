import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { presetBatchApis } from '../../openai-compatible/preset-batch-apis.ts';
import { azureBatchApi } from '../../azure/native-batch/azure-batch-api.ts';
import { convertToOpenAIShapedBatchLine, readOpenAIShapedBatch, readOpenAIShapedBatchList } from './convert-openai-shaped-batch.ts';
import { mapOpenAIBatchStatus } from './map-openai-batch-status.ts';
import { openAIBatchApi, type OpenAIShapedBatchApi } from './openai-shaped-batch-api.ts';

/** The vendors' own examples (their docs' create, retrieve and list answers). */
const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../__fixtures__/${name}`, import.meta.url), 'utf8'));
const api = (name: 'groq' | 'together' | 'cerebras'): OpenAIShapedBatchApi => presetBatchApis[name] as OpenAIShapedBatchApi;

describe('readOpenAIShapedBatch', () => {
  it('reads OpenAI’s own Batch object unchanged', () => {
    const batch = fixture('batch.json');
    expect(readOpenAIShapedBatch(batch, openAIBatchApi)).toEqual({ ok: true, batch, providerStatus: 'completed' });
  });

  it('reads Together’s job: upper-case status, ISO times, `job_deadline` as `expires_at`', () => {
    const answer = fixture('together-batch-create.json') as { job: unknown };
    const read = readOpenAIShapedBatch(answer.job, api('together'));
    expect(read).toMatchObject({
      ok: true,
      providerStatus: 'IN_PROGRESS',
      batch: {
        id: '01234567-8901-2345-6789-012345678901',
        object: 'batch',
        status: 'in_progress',
        input_file_id: 'file-input123abc456def',
        created_at: Date.parse('2024-01-15T14:30:00Z') / 1000,
        expires_at: Date.parse('2024-01-15T15:30:00Z') / 1000,
        completed_at: Date.parse('2024-01-15T15:45:30Z') / 1000,
        output_file_id: 'file-output789xyz012ghi',
        errors: null,
      },
    });
    expect(readOpenAIShapedBatch({ ...(answer.job as object), status: 'FAILED', error: 'Input file is invalid' }, api('together'))).toMatchObject({
      ok: true,
      batch: { status: 'failed', errors: { data: [{ message: 'Input file is invalid' }] } },
    });
    expect(readOpenAIShapedBatch({ ...(answer.job as object), status: 'CANCELING' }, api('together'))).toMatchObject({ ok: true, batch: { status: 'cancelling' } });
  });

  it('reads Azure’s example: a capitalised status, ISO times and counts left null', () => {
    const read = readOpenAIShapedBatch(fixture('azure-batch-validating.json'), azureBatchApi('2024-10-21'));
    expect(read).toMatchObject({
      ok: true,
      providerStatus: 'Validating',
      batch: { status: 'validating', created_at: Math.floor(Date.parse('2024-07-19T17:13:57.249Z') / 1000), request_counts: { total: 0, completed: 0, failed: 0 } },
    });
  });

  it('reads Groq’s `errors` given as a bare list', () => {
    const read = readOpenAIShapedBatch(fixture('groq-batch-completed.json'), api('groq'));
    if (!read.ok) throw new Error(read.message);
    expect(mapOpenAIBatchStatus(read.batch)).toEqual({
      state: 'finished',
      raw: 'completed',
      fileIdsToRead: ['file_01jh6xa97be52b7pg88czwrrwb', 'file_01jh6xa9cte52a5xjnmnt5y0je'],
      errors: ["invalid_method: Invalid value: 'GET'. Supported values are: 'POST' (line 4)"],
    });
  });

  it('reads Cerebras’s `queued` status, `errors` as a string, and keeps only string metadata', () => {
    const list = readOpenAIShapedBatchList(fixture('cerebras-batch-list.json'), api('cerebras'));
    if (!list.ok) throw new Error(list.message);
    const [failed, queued] = list.entries.map((entry) => readOpenAIShapedBatch(entry, api('cerebras')));
    expect(failed).toMatchObject({ ok: true, batch: { status: 'failed', errors: { data: [{ message: expect.stringContaining('is not supported for batch processing') }] } } });
    expect(queued).toMatchObject({ ok: true, providerStatus: 'queued', batch: { status: 'in_progress', metadata: {} } });
  });

  it('refuses an unknown status and a body that is no batch, without throwing', () => {
    expect(readOpenAIShapedBatch({ ...(fixture('batch.json') as object), status: 'paused' }, openAIBatchApi)).toEqual({ ok: false, message: 'unknown batch status "paused"' });
    expect(readOpenAIShapedBatch({ ...(fixture('batch.json') as object), status: 'queued' }, openAIBatchApi)).toMatchObject({ ok: false });
    expect(readOpenAIShapedBatch('nope', openAIBatchApi)).toMatchObject({ ok: false });
    expect(readOpenAIShapedBatch({ status: 'completed' }, openAIBatchApi)).toMatchObject({ ok: false, message: expect.stringContaining('unexpected batch object') });
  });
});

describe('readOpenAIShapedBatchList', () => {
  it('pages OpenAI’s list by `after`, Groq’s by `cursor`, and reads Together’s bare array whole', () => {
    expect(readOpenAIShapedBatchList({ object: 'list', data: [{ id: 'b1' }, { id: 'b2' }], has_more: true, last_id: 'b2' }, openAIBatchApi)).toEqual({
      ok: true,
      entries: [{ id: 'b1' }, { id: 'b2' }],
      next: { after: 'b2' },
    });
    expect(readOpenAIShapedBatchList({ object: 'list', data: [{ id: 'b1' }], has_more: false }, openAIBatchApi)).toEqual({ ok: true, entries: [{ id: 'b1' }] });
    expect(readOpenAIShapedBatchList({ object: 'list', data: [{ id: 'b1' }], paging: { next_cursor: 'cursor_abc' } }, api('groq'))).toEqual({
      ok: true,
      entries: [{ id: 'b1' }],
      next: { cursor: 'cursor_abc' },
    });
    expect(readOpenAIShapedBatchList({ object: 'list', data: [], paging: {} }, api('groq'))).toEqual({ ok: true, entries: [] });
    expect(readOpenAIShapedBatchList([{ id: 'j1' }], api('together'))).toEqual({ ok: true, entries: [{ id: 'j1' }] });
    expect(readOpenAIShapedBatchList({ error: 'x' }, openAIBatchApi)).toMatchObject({ ok: false });
  });
});

describe('convertToOpenAIShapedBatchLine', () => {
  it('writes OpenAI’s four fields, or `custom_id` and `body` alone where the vendor documents only those', () => {
    const body = { model: 'm', messages: [] };
    expect(convertToOpenAIShapedBatchLine({ api: openAIBatchApi, operation: 'embeddings', customId: 'a', body })).toEqual({ custom_id: 'a', method: 'POST', url: '/v1/embeddings', body });
    expect(convertToOpenAIShapedBatchLine({ api: azureBatchApi('2024-10-21'), operation: 'chat', customId: 'a', body })).toEqual({ custom_id: 'a', method: 'POST', url: '/chat/completions', body });
    expect(convertToOpenAIShapedBatchLine({ api: api('together'), operation: 'chat', customId: 'a', body })).toEqual({ custom_id: 'a', body });
  });
});
