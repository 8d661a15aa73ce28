/** docker-compose.yml as data, for structural checks: zod at the boundary, pure helpers. */
import { parse } from 'yaml';
import { z } from 'zod';

const healthcheckSchema = z.object({
  test: z.union([z.string(), z.array(z.string())]).optional(),
  disable: z.boolean().optional(),
  interval: z.string().optional(),
  timeout: z.string().optional(),
  retries: z.number().optional(),
  start_period: z.string().optional(),
});

const serviceSchema = z.object({
  image: z.string().optional(),
  build: z.unknown().optional(),
  command: z.union([z.string(), z.array(z.string())]).optional(),
  restart: z.string().optional(),
  environment: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  depends_on: z.record(z.string(), z.object({ condition: z.string() })).optional(),
  healthcheck: healthcheckSchema.optional(),
  stop_grace_period: z.string().optional(),
  volumes: z.array(z.string()).optional(),
});

export const composeFileSchema = z.object({ services: z.record(z.string(), serviceSchema) });
export type ComposeService = z.infer<typeof serviceSchema>;

/** Parsed with YAML merge keys (`<<: *anchor`), which compose resolves too. */
export function parseComposeFile(text: string): z.infer<typeof composeFileSchema> {
  return composeFileSchema.parse(parse(text, { merge: true }));
}

/** A compose healthcheck `test` as an argv: `CMD` runs as is, `CMD-SHELL` (and a string) through the shell. */
export function healthcheckArgv(test: string | string[]): string[] {
  if (typeof test === 'string') return ['/bin/sh', '-c', test];
  const [kind, ...rest] = test;
  if (kind === 'CMD') return rest;
  if (kind === 'CMD-SHELL') return ['/bin/sh', '-c', rest.join(' ')];
  throw new Error(`healthcheck test must start with CMD or CMD-SHELL, got ${String(kind)}`);
}

/** A compose duration (`45s`, `1m30s`, `500ms`) in milliseconds. */
export function durationMs(duration: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001 };
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(ms|us|h|m|s)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== duration) throw new Error(`not a duration: ${duration}`);
  return parts.reduce((total, part) => total + Number(part[1]) * (units[part[2] as string] as number), 0);
}

/** Names a config text interpolates (`${NAME}`, `${NAME:-default}`) in its values, comments left out. */
export function interpolatedNames(yamlText: string): Set<string> {
  const names = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') for (const match of value.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(match[1] as string);
    else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(parse(yamlText));
  return names;
}
