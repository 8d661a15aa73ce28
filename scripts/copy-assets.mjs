// tsc emits JavaScript only: the dashboard's page files go next to their compiled module by hand,
// where `src/dashboard/dashboard-assets.ts` looks for them (`dist/dashboard/assets`).
import { cpSync, rmSync } from 'node:fs';

const assetDirectories = [['src/dashboard/assets', 'dist/dashboard/assets']];

for (const [from, to] of assetDirectories) {
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, { recursive: true });
}
