import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactsDirectory, filterEntries, hexToRgb, launchBrowser, legendSeries, openDashboard as openPage } from './support/dashboard-browser.ts';
import { postJson, startTestGateway, testAdminKey, type TestGateway } from './support/test-gateway.ts';

/** Eleven priced models on the mock, so the cost chart has more series than a small palette has colours. */
const modelNames = ['atlas-large', 'atlas-small', 'beacon-1', 'beacon-2', 'cirrus', 'delta-chat', 'ember', 'fjord-mini', 'granite', 'harbor-8b', 'iris-vision'];
const config = {
  providers: { mock: { type: 'mock', latencyMs: 1 } },
  models: Object.fromEntries(
    modelNames.map((name, index) => [name, { routes: [{ provider: 'mock', model: 'echo' }], pricing: { inputPerMillion: 100 * (index + 1), outputPerMillion: 300 * (index + 1) } }]),
  ),
};
const noModel = '(no model)';

/** The usage API's groups by model (for `key` over [from, to)), labelled as the page labels them. */
async function usageByModel(harness: TestGateway, options: { key: string; path: '/v1/usage' | '/admin/usage'; from: string; to: string }) {
  const query = new URLSearchParams({ group_by: 'model', from: options.from, to: options.to });
  const response = await fetch(`${harness.url}${options.path}?${query}`, { headers: { authorization: `Bearer ${options.key}` } });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { data: Array<{ model?: string | null; requests: number }> };
  return new Map(body.data.map((row) => [row.model ? row.model : noModel, row.requests]));
}

/** The period the page says it shows (the gateway's answer, whole hours). */
async function shownPeriod(page: Page): Promise<{ from: string; to: string }> {
  const [from, to] = await Promise.all([page.locator('#period-from').getAttribute('datetime'), page.locator('#period-to').getAttribute('datetime')]);
  return { from: from ?? '', to: to ?? '' };
}

async function waitForLegend(page: Page, labels: readonly string[]): Promise<Array<{ label: string; colour: string }>> {
  await expect.poll(async () => (await legendSeries(page, 'chart-cost')).map((series) => series.label).sort(), { timeout: 15_000 }).toEqual([...labels].sort());
  return legendSeries(page, 'chart-cost');
}

const viewParams = (page: Page) => [...new URL(page.url()).searchParams.entries()];
const rgbDistance = (left: string, right: string) => Math.hypot(...hexToRgb(left).map((channel, index) => channel - (hexToRgb(right)[index] ?? 0)));

/**
 * The cost legend against the usage API with a dozen models (one group without a model), and the
 * view (period, model filter) kept in the URL across reloads, shared links and back/forward.
 */
