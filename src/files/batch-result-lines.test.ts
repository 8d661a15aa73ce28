import { describe, expect, it } from 'vitest';
import { errorType, formatErrorLine, formatOutputLine, type BatchResultRow } from './batch-result-lines.ts';
import { describeFileProblem } from './file-problem.ts';
import { nextPageRows } from './file-content-stream.ts';
import { newFileId } from './file-record.ts';

const base: BatchResultRow = {
  id: 'req_1',
  customId: 'task-1',
  status: 'completed',
  statusCode: 200,
  responseJson: '{"id": "chatcmpl-1", "object": "chat.completion"}',
  errorCode: null,
  errorMessage: null,
};

describe('batch output and error lines', () => {
  it('formats an output line in OpenAI’s shape, splicing the stored response', () => {
    expect(JSON.parse(formatOutputLine(base))).toEqual({
      id: 'req_1',
      custom_id: 'task-1',
      response: { status_code: 200, request_id: 'req_1', body: { id: 'chatcmpl-1', object: 'chat.completion' } },
      error: null,
    });
  });

  it('formats a provider HTTP failure with the response and the error', () => {
    const line = JSON.parse(formatErrorLine({ ...base, status: 'failed', statusCode: 400, responseJson: null, errorCode: 'invalid_value', errorMessage: 'bad temperature' }));
    expect(line).toEqual({
      id: 'req_1',
      custom_id: 'task-1',
      response: {
        status_code: 400,
        request_id: 'req_1',
        body: { error: { message: 'bad temperature', type: 'invalid_request_error', param: null, code: 'invalid_value' } },
      },
      error: { code: 'invalid_value', message: 'bad temperature' },
    });
  });

  it('gives requests that never ran OpenAI’s codes and no response', () => {
    const expired = JSON.parse(formatErrorLine({ ...base, status: 'expired', statusCode: null, responseJson: null }));
    expect(expired).toMatchObject({ response: null, error: { code: 'batch_expired' } });
    const cancelled = JSON.parse(formatErrorLine({ ...base, status: 'cancelled', statusCode: null, responseJson: null }));
    expect(cancelled).toMatchObject({ response: null, error: { code: 'batch_cancelled' } });
  });

  it('maps error types from our codes, else from the status', () => {
    expect(errorType('provider_rate_limited', 429)).toBe('rate_limit_error');
    expect(errorType('provider_error', 502)).toBe('api_error');
    expect(errorType('invalid_api_key_upstream', 401)).toBe('authentication_error');
    expect(errorType('whatever', 503)).toBe('server_error');
  });
});

describe('small helpers', () => {
  it('describes problems naming lines, or other labels', () => {
    const detail = { kind: 'invalid' as const, lineNumber: 3, firstSeenOnLine: 1, reason: "custom_id 'x' is duplicated" };
    expect(describeFileProblem(detail)).toBe("line 3: custom_id 'x' is duplicated (first seen on line 1)");
    expect(describeFileProblem(detail, (n) => `requests[${n - 1}]`)).toBe("requests[2]: custom_id 'x' is duplicated (first seen on requests[0])");
  });

  it('sizes content pages to about 1 MiB', () => {
    expect(nextPageRows(100, 100 * 200)).toBe(5000);
    expect(nextPageRows(100, 100 * 10 * 1024)).toBe(102);
    expect(nextPageRows(10, 10 * 8 * 1024 * 1024)).toBe(1);
  });

  it('makes OpenAI-shaped file ids', () => {
    const ids = new Set(Array.from({ length: 100 }, newFileId));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^file-[A-Za-z0-9]{24}$/);
  });
});
