import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pricedMockConfig, seedDashboardRun, type SeededRun } from './support/dashboard-seed.ts';
import { startTestGateway, testAdminKey, type TestGateway } from './support/test-gateway.ts';

/** The few browser globals read inside `page.evaluate` (this project's tsconfig has no DOM lib). */
interface PageElement {
  textContent: string | null;
}
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, width: number, height: number): { data: ArrayLike<number> } } | null;
}
declare const document: { querySelector<Element = PageElement>(selector: string): Element | null };
declare const sessionStorage: { getItem(key: string): string | null };

const chromiumPath = '/usr/bin/chromium';
const artifactsDirectory = 'test-artifacts';
/** The series colours of dashboard.js (its palette's first, second, third and fifth). */
const seriesColours = { blue: [47, 111, 223], orange: [224, 123, 31], green: [46, 133, 64], red: [194, 54, 47] } as const;

/**
 * Pixels of each chart's canvas, read in the page: its size, how many are drawn at all, and how many
 * carry each series colour (within a small tolerance, for antialiasing).
 */
async function chartPixels(page: Page, chartIds: readonly string[]) {
  return page.evaluate(
    ({ ids, colours }) =>
      Object.fromEntries(
        ids.map((id) => {
          const canvas = document.querySelector<PageCanvas>(`#${id} canvas`);
          const context = canvas?.getContext('2d');
          const byColour: Record<string, number> = Object.fromEntries(Object.keys(colours).map((name) => [name, 0]));
          if (!canvas || !context || canvas.width === 0 || canvas.height === 0) return [id, { width: canvas?.width ?? 0, drawn: 0, byColour }];
          const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
          let drawn = 0;
          for (let offset = 0; offset < data.length; offset += 4) {
            if ((data[offset + 3] ?? 0) === 0) continue;
            drawn += 1;
            for (const [name, [red, green, blue]] of Object.entries(colours)) {
              const distance = Math.abs((data[offset] ?? 0) - red) + Math.abs((data[offset + 1] ?? 0) - green) + Math.abs((data[offset + 2] ?? 0) - blue);
              if (distance < 40) byColour[name] = (byColour[name] ?? 0) + 1;
            }
          }
          return [id, { width: canvas.width, drawn, byColour }];
        }),
      ) as Record<string, { width: number; drawn: number; byColour: Record<keyof typeof seriesColours, number> }>,
    { ids: chartIds, colours: seriesColours },
  );
}

/** The text of each selector's first match (null when none), in one round trip. */
async function texts(page: Page, selectors: readonly string[]): Promise<Array<string | null>> {
  return page.evaluate((list) => list.map((selector) => document.querySelector(selector)?.textContent ?? null), selectors);
}

/** The dashboard page in a real headless Chromium, against a seeded gateway and a fresh one. */
describe('dashboard in a browser', () => {
  let harness: TestGateway;
  let fresh: TestGateway;
  let browser: Browser;
  /** One context for every page (cheaper than a browser context each); sessionStorage is per tab anyway. */
  let context: BrowserContext;
  let run: SeededRun;
  const problems: string[] = [];

  async function openDashboard(baseUrl: string, key: string): Promise<Page> {
    const page = await context.newPage();
    // Script errors and CSP refusals show up here: the page must run clean.
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });

    await page.goto(`${baseUrl}/dashboard`);
    await page.getByLabel('API key or admin key').fill(key);
    await page.getByRole('button', { name: 'Open dashboard' }).click();
    return page;
  }

  beforeAll(async () => {
    if (!existsSync(chromiumPath)) {
      throw new Error(`The dashboard test drives Debian's chromium at ${chromiumPath}, which is missing: install it with 'apt-get install -y chromium'.`);
    }
    const root = process.getuid?.() === 0;
    [browser, harness, fresh] = await Promise.all([
      chromium.launch({ executablePath: chromiumPath, headless: true, args: root ? ['--no-sandbox'] : [] }),
      startTestGateway({ config: pricedMockConfig }),
      startTestGateway({ config: pricedMockConfig }),
    ]);
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
    const charts = await chartPixels(page, ['chart-cost', 'chart-traffic', 'chart-latency']);
    for (const chart of Object.values(charts)) {
      expect(chart.width).toBeGreaterThan(0);
      expect(chart.drawn).toBeGreaterThan(500);
    }
    // Cost: one series per model (the most expensive first, blue; the other orange).
    expect(charts['chart-cost']?.byColour.blue).toBeGreaterThan(20);
    expect(charts['chart-cost']?.byColour.orange).toBeGreaterThan(20);
    // Traffic: requests (blue) and errors (red).
    expect(charts['chart-traffic']?.byColour.blue).toBeGreaterThan(20);
    expect(charts['chart-traffic']?.byColour.red).toBeGreaterThan(20);
    // Latency: the percentile points of the busy hour (p99 drawn last, on top).
    const latency = charts['chart-latency']?.byColour;
    expect((latency?.green ?? 0) + (latency?.orange ?? 0) + (latency?.red ?? 0)).toBeGreaterThan(20);

    // The admin sees the queue depth of the mock provider (idle now: all zeros).
    expect(await page.locator('#queues-body tr').evaluateAll((rows) => rows.map((row) => [...row.children].map((cell) => cell.textContent)))).toEqual([
      ['mock', '0', '0', '0', '0', '0'],
    ]);
    expect(await page.locator('#chart-cost .u-legend').textContent()).toContain('mock-echo');

    await page.screenshot({ path: `${artifactsDirectory}/dashboard.png`, fullPage: true });
    expect(existsSync(`${artifactsDirectory}/dashboard.png`)).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows a project key only its project's numbers, without the queues", async () => {
    const page = await openDashboard(harness.url, run.key);
    await page.locator('#content').waitFor({ state: 'visible' });
    expect(await texts(page, ['#scope', '#total-requests', '#cache-hit-rate'])).toEqual([
      'Project page-a',
      String(run.requests),
      `${((run.cacheHits / run.requests) * 100).toFixed(1)} %`,
    ]);
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