describe('dashboard models and view in a browser', () => {
  let harness: TestGateway;
  let browser: Browser;
  let context: BrowserContext;
  let projectKey: string;
  let allRequests = 0;
  /** Legend colours of the unfiltered admin view, by label. */
  const coloursByLabel = new Map<string, string>();
  const problems: string[] = [];

  const openDashboard = (key: string, path?: string) => openPage(context, { url: harness.url, key, problems, ...(path ? { path } : {}) });

  beforeAll(async () => {
    [browser, harness] = await Promise.all([launchBrowser(), startTestGateway({ config })]);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const [a, b] = await Promise.all([harness.createKey('models-a'), harness.createKey('models-b')]);
    projectKey = a.key;
    const chat = (key: string, model: string, content: string) => postJson(`${harness.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content }] }, key);
    // One to three calls per model in project a, two models in project b.
    const calls = [
      ...modelNames.flatMap((model, index) => Array.from({ length: (index % 3) + 1 }, (_unused, call) => chat(a.key, model, `${model} ${call}`))),
      chat(b.key, 'cirrus', 'b cirrus'),
      chat(b.key, 'granite', 'b granite'),
    ];
    const answers = await Promise.all(calls);
    expect(answers.map((answer) => answer.status)).toEqual(calls.map(() => 200));
    // A batch with a line the gateway refuses (an unknown model: recorded, and reported, under its name).
    const lines = [
      { custom_id: 'ok', body: { model: 'atlas-large', messages: [{ role: 'user', content: 'batch ok' }] } },
      { custom_id: 'unknown-model', body: { model: 'no-such-model', messages: [{ role: 'user', content: 'batch unknown' }] } },
    ];
    const created = await postJson(`${harness.url}/v1/batches`, { requests: lines, endpoint: '/v1/chat/completions', completion_window: '24h', on_invalid_lines: 'fail_lines' }, a.key);
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    // Requests without a model: the API refuses to store a line without one, so what the rollups can
    // still hold (rows written before that, with '', and the marker of a stored body that cannot be
    // read) goes in directly, one row of each, for project a's key in this hour and day.
    for (const table of ['usage_rollups', 'usage_daily_rollups']) {
      const time = table === 'usage_rollups' ? "date_trunc('hour', now(), 'UTC')" : "(now() AT TIME ZONE 'UTC')::date";
      await harness.sql.query(
        `INSERT INTO ${table} (${table === 'usage_rollups' ? 'hour' : 'day'}, project_id, api_key_id, model, provider, batch_id, requests, errors, latency_histogram)
         SELECT ${time}, $1, $2, model, '', '', 1, 1, ARRAY[]::bigint[] FROM unnest(ARRAY['', '(no model)']) AS model`,
        [a.project_id, a.id],
      );
    }
    allRequests = calls.length + lines.length + 2;
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const from = new Date(Date.now() - 3_600_000).toISOString();
    // Batch lines settle in the background: wait until the rollups count every request.
    const counted = async () => [...(await usageByModel(harness, { key: testAdminKey, path: '/admin/usage', from, to })).values()].reduce((sum, count) => sum + count, 0);
    // (expect.poll is for tests only, not hooks.)
    const deadline = Date.now() + 20_000;
    while ((await counted()) !== allRequests) {
      if (Date.now() > deadline) throw new Error(`the rollups never counted ${allRequests} requests (last: ${await counted()})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });

  it("has a legend entry for exactly the usage API's models, each named, in distinct colours matching the filter", async () => {
    const page = await openDashboard(testAdminKey);
    await page.locator('#chart-cost .u-legend').waitFor();
    const period = await shownPeriod(page);
    const usage = await usageByModel(harness, { key: testAdminKey, path: '/admin/usage', ...period });
    expect(usage.size).toBeGreaterThanOrEqual(12);
    expect(usage.has(noModel)).toBe(true);

    const legend = await waitForLegend(page, [...usage.keys()]);
    for (const { label } of legend) expect(label === '' || label === 'Value').toBe(false);
    const colours = legend.map((series) => series.colour);
    expect(colours.every((colour) => /^#[0-9a-f]{6}$/.test(colour))).toBe(true);
    expect(new Set(colours).size).toBe(colours.length);
    // Apart enough to tell lines apart, not merely different strings.
    for (const [index, left] of colours.entries()) for (const right of colours.slice(index + 1)) expect(rgbDistance(left, right)).toBeGreaterThan(40);
    for (const series of legend) coloursByLabel.set(series.label, series.colour);

    // The filter lists the same models, in the same colours, all shown.
    const entries = await filterEntries(page);
    expect(entries.map((entry) => entry.label).sort()).toEqual([...usage.keys()].sort());
    for (const entry of entries) expect(entry).toEqual({ label: entry.label, colour: coloursByLabel.get(entry.label), checked: true });
    expect(await page.locator('#total-requests').textContent()).toBe(String(allRequests));
    await page.locator('#model-filter summary').click();
    mkdirSync(artifactsDirectory, { recursive: true });
    await page.screenshot({ path: `${artifactsDirectory}/dashboard-models.png`, fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it("matches /v1/usage for a project key: that project's models only", async () => {
    const page = await openDashboard(projectKey);
    await page.locator('#chart-cost .u-legend').waitFor();
    const usage = await usageByModel(harness, { key: projectKey, path: '/v1/usage', ...(await shownPeriod(page)) });
    const legend = await waitForLegend(page, [...usage.keys()]);
    expect(legend.length).toBe(usage.size);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('keeps the period and the model filter in the URL: the view survives a reload, back and forward', async () => {
    const page = await openDashboard(testAdminKey);
    await waitForLegend(page, [...coloursByLabel.keys()]);

    await page.selectOption('#range', '7d');
    await page.waitForURL((url) => url.search === '?range=7d');
    await page.locator('#model-filter summary').click();
    await page.getByRole('button', { name: 'Show only ember', exact: true }).click();
    await page.waitForURL((url) => url.search === '?range=7d&model=ember');
    await waitForLegend(page, ['ember']);
    await page.getByLabel('granite', { exact: true }).check();
    await page.waitForURL((url) => url.search === '?range=7d&model=ember&model=granite');
    await waitForLegend(page, ['ember', 'granite']);
    await page.getByLabel(noModel, { exact: true }).check();
    await page.waitForURL((url) => url.search === '?range=7d&model=&model=ember&model=granite');

    const shown = ['ember', 'granite', noModel];
    const expectView = async () => {
      const legend = await waitForLegend(page, shown);
      // Same model, same colour: across reloads, and whatever else the filter hides.
      for (const series of legend) expect(series.colour).toBe(coloursByLabel.get(series.label));
      expect(await page.locator('#range').inputValue()).toBe('7d');
      const period = await shownPeriod(page);
      expect(Date.parse(period.to) - Date.parse(period.from)).toBeGreaterThanOrEqual(7 * 86_400_000);
      expect(Date.parse(period.to) - Date.parse(period.from)).toBeLessThanOrEqual((7 * 24 + 1) * 3_600_000);
      const usage = await usageByModel(harness, { key: testAdminKey, path: '/admin/usage', ...period });
      // The totals follow the filter: the shown models' requests, as the usage API counts them.
      const requests = shown.reduce((sum, label) => sum + (usage.get(label) ?? 0), 0);
      expect(requests).toBeLessThan(allRequests);
      expect(await page.locator('#total-requests').textContent()).toBe(String(requests));
      expect(
        (await filterEntries(page))
          .filter((entry) => entry.checked)
          .map((entry) => entry.label)
          .sort(),
      ).toEqual([...shown].sort());
      expect(await page.locator('#model-filter-summary').textContent()).toBe(`3 of ${coloursByLabel.size}`);
    };
    await expectView();

    await page.reload();
    await page.locator('#content').waitFor({ state: 'visible' });
    expect(viewParams(page)).toEqual([
      ['range', '7d'],
      ['model', ''],
      ['model', 'ember'],
      ['model', 'granite'],
    ]);
    await expectView();

    await page.goBack();
    await page.waitForURL((url) => url.search === '?range=7d&model=ember&model=granite');
    await waitForLegend(page, ['ember', 'granite']);
    await page.goBack();
    await page.goBack();
    await page.waitForURL((url) => url.search === '?range=7d');
    await waitForLegend(page, [...coloursByLabel.keys()]);
    expect(await page.locator('#model-filter-summary').textContent()).toBe('all');
    await page.goForward();
    await page.goForward();
    await page.goForward();
    await page.waitForURL((url) => url.search === '?range=7d&model=&model=ember&model=granite');
    await expectView();

    // The reload closed the filter's panel: open it again for "All models".
    await page.locator('#model-filter summary').click();
    await page.getByRole('button', { name: 'All models' }).click();
    await page.waitForURL((url) => url.search === '?range=7d');
    await waitForLegend(page, [...coloursByLabel.keys()]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('opens a shared link with a fixed period and models in a new tab as it was shared', async () => {
    const hour = 3_600_000;
    const from = new Date(Math.floor(Date.now() / hour) * hour - 2 * hour).toISOString().replace('.000Z', 'Z');
    const to = new Date(Math.ceil(Date.now() / hour) * hour + hour).toISOString().replace('.000Z', 'Z');
    const link = `/dashboard?${new URLSearchParams([
      ['from', from],
      ['to', to],
      ['model', 'atlas-large'],
      ['model', ''],
    ])}`;
    const page = await openDashboard(testAdminKey, link);

    await waitForLegend(page, ['atlas-large', noModel]);
    expect(viewParams(page)).toEqual([
      ['from', from],
      ['to', to],
      ['model', ''],
      ['model', 'atlas-large'],
    ]);
    expect(await page.locator('#range').inputValue()).toBe('custom');
    expect(await page.locator('#custom-range').isVisible()).toBe(true);
    // The inputs show the period in the browser's zone: read back, they are the link's instants.
    const inputs = await Promise.all(['#from', '#to'].map((selector) => page.locator(selector).inputValue()));
    expect(await page.evaluate((values) => values.map((value) => new Date(value).toISOString().replace('.000Z', 'Z')), inputs)).toEqual([from, to]);
    expect(await shownPeriod(page)).toEqual({ from: new Date(from).toISOString(), to: new Date(to).toISOString() });
    const usage = await usageByModel(harness, { key: testAdminKey, path: '/admin/usage', from, to });
    expect(await page.locator('#total-requests').textContent()).toBe(String((usage.get('atlas-large') ?? 0) + (usage.get(noModel) ?? 0)));
    expect(await page.locator('#period-models').textContent()).toBe(`${noModel}, atlas-large`);

    // Back to a relative period, then "Custom…" again: it starts as the period on screen.
    await page.selectOption('#range', '24h');
    await page.waitForURL((url) => !url.searchParams.has('from') && url.searchParams.getAll('model').length === 2);
    expect(await page.locator('#custom-range').isHidden()).toBe(true);
    await page.selectOption('#range', 'custom');
    await page.waitForURL((url) => url.searchParams.has('from'));
    const custom = new URL(page.url()).searchParams;
    expect(Date.parse(custom.get('to') ?? '') - Date.parse(custom.get('from') ?? '')).toBe(24 * hour);
    await waitForLegend(page, ['atlas-large', noModel]);
    expect(problems).toEqual([]);
    await page.close();
  });
});
