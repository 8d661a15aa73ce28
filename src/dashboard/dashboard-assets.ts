import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface DashboardAsset {
  body: Buffer;
  contentType: string;
  /** Our own files change with the gateway; the vendored chart library only with its version. */
  cacheControl: string;
}

/**
 * Next to this module in both layouts: `src/dashboard/assets` (tsx, vitest) and
 * `dist/dashboard/assets` (`npm run build` copies them, tsc only emits JavaScript).
 */
export const dashboardAssetsDirectory = fileURLToPath(new URL('./assets/', import.meta.url));

/** The page's ES modules: `dashboard.js` and the modules it imports. */
export const dashboardScriptNames = ['dashboard.js', 'view-state.js', 'model-filter.js', 'charts.js'] as const;

const ownAssets = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
  ...Object.fromEntries(dashboardScriptNames.map((name) => [name, 'text/javascript; charset=utf-8'])),
} as Record<'index.html' | 'dashboard.css' | (typeof dashboardScriptNames)[number], string>;

const vendorAssets = {
  'uPlot.iife.min.js': { module: 'uplot/dist/uPlot.iife.min.js', contentType: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { module: 'uplot/dist/uPlot.min.css', contentType: 'text/css; charset=utf-8' },
} as const;

export type OwnAssetName = keyof typeof ownAssets;
export type VendorAssetName = keyof typeof vendorAssets;

/** Every file of the page, read once at startup (a few tens of kB): a missing one fails the start, not a page view. */
export function loadDashboardAssets(): { own: Record<OwnAssetName, DashboardAsset>; vendor: Record<VendorAssetName, DashboardAsset> } {
  const require = createRequire(import.meta.url);
  const own = Object.fromEntries(
    Object.entries(ownAssets).map(([name, contentType]) => [name, { body: readFileSync(`${dashboardAssetsDirectory}${name}`), contentType, cacheControl: 'no-cache' }]),
  ) as Record<OwnAssetName, DashboardAsset>;
  const vendor = Object.fromEntries(
    Object.entries(vendorAssets).map(([name, asset]) => [name, { body: readFileSync(require.resolve(asset.module)), contentType: asset.contentType, cacheControl: 'public, max-age=86400' }]),
  ) as Record<VendorAssetName, DashboardAsset>;
  return { own, vendor };
}
