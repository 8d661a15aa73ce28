import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** The few browser globals read inside `page.evaluate` (this project's tsconfig has no DOM lib). */
interface PageElement {
  textContent: string | null;
  querySelector<Element = PageElement>(selector: string): Element | null;
}
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, width: number, height: number): { data: ArrayLike<number> } } | null;
}
declare const document: { querySelector<Element = PageElement>(selector: string): Element | null; querySelectorAll<Element = PageElement>(selector: string): Iterable<Element> };
declare function getComputedStyle(element: unknown): { borderTopColor: string; backgroundColor: string };

/** Debian's chromium, which `scripts/ensure-browser.sh` (npm's pretest) installs when it can. */
export const chromiumPath = '/usr/bin/chromium';
export const artifactsDirectory = 'test-artifacts';

export type Rgb = readonly [number, number, number];

/** A headless Chromium; fails (does not skip) with the way to install it when it is missing. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`The dashboard tests drive Debian's chromium at ${chromiumPath}, which is missing: install it with 'apt-get install -y chromium'.`);
  }
  const root = process.getuid?.() === 0;
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: root ? ['--no-sandbox'] : [] });
}

/**
 * Opens `path` (the page, with a view in its query string if given) in a new tab and signs in with
 * `key`. Script errors, CSP refusals and failed responses are pushed onto `problems`: the page must run clean.
 */
export async function openDashboard(context: BrowserContext, options: { url: string; key: string; problems: string[]; path?: string }): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') options.problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => options.problems.push(`pageerror: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) options.problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  await page.goto(`${options.url}${options.path ?? '/dashboard'}`);
  await page.getByLabel('API key or admin key').fill(options.key);
  await page.getByRole('button', { name: 'Open dashboard' }).click();
  return page;
}

/** The text of each selector's first match (null when none), in one round trip. */
export async function texts(page: Page, selectors: readonly string[]): Promise<Array<string | null>> {
  return page.evaluate((list) => list.map((selector) => document.querySelector(selector)?.textContent ?? null), selectors);
}

/** `#rrggbb` → [red, green, blue]. */
export function hexToRgb(hex: string): Rgb {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

/** `rgb(r, g, b)` (a computed style) → `#rrggbb`. */
export function cssColourToHex(css: string): string {
  const channels = css.match(/\d+/g)?.slice(0, 3).map(Number) ?? [];
  return `#${channels.map((channel) => channel.toString(16).padStart(2, '0')).join('')}`;
}

/** The series of a chart's legend as drawn: each row's label and marker colour (the time column left out). */
export async function legendSeries(page: Page, chartId: string): Promise<Array<{ label: string; colour: string }>> {
  const rows = await page.evaluate((id) => {
    const found: Array<{ label: string; colour: string }> = [];
    for (const row of document.querySelectorAll<PageElement>(`#${id} .u-legend tr.u-series`)) {
      const marker = row.querySelector('.u-marker');
      found.push({ label: row.querySelector('.u-label')?.textContent ?? '', colour: marker ? getComputedStyle(marker).borderTopColor : '' });
    }
    return found;
  }, chartId);
  // The first row is the x axis ("Time"), which has no colour.
  return rows.slice(1).map((row) => ({ label: row.label, colour: cssColourToHex(row.colour) }));
}

/** The model filter's entries: label, swatch colour, and whether it is checked. */
export async function filterEntries(page: Page): Promise<Array<{ label: string; colour: string; checked: boolean }>> {
  const entries = await page.evaluate(() => {
    const found: Array<{ label: string; colour: string; checked: boolean }> = [];
    for (const item of document.querySelectorAll<PageElement>('#model-options li')) {
      const swatch = item.querySelector('.swatch');
      found.push({
        label: item.querySelector('label span:last-child')?.textContent ?? '',
        colour: swatch ? getComputedStyle(swatch).backgroundColor : '',
        checked: item.querySelector<{ checked: boolean }>('input')?.checked ?? false,
      });
    }
    return found;
  });
  return entries.map((entry) => ({ ...entry, colour: cssColourToHex(entry.colour) }));
}

/**
 * Pixels of each chart's canvas, read in the page: its size, how many are drawn at all, and how many
 * carry each named colour (within a small tolerance, for antialiasing).
 */
export async function chartPixels<Name extends string>(page: Page, chartIds: readonly string[], colours: Record<Name, Rgb>) {
  return page.evaluate(
    ({ ids, palette }) =>
      Object.fromEntries(
        ids.map((id) => {
          const canvas = document.querySelector<PageCanvas>(`#${id} canvas`);
          const context = canvas?.getContext('2d');
          const byColour: Record<string, number> = Object.fromEntries(Object.keys(palette).map((name) => [name, 0]));
          if (!canvas || !context || canvas.width === 0 || canvas.height === 0) return [id, { width: canvas?.width ?? 0, drawn: 0, byColour }];
          const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
          let drawn = 0;
          for (let offset = 0; offset < data.length; offset += 4) {
            if ((data[offset + 3] ?? 0) === 0) continue;
            drawn += 1;
            for (const [name, [red, green, blue]] of Object.entries(palette) as Array<[string, Rgb]>) {
              const distance = Math.abs((data[offset] ?? 0) - red) + Math.abs((data[offset + 1] ?? 0) - green) + Math.abs((data[offset + 2] ?? 0) - blue);
              if (distance < 40) byColour[name] = (byColour[name] ?? 0) + 1;
            }
          }
          return [id, { width: canvas.width, drawn, byColour }];
        }),
      ) as Record<string, { width: number; drawn: number; byColour: Record<Name, number> }>,
    { ids: chartIds, palette: colours as Record<string, Rgb> },
  );
}
