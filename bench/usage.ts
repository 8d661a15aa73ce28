/**
 * Usage API benchmark: a scratch database with the real schema, 10,000,000 `usage` rows and their
 * `requests` rows (plus 2% failed requests without usage) seeded with generate_series over 30 days,
 * 20 projects, 50 keys, 10 models, 3 providers and 300 batches; rollups built with the `usage:rebuild`
 * SQL; then the usage questions timed through `queryUsage` (what the routes call), p50 of several runs.
 * Checks the rollup totals against the raw tables. Drops the database at the end.
 *
 *   npm run bench:usage
 *   BENCH_USAGE_ROWS=10000000   BENCH_USAGE_RUNS=9   DATABASE_URL
 *   BENCH_USAGE_KEEP=1 (keep the database)   BENCH_USAGE_REUSE=<its url> (time the questions again, no seeding)
 */
import { statfs } from 'node:fs/promises';
import pg from 'pg';
import { runMigrations } from '../src/db/migrate.ts';
import { rebuildUsageRollups } from '../src/usage/rebuild-usage-rollups.ts';
import { dayMs, floorTo, hourMs, type UsageGroup } from '../src/usage/usage-params.ts';
import { queryUsage } from '../src/usage/usage-report.ts';
import { createScratchDatabase } from './scratch-services.ts';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const usageRows = Number(process.env.BENCH_USAGE_ROWS ?? 10_000_000);
const failedRows = Math.round(usageRows / 49); // 2% of all requests
const runs = Number(process.env.BENCH_USAGE_RUNS ?? 9);
/** A database a BENCH_USAGE_KEEP=1 run left: time the questions again without seeding. */
const reuseUrl = process.env.BENCH_USAGE_REUSE;
const chunkRows = 500_000;
const targetMs = 100;
const log = (message: string) => process.stderr.write(`bench: ${message}\n`);
const cleanups: Array<() => Promise<unknown>> = [];

/**
 * One seeded request per g: its key, model, provider, batch, cache hit, tokens and latency derived from
 * hashes of g, so each chunk is independent and the data is the same every run. Each key uses three
 * models; each model has a home provider and 5% of its calls land on another (a fallback); keys
 * 0, 5, …, 45 send half their traffic as batch lines (one batch per key and day); 5% of the rest are
 * cache hits. Latency is log-uniform between 50 ms and 2.7 s.
 */
const seededLine = (g: string, settleOffsetMs: string) => `
  SELECT ${g} AS g, k, 'model-' || ((k + 3 * (h2 % 3)) % 10) AS model,
         'provider-' || (((k + 3 * (h2 % 3)) % 10 + CASE WHEN h3 % 20 = 0 THEN 1 ELSE 0 END) % 3) AS provider,
         k % 5 = 0 AND h4 % 2 = 0 AS batched, h5 % 20 = 0 AS hit,
         50 + h7 % 1000 AS prompt, 1 + h8 % 300 AS completion,
         $1::timestamptz + ${settleOffsetMs} * interval '1 millisecond' AS settled,
         50 * exp((h6 % 1000) / 250.0) * interval '1 millisecond' AS latency
  FROM (SELECT abs(hashint8extended(${g}, 1)) % 50 AS k, abs(hashint8extended(${g}, 2)) AS h2, abs(hashint8extended(${g}, 3)) AS h3,
               abs(hashint8extended(${g}, 4)) AS h4, abs(hashint8extended(${g}, 5)) AS h5, abs(hashint8extended(${g}, 6)) AS h6,
               abs(hashint8extended(${g}, 7)) AS h7, abs(hashint8extended(${g}, 8)) AS h8) AS h`;

/** $1 start, $2 span in ms, $3/$4 the g range; `failed` rows have no usage and ids after the usage rows. */
function seedRequestsSql(failed: boolean): string {
  const offset = failed ? `(g - ${usageRows}) * ($2::float8 / ${failedRows})` : `g * ($2::float8 / ${usageRows})`;
  return `
INSERT INTO requests (id, project_id, api_key_id, kind, status, model, provider, upstream_model, attempts, status_code, error_code,
                      created_at, started_at, completed_at, batch_id, line_number, cache_status)
SELECT 'req_' || lpad(s.g::text, 10, '0'), 'proj_' || (s.k % 20), 'key_' || s.k,
       CASE WHEN s.batched AND NOT ${failed} THEN 'batch' ELSE 'sync' END, ${failed ? "'failed'" : "'completed'"}, s.model, s.provider, s.model, 1,
       ${failed ? "502, 'provider_error'" : '200, NULL'},
       CASE WHEN s.batched AND NOT ${failed} THEN date_trunc('day', s.settled) ELSE s.settled - s.latency END,
       s.settled - s.latency, s.settled,
       CASE WHEN s.batched AND NOT ${failed} THEN 'batch_' || s.k || '_' || to_char(s.settled, 'YYYYMMDD') END,
       CASE WHEN s.batched AND NOT ${failed} THEN s.g END,
       CASE WHEN s.hit AND NOT s.batched AND NOT ${failed} THEN 'hit' ELSE 'miss' END
FROM generate_series($3::bigint, $4::bigint) AS series(g), LATERAL (${seededLine('series.g', offset)}) AS s`;
}

