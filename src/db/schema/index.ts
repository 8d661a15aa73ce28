export * from './projects.ts';
export * from './api-keys.ts';
export * from './requests.ts';
export * from './usage.ts';
