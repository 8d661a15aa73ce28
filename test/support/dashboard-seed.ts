import { expect } from 'vitest';
import { postJson, testAdminKey, type TestGateway } from './test-gateway.ts';

/** The mock with prices (so cost moves) and the response cache on (so hits happen). */
export const pricedMockConfig = {
  cache: { enabled: true, ttlSeconds: 600 },
  providers: { mock: { type: 'mock', latencyMs: 2 } },
  models: {
    'mock-echo': { routes: [{ provider: 'mock', model: 'echo' }], pricing: { inputPerMillion: 1000, outputPerMillion: 3000 } },
    'mock-classifier': { routes: [{ provider: 'mock', model: 'classifier' }], pricing: { inputPerMillion: 500, outputPerMillion: 1500 } },
  },
};

/** What {@link seedDashboardRun} made, for the assertions. */
export interface SeededRun {
  key: string;
  projectId: string;
  otherKey: string;
  batchId: string;
  /** Of the seeded project. */
  requests: number;
  errors: number;
  cacheHits: number;
  /** Of every project. */
  allRequests: number;
}

/**
 * A small real run: sync calls on two models, two failures, three cache hits, a finished four-line
 * batch in one project, and one call in another. Returns once the usage rollups count all of it.
 */
export async function seedDashboardRun(harness: TestGateway, tag: string): Promise<SeededRun> {
  const a = await harness.createKey(`${tag}-a`);
  const b = await harness.createKey(`${tag}-b`);
  const chat = (key: string, model: string, content: string) => postJson(`${harness.url}/v1/chat/completions`, { model, temperature: 0, messages: [{ role: 'user', content }] }, key);

  const echoes = Array.from({ length: 6 }, (_unused, index) => `${tag} echo ${index}`);
  const classified = Array.from({ length: 4 }, (_unused, index) => `${tag} classify ${index}`);
  const answers = await Promise.all([...echoes.map((content) => chat(a.key, 'mock-echo', content)), ...classified.map((content) => chat(a.key, 'mock-classifier', content))]);
  expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
  // Provider refusals the mock makes as asked (not retried): two failed requests.
  const failures = await Promise.all([chat(a.key, 'mock-echo', 'mock:error:400 one'), chat(a.key, 'mock-echo', 'mock:error:400 two')]);
  expect(failures.map((failure) => failure.status)).toEqual([400, 400]);
  const hits = await Promise.all(echoes.slice(0, 3).map((content) => chat(a.key, 'mock-echo', content)));
  expect(hits.map((hit) => hit.headers.get('x-gateway-cache'))).toEqual(['HIT', 'HIT', 'HIT']);
  expect((await chat(b.key, 'mock-echo', `${tag} other project`)).status).toBe(200);

  const lines = Array.from({ length: 4 }, (_unused, index) => ({
    custom_id: `line-${index}`,
    body: { model: 'mock-classifier', messages: [{ role: 'user', content: `${tag} batch line ${index}` }] },
  }));
  const created = await postJson(`${harness.url}/v1/batches`, { requests: lines, endpoint: '/v1/chat/completions', completion_window: '24h' }, a.key);
  expect(created.status).toBe(200);
  const batchId = String(created.body.id);
  await waitFor('the batch to complete', async () => {
    const response = await fetch(`${harness.url}/v1/batches/${batchId}`, { headers: { authorization: `Bearer ${a.key}` } });
    return ((await response.json()) as { status: string }).status === 'completed';
  });

  const run = { key: a.key, projectId: a.project_id, otherKey: b.key, batchId, requests: 10 + 2 + 3 + 4, errors: 2, cacheHits: 3, allRequests: 20 };
  // Cache hits are recorded behind their answers: wait until the rollups hold every request.
  await waitFor(`the rollups to count ${run.allRequests} requests`, async () => {
    const response = await fetch(`${harness.url}/dashboard/api/summary`, { headers: { authorization: `Bearer ${testAdminKey}` } });
    return ((await response.json()) as { totals?: { requests: number } }).totals?.requests === run.allRequests;
  });
  return run;
}

/** Polls (in hooks too, where `expect.poll` is not allowed) until `check` holds, else fails naming what it waited for. */
async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