const seedUsageSql = `
INSERT INTO usage (request_id, project_id, api_key_id, model, provider, upstream_model, prompt_tokens, completion_tokens, total_tokens,
                   cached_prompt_tokens, cost, cost_saved, cache_hit, batch_id, created_at)
SELECT 'req_' || lpad(s.g::text, 10, '0'), 'proj_' || (s.k % 20), 'key_' || s.k, s.model, s.provider, s.model, s.prompt, s.completion,
       s.prompt + s.completion, CASE WHEN s.prompt % 4 = 0 THEN s.prompt / 2 ELSE 0 END,
       CASE WHEN s.hit AND NOT s.batched THEN 0 ELSE s.prompt * 0.0000025 + s.completion * 0.00001 END,
       CASE WHEN s.hit AND NOT s.batched THEN s.prompt * 0.0000025 + s.completion * 0.00001 ELSE 0 END,
       s.hit AND NOT s.batched, CASE WHEN s.batched THEN 'batch_' || s.k || '_' || to_char(s.settled, 'YYYYMMDD') END, s.settled
FROM generate_series($3::bigint, $4::bigint) AS series(g), LATERAL (${seededLine('series.g', `g * ($2::float8 / ${usageRows})`)}) AS s`;

async function seed(pool: pg.Pool, start: Date, spanMs: number): Promise<void> {
  const setup = async (client: pg.PoolClient) => {
    await client.query('SET synchronous_commit = off');
    // Seeding only: the generated rows reference projects and keys that exist; skip the per-row FK checks.
    await client.query("SET session_replication_role = 'replica'").catch(() => log('cannot skip FK triggers (not superuser); seeding slower'));
  };
  const work: Array<{ sql: string; from: number; to: number }> = [];
  for (let from = 1; from <= usageRows; from += chunkRows) {
    const to = Math.min(usageRows, from + chunkRows - 1);
    work.push({ sql: seedRequestsSql(false), from, to }, { sql: seedUsageSql, from, to });
  }
  work.push({ sql: seedRequestsSql(true), from: usageRows + 1, to: usageRows + failedRows });
  let done = 0;
  // Two connections, one per core: requests and usage chunks run side by side.
  await Promise.all(
    [0, 1].map(async () => {
      const client = await pool.connect();
      try {
        await setup(client);
        for (let item = work.shift(); item; item = work.shift()) {
          await client.query(item.sql, [start, spanMs, item.from, item.to]);
          done += item.to - item.from + 1;
          if (done % 2_000_000 < chunkRows) log(`seeded ${(done / 1e6).toFixed(1)}M rows`);
        }
      } finally {
        client.release();
      }
    }),
  );
}

