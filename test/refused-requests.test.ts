import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition, sumOf } from './support/prometheus-text.ts';
import { postJson, startTestGateway, testAdminKey, type TestGateway } from './support/test-gateway.ts';

interface LogLine {
  msg?: string;
  requestId?: string;
  keyId?: string;
  route?: string;
  statusCode?: number;
}

/** Requests refused before they had a record: one log line each and a metric, never a settled line. */
describe('refused requests', () => {
  const captured: string[] = [];
  let harness: TestGateway;
  let key: string;
  let keyId: string;
  const chatUrl = () => `${harness.url}/v1/chat/completions`;
  const lines = () => captured.map((line) => JSON.parse(line) as LogLine);
  /** The request's outcome lines (other lines, e.g. the worker's warnings, carry its id too). */
  const outcomeLinesOf = (requestId: string | null) =>
    lines()
      .filter((line) => line.requestId === requestId && (line.msg === 'request settled' || line.msg === 'request refused'))
      .map((line) => line.msg);
  const scrape = async () => {
    const response = await fetch(`${harness.url}/metrics`, { headers: { authorization: `Bearer ${testAdminKey}` } });
    return parseExposition(await response.text());
  };
  const chat4xx = (exposition: ReturnType<typeof parseExposition>) => sumOf(exposition, 'gateway_http_responses_total', { method: 'POST', route: '/v1/chat/completions', status_class: '4xx' });

  beforeAll(async () => {
    harness = await startTestGateway({ environment: { LOG_LEVEL: 'info' }, logDestination: { write: (line: string) => void captured.push(line) } });
    ({ key, id: keyId } = await harness.createKey('refusals'));
  });
  afterAll(async () => harness?.close());

  it('logs one "request refused" line per refusal, with the key id, and counts it by route and status class', async () => {
    const before = chat4xx(await scrape());
    const badBody = await postJson(chatUrl(), { model: 'mock-echo' }, key);
    const unknownModel = await postJson(chatUrl(), { model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }, key);
    const noKey = await postJson(chatUrl(), { model: 'mock-echo', messages: [{ role: 'user', content: 'x' }] });
    expect([badBody.status, unknownModel.status, noKey.status]).toEqual([400, 404, 401]);
    const served = await postJson(chatUrl(), { model: 'mock-echo', messages: [{ role: 'user', content: 'fine' }] }, key);
    expect(served.status).toBe(200);

    expect(chat4xx(await scrape()) - before).toBe(3);
    const refused = lines().filter((line) => line.msg === 'request refused');
    expect(refused.map((line) => [line.requestId, line.statusCode, line.route])).toEqual([
      [badBody.headers.get('x-request-id'), 400, '/v1/chat/completions'],
      [unknownModel.headers.get('x-request-id'), 404, '/v1/chat/completions'],
      [noKey.headers.get('x-request-id'), 401, '/v1/chat/completions'],
    ]);
    // Authentication runs first: every refusal but the keyless one names its key, the 400 included.
    expect(refused.map((line) => line.keyId)).toEqual([keyId, keyId, undefined]);
    // The served request is logged once, when it settles, and never as refused.
    const servedId = served.headers.get('x-request-id');
    await expect.poll(() => outcomeLinesOf(servedId)).toEqual(['request settled']);
  });

  it('a request that failed at its provider is logged when it settles, not as refused', async () => {
    const failed = await postJson(chatUrl(), { model: 'mock-echo', messages: [{ role: 'user', content: 'mock:error:400' }] }, key);
    expect(failed.status).toBe(400);
    const id = failed.headers.get('x-request-id');
    await expect.poll(() => outcomeLinesOf(id)).toEqual(['request settled']);
  });
});
