export * from './projects.ts';
export * from './api-keys.ts';
export * from './requests.ts';
export * from './usage.ts';
export * from './files.ts';
export * from './batches.ts';
export * from './webhooks.ts';
export * from './usage-rollups.ts';