async function main(): Promise<number> {
  const scratchDatabase = async () => {
    const free = await statfs('/');
    const freeGb = (free.bavail * free.bsize) / 1e9;
    const neededGb = (usageRows / 1e7) * 12;
    if (freeGb < neededGb) throw new Error(`needs ~${neededGb.toFixed(0)} GB free for ${usageRows} rows, has ${freeGb.toFixed(0)} GB`);
    const database = await createScratchDatabase(databaseUrl, 'bench_usage');
    if (process.env.BENCH_USAGE_KEEP !== '1') cleanups.push(database.drop);
    else log(`keeping ${database.url} (BENCH_USAGE_REUSE=<that url> times the questions again)`);
    return database.url;
  };
  const pool = new pg.Pool({ connectionString: reuseUrl ?? (await scratchDatabase()), max: 3 });
  cleanups.push(() => pool.end());
  let end = floorTo(new Date(), hourMs);
  let seedSeconds = 0;
  let rebuildSeconds = 0;
  let rebuilt = { hourlyRows: 0, dailyRows: 0 };
  if (reuseUrl) {
    const { rows } = await pool.query<{ end: Date }>("SELECT max(hour) + interval '1 hour' AS end FROM usage_rollups");
    end = rows[0]!.end;
    log(`reusing ${reuseUrl}: seeded up to ${end.toISOString()}`);
  } else {
    await runMigrations(pool);
    const start = new Date(end.getTime() - 30 * dayMs);
    await pool.query("INSERT INTO projects (id, name) SELECT 'proj_' || p, 'project-' || p FROM generate_series(0, 19) p");
    await pool.query("INSERT INTO api_keys (id, project_id, name, key_hash, key_prefix) SELECT 'key_' || k, 'proj_' || (k % 20), 'key ' || k, md5(k::text), 'sk-' || k FROM generate_series(0, 49) k");
    let started = performance.now();
    log(`seeding ${usageRows.toLocaleString('en')} usage rows and ${(usageRows + failedRows).toLocaleString('en')} requests`);
    await seed(pool, start, 30 * dayMs - 1);
    seedSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    await pool.query('ANALYZE requests, usage');
    log(`seeded in ${seedSeconds.toFixed(0)} s; building rollups with the usage:rebuild SQL`);
    rebuilt = await rebuildUsageRollups(pool, { from: start, to: end });
    await pool.query('ANALYZE usage_rollups, usage_daily_rollups');
    rebuildSeconds = (performance.now() - started) / 1000;
  }
  const start = new Date(end.getTime() - 30 * dayMs);

  const sizes = (
    await pool.query<{ name: string; rows: number; size: string }>(
      `SELECT relname AS name, reltuples::bigint AS rows, pg_size_pretty(pg_total_relation_size(oid)) AS size FROM pg_class
       WHERE relname IN ('requests', 'usage', 'usage_rollups', 'usage_daily_rollups') ORDER BY relname`,
    )
  ).rows;

  // The rollups must say what the raw tables say.
  const raw = (
    await pool.query<{ requests: number; tokens: number; cost: string }>(
      'SELECT (SELECT count(*) FROM requests) AS requests, (SELECT sum(prompt_tokens + completion_tokens)::bigint FROM usage) AS tokens, (SELECT trim_scale(sum(cost))::text FROM usage) AS cost',
    )
  ).rows[0]!;

  const now = new Date(end.getTime() - 17 * 60_000); // mid-hour, as a caller's "now" would be
  const ago = (days: number) => new Date(now.getTime() - days * dayMs);
  // The issue's questions have the target; the two heavy ones (every key and batch apart, or a week of
  // hours across all projects: tens of thousands of rollup rows) are shown for what they cost.
  const questions: Array<{ name: string; groups: UsageGroup[]; from: Date; projectId?: string; target?: false }> = [
    { name: 'admin, 30 days, total', groups: [], from: ago(30) },
    { name: 'admin, 30 days, group_by=day', groups: ['day'], from: ago(30) },
    { name: 'admin, 30 days, group_by=model,provider', groups: ['model', 'provider'], from: ago(30) },
    { name: 'admin, 30 days, group_by=project,key,model,provider,batch', groups: ['project', 'key', 'model', 'provider', 'batch'], from: ago(30), target: false },
    { name: 'project, 1 day, group_by=hour', groups: ['hour'], from: ago(1), projectId: 'proj_3' },
    { name: 'project, 7 days, group_by=key,model', groups: ['key', 'model'], from: ago(7), projectId: 'proj_3' },
    { name: 'project, 30 days, group_by=batch', groups: ['batch'], from: ago(30), projectId: 'proj_0' },
    { name: 'admin, 7 days, group_by=hour (hourly rows only)', groups: ['hour'], from: ago(7), target: false },
  ];
  const results: Array<Record<string, string | number>> = [];
  let ok = true;
  for (const question of questions) {
    const range = { from: floorTo(question.from, hourMs), to: new Date(Math.ceil(now.getTime() / hourMs) * hourMs) };
    const options = { range, groups: question.groups, projectId: question.projectId };
    const first = await queryUsage(pool, options);
    const timings: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      const before = performance.now();
      await queryUsage(pool, options);
      timings.push(performance.now() - before);
    }
    timings.sort((a, b) => a - b);
    const p50 = timings[Math.floor(timings.length / 2)]!;
    if (question.target !== false) ok &&= p50 < targetMs;
    results.push({
      question: question.name,
      groups: first.data.length,
      requests: first.total.requests,
      'p50 ms': p50.toFixed(1),
      'max ms': timings.at(-1)!.toFixed(1),
      target: question.target === false ? '-' : `< ${targetMs} ms`,
    });
  }
  const all = await queryUsage(pool, { range: { from: start, to: end }, groups: [] });
  const exact = all.total.requests === Number(raw.requests) && all.total.input_tokens + all.total.output_tokens === Number(raw.tokens) && all.total.cost === raw.cost;
  ok &&= exact;

  console.table(sizes);
  process.stdout.write(
    `seeded ${usageRows.toLocaleString('en')} usage + ${(usageRows + failedRows).toLocaleString('en')} requests rows in ${seedSeconds.toFixed(0)} s; ` +
      `rollups rebuilt in ${rebuildSeconds.toFixed(0)} s (${rebuilt.hourlyRows.toLocaleString('en')} hourly, ${rebuilt.dailyRows.toLocaleString('en')} daily rows)\n`,
  );
  console.table(results);
  process.stdout.write(
    `rollup totals vs raw tables: requests ${all.total.requests} vs ${raw.requests}, tokens ${all.total.input_tokens + all.total.output_tokens} vs ${raw.tokens}, ` +
      `cost ${all.total.cost} vs ${raw.cost}: ${exact ? 'equal' : 'MISMATCH'}\n`,
  );
  return ok ? 0 : 1;
}

const exitCode = await main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  return 2;
});
for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
process.exit(exitCode);
