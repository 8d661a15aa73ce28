import { defineConfig } from 'vitest/config';

/**
 * Files that measure time or throughput across processes (a provider limit filled "close to" its
 * rate, a leader taking over within seconds, a drain within its deadline): they run after the rest,
 * one at a time, so another file's load cannot skew what they measure.
 */
const measuredAlone = ['test/provider-limits-multiprocess.test.ts', 'test/multi-host.test.ts', 'test/graceful-shutdown.test.ts', 'test/startup-outages.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        // Two files at a time on the 2-core machines: most tests wait on servers, processes and timers.
        test: { name: 'suite', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: measuredAlone, maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'measured alone', include: measuredAlone, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
