import Big from 'big.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardSummary } from '../src/dashboard/dashboard-summary.ts';
import { pricedMockConfig, seedDashboardRun, type SeededRun } from './support/dashboard-seed.ts';
import { startTestGateway, testAdminKey, type TestGateway } from './support/test-gateway.ts';

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

/** `GET /dashboard/api/summary` against a seeded run; the page itself is tested in dashboard.test.ts. */
describe('dashboard summary API', () => {
  let harness: TestGateway;
  let run: SeededRun;

  const summary = async (key: string, query = '') => {
    const response = await fetch(`${harness.url}/dashboard/api/summary${query}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: response.status, body: (await response.json()) as DashboardSummary & { error?: { code: string; param: string | null } } };
  };

  beforeAll(async () => {
    harness = await startTestGateway({ config: pricedMockConfig });
    run = await seedDashboardRun(harness, 'api');
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('needs a key: 401 without one or with an unknown one', async () => {
    const missing = await fetch(`${harness.url}/dashboard/api/summary`);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('missing_api_key');
    const wrong = await summary('gw-not-a-key');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error?.code).toBe('invalid_api_key');
  });

  it("gives a project key its own project's numbers, without the shared queues", async () => {
    const { status, body } = await summary(run.key);
    expect(status).toBe(200);
    expect(body.scope).toEqual({ kind: 'project', project_id: run.projectId, project_name: 'api-a' });
    expect(body.totals).toMatchObject({ requests: run.requests, errors: run.errors, cache_hits: run.cacheHits });
    expect(body.totals.error_rate).toBeCloseTo(run.errors / run.requests, 10);
    expect(body.totals.cache_hit_rate).toBeCloseTo(run.cacheHits / run.requests, 10);
    expect(body.totals.latency_ms.p50).toBeGreaterThan(0);
    expect(body.queues).toBeNull();
    expect(body.batches).toEqual([expect.objectContaining({ id: run.batchId, status: 'completed', request_counts: { total: 4, completed: 4, failed: 0 } })]);
  });

  it('lays the series on a gapless hourly axis that sums to the totals', async () => {
    const { body } = await summary(run.key);
    expect(body.bucket).toBe('hour');
    // 24 hours, widened to whole hours: 24 or 25 buckets, one hour apart.
    expect(body.buckets.length).toBeGreaterThanOrEqual(24);
    expect(body.buckets.length).toBeLessThanOrEqual(25);
    expect(body.buckets.slice(1).every((start, index) => start - (body.buckets[index] ?? 0) === 3600)).toBe(true);
    for (const series of [body.traffic.requests, body.traffic.errors, body.traffic.cache_hits, body.latency_ms.p95]) expect(series).toHaveLength(body.buckets.length);
    expect(sum(body.traffic.requests)).toBe(run.requests);
    expect(sum(body.traffic.errors)).toBe(run.errors);
    expect(sum(body.traffic.cache_hits)).toBe(run.cacheHits);
  });

  it('splits cost by model, exactly as the usage table bills it', async () => {
    const { body } = await summary(run.key);
    const { rows } = await harness.sql.query<{ model: string; cost: string }>('SELECT model, sum(cost)::text AS cost FROM usage WHERE project_id = $1 GROUP BY model ORDER BY sum(cost) DESC', [
      run.projectId,
    ]);
    expect(rows.length).toBe(2);
    expect(body.cost_by_model.map((model) => model.model)).toEqual(rows.map((row) => row.model));
    for (const [index, row] of rows.entries()) {
      const series = body.cost_by_model[index];
      expect(new Big(series?.total ?? '0').eq(row.cost)).toBe(true);
      expect(sum(series?.cost ?? [])).toBeCloseTo(Number(row.cost), 9);
    }
    const billed = rows.reduce((total, row) => total.plus(row.cost), new Big(0));
    expect(billed.gt(0)).toBe(true);
    expect(new Big(body.totals.cost).eq(billed)).toBe(true);
    expect(new Big(body.totals.cost_saved).gt(0)).toBe(true);
  });

  it("lists the usage API's models, and narrows every number to the chosen ones (totals as the usage API counts them)", async () => {
    const all = await summary(run.key);
    const query = new URLSearchParams({ group_by: 'model', from: all.body.from, to: all.body.to });
    const usageResponse = await fetch(`${harness.url}/v1/usage?${query}`, { headers: { authorization: `Bearer ${run.key}` } });
    const usage = ((await usageResponse.json()) as { data: Array<{ model: string | null; requests: number; errors: number; cache_hits: number; cost: string; latency_ms: unknown }> }).data;
    expect(all.body.models.map((model) => model.label).sort()).toEqual(usage.map((row) => row.model ?? '(no model)').sort());
    expect(all.body.filter).toEqual({ models: null });
    expect(new Set(all.body.models.map((model) => model.colour)).size).toBe(all.body.models.length);

    const echo = await summary(run.key, '?model=mock-echo');
    const echoUsage = usage.find((row) => row.model === 'mock-echo');
    expect(echo.status).toBe(200);
    expect(echo.body.totals).toMatchObject({ requests: echoUsage?.requests, errors: echoUsage?.errors, cache_hits: echoUsage?.cache_hits, latency_ms: echoUsage?.latency_ms });
    expect(new Big(echo.body.totals.cost).eq(echoUsage?.cost ?? 'NaN')).toBe(true);
    expect(echo.body.totals.requests).toBeLessThan(all.body.totals.requests);
    expect(sum(echo.body.traffic.requests)).toBe(echoUsage?.requests);
    expect(echo.body.cost_by_model.map((model) => model.model)).toEqual(['mock-echo']);
    // The filter's choices, and their colours, do not depend on the filter.
    expect(echo.body.models).toEqual(all.body.models);
    expect(echo.body.filter).toEqual({ models: ['mock-echo'] });

    const both = await summary(run.key, '?model=mock-echo&model=mock-classifier');
    expect(both.body.totals).toEqual(all.body.totals);
    expect(both.body.traffic).toEqual(all.body.traffic);
    // An empty value is the group without a model: none in this run, so zeros, not an error.
    const none = await summary(run.key, '?model=');
    expect(none.status).toBe(200);
    expect(none.body.filter).toEqual({ models: [null] });
    expect(none.body.totals.requests).toBe(0);
    expect(none.body.cost_by_model).toEqual([]);
    expect(none.body.models).toEqual(all.body.models);
  });

  it('refuses more than 100 models in one filter', async () => {
    const query = Array.from({ length: 101 }, (_unused, index) => `model=m${index}`).join('&');
    const { status, body } = await summary(run.key, `?${query}`);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'invalid_request_body', param: 'model' });
  });

  it('gives the admin every project, the queue depth per provider and every batch', async () => {
    const { status, body } = await summary(testAdminKey);
    expect(status).toBe(200);
    expect(body.scope).toEqual({ kind: 'admin', project_id: null, project_name: null });
    expect(body.totals.requests).toBe(run.allRequests);
    expect(body.queues).toEqual([{ provider: 'mock', chat: { waiting: 0, active: 0, delayed: 0 }, batch: { waiting: 0, active: 0, delayed: 0 } }]);
    expect(body.batches.map((batch) => batch.id)).toEqual([run.batchId]);
  });

  it('switches to daily buckets for a month, with the same totals', async () => {
    const to = Math.floor(Date.now() / 1000);
    const { status, body } = await summary(testAdminKey, `?from=${to - 30 * 86_400}&to=${to}`);
    expect(status).toBe(200);
    expect(body.bucket).toBe('day');
    expect(body.buckets.length).toBeGreaterThanOrEqual(30);
    expect(body.buckets.length).toBeLessThanOrEqual(32);
    expect(sum(body.traffic.requests)).toBe(run.allRequests);
  });

  it('answers an empty period with zeros, not an error', async () => {
    const { status, body } = await summary(testAdminKey, '?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z');
    expect(status).toBe(200);
    expect(body.totals).toMatchObject({ requests: 0, errors: 0, error_rate: null, cache_hit_rate: null, cost: '0' });
    expect(body.cost_by_model).toEqual([]);
    expect(body.batches).toEqual([]);
    expect(sum(body.traffic.requests)).toBe(0);
  });

  it.each([
    ['?from=2024-06-02T00:00:00Z&to=2024-06-01T00:00:00Z', 'from'],
    ['?from=yesterday', 'from'],
    ['?to=2024-13-01', 'to'],
    ['?from=2020-01-01T00:00:00Z&to=2024-01-01T00:00:00Z', 'from'],
  ])('refuses %s with a 400 naming %s', async (query, param) => {
    const { status, body } = await summary(run.key, query);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'invalid_request_body', param });
  });
});
