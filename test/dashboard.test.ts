import { existsSync, mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardSummary } from '../src/dashboard/dashboard-summary.ts';
import { artifactsDirectory, chartPixels, hexToRgb, launchBrowser, legendSeries, openDashboard as openPage, texts } from './support/dashboard-browser.ts';
import { pricedMockConfig, seedDashboardRun, type SeededRun } from './support/dashboard-seed.ts';
import { startTestGateway, testAdminKey, type TestGateway } from './support/test-gateway.ts';

declare const sessionStorage: { getItem(key: string): string | null };

/** The fixed series colours of the traffic and latency charts (dashboard.js). */
const fixedColours = { blue: hexToRgb('#2f6fdf'), orange: hexToRgb('#e07b1f'), green: hexToRgb('#2e8540'), red: hexToRgb('#c2362f') } as const;

/** The dashboard page in a real headless Chromium, against a seeded gateway and a fresh one. */
describe('dashboard in a browser', () => {
  let harness: TestGateway;
  let fresh: TestGateway;
  let browser: Browser;
  /** One context for every page (cheaper than a browser context each); sessionStorage is per tab anyway. */
  let context: BrowserContext;
  let run: SeededRun;
  const problems: string[] = [];

  const openDashboard = (url: string, key: string): Promise<Page> => openPage(context, { url, key, problems });

  beforeAll(async () => {
    [browser, harness, fresh] = await Promise.all([launchBrowser(), startTestGateway({ config: pricedMockConfig }), startTestGateway({ config: pricedMockConfig })]);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    run = await seedDashboardRun(harness, 'page');
    mkdirSync(artifactsDirectory, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([harness?.close(), fresh?.close()]);
  });

  it('draws the seeded run for the admin: charts, cache hit rate, queue depth, batch progress; writes a screenshot', async () => {
    const page = await openDashboard(harness.url, testAdminKey);
    await page.locator('#content').waitFor({ state: 'visible' });
    await page.locator('#chart-latency canvas').waitFor();

    const batch = `li[data-batch-id="${run.batchId}"]`;
    expect(await texts(page, ['#scope', '#total-requests', '#cache-hit-rate', `${batch} .counts`, `${batch} .state`])).toEqual([
      'All projects (admin key)',
      String(run.allRequests),
      `${((run.cacheHits / run.allRequests) * 100).toFixed(1)} %`,
      '4 / 4 done · 4 completed · 0 failed',
      'completed',
    ]);
    const progress = page.locator(`${batch} progress`);
    expect([await progress.getAttribute('value'), await progress.getAttribute('max')]).toEqual(['4', '4']);

    // Every chart has a canvas with pixels drawn, and its series in their colours (not only axes).
    const charts = await chartPixels(page, ['chart-traffic', 'chart-latency'], fixedColours);
    for (const chart of Object.values(charts)) {
      expect(chart.width).toBeGreaterThan(0);
      expect(chart.drawn).toBeGreaterThan(500);
    }
    // Cost: one series per model, each in the colour the summary gives it, in the legend and on the canvas.
    const summary = (await (await fetch(`${harness.url}/dashboard/api/summary`, { headers: { authorization: `Bearer ${testAdminKey}` } })).json()) as DashboardSummary;
    const modelColours = Object.fromEntries(summary.cost_by_model.map((model) => [model.label, hexToRgb(model.colour)]));
    expect(Object.keys(modelColours).sort()).toEqual(['mock-classifier', 'mock-echo']);
    expect(await legendSeries(page, 'chart-cost')).toEqual(summary.cost_by_model.map((model) => ({ label: model.label, colour: model.colour })));
    const cost = (await chartPixels(page, ['chart-cost'], modelColours))['chart-cost'];
    expect(cost?.drawn).toBeGreaterThan(500);
    expect(cost?.byColour['mock-echo']).toBeGreaterThan(20);
    expect(cost?.byColour['mock-classifier']).toBeGreaterThan(20);
    // Traffic: requests (blue) and errors (red).
    expect(charts['chart-traffic']?.byColour.blue).toBeGreaterThan(20);
    expect(charts['chart-traffic']?.byColour.red).toBeGreaterThan(20);
    // Latency: the percentile points of the busy hour (p99 drawn last, on top).
    const latency = charts['chart-latency']?.byColour;
    expect((latency?.green ?? 0) + (latency?.orange ?? 0) + (latency?.red ?? 0)).toBeGreaterThan(20);

    // The admin sees the queue depth of the mock provider (idle now: all zeros).
    expect(await page.locator('#queues-body tr').evaluateAll((rows) => rows.map((row) => [...row.children].map((cell) => cell.textContent)))).toEqual([['mock', '0', '0', '0', '0', '0']]);

    await page.screenshot({ path: `${artifactsDirectory}/dashboard.png`, fullPage: true });
    expect(existsSync(`${artifactsDirectory}/dashboard.png`)).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows a project key only its project's numbers, without the queues", async () => {
    const page = await openDashboard(harness.url, run.key);
    await page.locator('#content').waitFor({ state: 'visible' });
    expect(await texts(page, ['#scope', '#total-requests', '#cache-hit-rate'])).toEqual(['Project page-a', String(run.requests), `${((run.cacheHits / run.requests) * 100).toFixed(1)} %`]);
    expect(await page.locator('#queues-section').isHidden()).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows the empty state, not an error, on a gateway without traffic', async () => {
    const page = await openDashboard(fresh.url, testAdminKey);
    await page.locator('#empty-state').waitFor({ state: 'visible' });
    const [heading, status] = await texts(page, ['#empty-state h2', '#status']);
    expect(heading).toBe('No traffic yet');
    expect(status).toMatch(/^Updated /);
    expect(await page.locator('#content').isHidden()).toBe(true);
    await page.screenshot({ path: `${artifactsDirectory}/dashboard-empty.png` });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('asks again for a key the gateway refuses', async () => {
    problems.length = 0;
    const page = await openDashboard(harness.url, 'gw-wrong-key');
    await page.locator('#key-error').filter({ hasText: 'The gateway refused that key.' }).waitFor();
    expect(await page.locator('#key-form').isVisible()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem('gateway-dashboard-key'))).toBeNull();
    await page.close();
  });
});
