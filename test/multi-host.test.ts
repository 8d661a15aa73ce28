import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killChildrenNow, stopChild } from '../bench/processes.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { leaderLockClass } from '../src/durability/leader-lock.ts';
import { parseGatewayConfig } from '../src/config/gateway-config.ts';
import { interactiveReserve, leaseGraceMs, planProviderLimits, routeLimitsByModel } from '../src/limits/provider/limit-plan.ts';
import { batchLedger, exactlyOnce } from './support/batch-ledger.ts';
import { startGatewayProcess, type GatewayProcess } from './support/gateway-process.ts';
import { networkNamespaceSupport, pickFreeSubnet, TestNetwork } from './support/network-namespaces.ts';
import { OpenAIWireServer } from './support/openai-wire-server.ts';
import { OwnPostgresCluster } from './support/own-postgres-cluster.ts';
import { OwnRedisServer } from './support/own-redis-server.ts';
import { ReverseProxy } from './support/reverse-proxy.ts';
import { StrictConcurrency, StrictSlidingWindow, strictlyLimited, windowShares } from './support/strict-rate-limit.ts';
import { postJson, testAdminKey } from './support/test-gateway.ts';
import { uniqueName } from './support/test-services.ts';

/**
 * The gateway spread over hosts: two API and three worker processes, each in a network namespace of
 * its own with its own address, reach Redis, Postgres and the provider (servers of this file, on the
 * test network's bridge) over their links only; the namespaces have no route anywhere else, and their
 * 127.0.0.1 is their own. Clients go through a round-robin in front of the two APIs. Mid-batch, the
 * link of the worker that leads reconciliation is cut (nothing closed, nothing reset: its packets just
 * go nowhere, as when a host vanishes): its chunks and calls come back once their locks and leases
 * lapse, another process takes the lead, and the batch and every sync call complete, each once, with
 * no call over the provider's limits.
 */
const support = await networkNamespaceSupport();

// The provider answers in 0–300 ms: 24 calls in flight carry about 160 a second, close to the rpm.
const limits = { rpm: 180, windowMs: 1000, concurrency: 24 };
/** The provider's timeout: a lost worker's slots come back this long plus the grace after it took them. */
const providerTimeoutMs = 5000;
const lines = 3000;
const pricing = { inputPerMillion: '1', outputPerMillion: '2' };
const apis = ['api1', 'api2'] as const;
const workers = ['w1', 'w2', 'w3'] as const;

describe('API and worker processes on separate hosts', () => {
  const window = new StrictSlidingWindow(limits.rpm, limits.windowMs);
  const concurrency = new StrictConcurrency(limits.concurrency);
  const provider = new OpenAIWireServer(strictlyLimited(window, { maxDelayMs: 300, concurrency }));
  provider.record = false;
  const processes = new Map<string, GatewayProcess>();
  let network: TestNetwork | undefined;
  let redis: OwnRedisServer | undefined;
  let postgres: OwnPostgresCluster | undefined;
  let sql: pg.Pool | undefined;
  let front: ReverseProxy | undefined;
  let directory: string | undefined;
  /** The Redis key of the provider's concurrency slots (holder → lease end, Redis clock). */
  let slotsKey = '';

  beforeAll(async () => {
    if (!support.available) return;
    network = await TestNetwork.create([...apis, ...workers]);
    const bridge = network.bridgeAddress;
    // One after the other: each is stopped in afterAll once assigned, even when the next fails to start.
    redis = await OwnRedisServer.start({ host: bridge, password: uniqueName('redis-password') });
    postgres = await OwnPostgresCluster.start({ host: bridge });
    const databaseUrl = await postgres.createDatabase('multihost');
    sql = new pg.Pool({ connectionString: databaseUrl, max: 3 });
    await runMigrations(sql);
    const providerUrl = await provider.start(bridge);
    directory = await mkdtemp(join(tmpdir(), 'multi-host-'));
    const config = {
      providers: {
        limited: {
          type: 'openai',
          baseUrl: providerUrl,
          apiKey: 'sk-test',
          concurrency: limits.concurrency,
          rpm: limits.rpm,
          rateWindowMs: limits.windowMs,
          timeoutMs: providerTimeoutMs,
          retryBaseDelayMs: 100,
        },
      },
      models: { 'multi-host': { routes: [{ provider: 'limited', model: 'strict' }], pricing } },
      batches: { chunkSize: 50 },
      // A lost worker's chunks and calls come back after 2 s without a lock renewal; the lead is asked for every 2 s.
      durability: { jobLockMs: 2000, reconcileIntervalMs: 2000 },
      server: { requestTimeoutMs: 60_000, shutdownTimeoutMs: 5000 },
    };
    const prefix = uniqueName('multihost');
    const parsed = parseGatewayConfig(config, {});
    const plan = planProviderLimits({ config: parsed, prefix, provider: 'limited', model: 'strict', routeLimits: routeLimitsByModel(parsed) });
    slotsKey = plan?.sets.batch.constraints.find((constraint) => constraint.kind === 'concurrency')?.key ?? '';
    const start = async (name: string, role: 'api' | 'worker') => {
      const host = network!.host(name);
      const started = await startGatewayProcess({
        name,
        role,
        config,
        directory: directory!,
        databaseUrl,
        redisUrl: redis!.url,
        prefix,
        host: host.address,
        namespace: host.namespace,
        environment: role === 'worker' ? { METRICS_PORT: '9464' } : {},
      });
      processes.set(name, started);
      return started;
    };
    // The first worker alone first: it takes the reconciler's lead, which the cut then takes from it.
    const first = await start('w1', 'worker');
    await first.child.waitForLine(/this process leads reconciliation/, 30_000);
    await Promise.all([start('w2', 'worker'), start('w3', 'worker'), start('api1', 'api'), start('api2', 'api')]);
    front = await ReverseProxy.roundRobin(apis.map((name) => processes.get(name)!.url));
  }, 120_000);

  afterAll(async () => {
    for (const started of processes.values()) {
      if (started.child.process.exitCode === null && started.child.process.signalCode === null) void stopChild(started.child, 10_000);
    }
    await Promise.all([...processes.values()].map((started) => started.exited));
    killChildrenNow();
    await front?.close();
    await provider.stop();
    await sql?.end();
    await Promise.all([redis?.stop(), postgres?.stop()]);
    await network?.destroy();
    if (directory) await rm(directory, { recursive: true, force: true });
  }, 60_000);

  it('the subnet of a test network overlaps nothing the machine has', () => {
    const picks = [0, 0, 7, 9];
    expect(pickFreeSubnet(['10.0.0.0/16', '192.0.2.2'], () => picks.shift() ?? 0)).toBe('10.7.9');
    expect(() => pickFreeSubnet(['10.0.0.0/8'])).toThrow(/no free/);
  });

  it('a batch and sync calls through a round-robin complete, each once, within the provider limits, while a worker host vanishes', async (context) => {
    if (!support.available) {
      process.stderr.write(`skipped: ${support.reason}\n`);
      context.skip(support.reason);
    }
    const net = network!;
    const db = sql!;
    const victim = net.host('w1');
    const survivors = workers.filter((name) => name !== 'w1').map((name) => net.host(name).address);
    const leaderAddress = () => leadingAddress(db);
    /** The holders of provider slots still counted now (their leases end later, on Redis's clock). */
    const slotHolders = async () => {
      const client = redis!.client();
      try {
        const [[seconds, micros], entries] = await Promise.all([client.time(), client.zrange(slotsKey, 0, -1, 'WITHSCORES')]);
        const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
        const holders = new Set<string>();
        for (let index = 0; index + 1 < entries.length; index += 2) if (Number(entries[index + 1]) > now) holders.add(entries[index] ?? '');
        return holders;
      } finally {
        await client.quit();
      }
    };
    expect(await leaderAddress()).toBe(victim.address);
    // Every process is connected to Postgres and Redis from its own address (the bridge's are this file's);
    // every worker answers its probes on its own.
    const addresses = [...apis, ...workers].map((name) => net.host(name).address);
    const { rows: sessions } = await db.query<{ address: string }>(
      `SELECT DISTINCT host(client_addr) AS address FROM pg_stat_activity WHERE datname = current_database() AND client_addr <> $1::inet`,
      [net.bridgeAddress],
    );
    expect(sessions.map((row) => row.address).sort()).toEqual([...addresses].sort());
    const redisClients = redis!.client();
    const clientList = String(await redisClients.client('LIST'));
    await redisClients.quit();
    expect(new Set([...clientList.matchAll(/ addr=([\d.]+):/g)].map((match) => match[1]).filter((address) => address !== net.bridgeAddress))).toEqual(new Set(addresses));
    for (const name of workers) expect((await fetch(`http://${net.host(name).address}:9464/readyz`)).status).toBe(200);

    const adminKey = await postJson(`${front!.origin}/admin/keys`, { name: 'multi-host', project: 'multi-host' }, testAdminKey);
    expect(adminKey.status).toBe(201);
    const key = adminKey.body.key as string;

    // Sync calls from 4 clients, each one after the other, until the batch is done: before, across and after the cut.
    const sync = syncClients({ url: `${front!.origin}/v1/chat/completions`, key, clients: 4 });
    const answered = sync.answered;
    // Whatever happens, nothing of this test goes on calling once it ended.
    let ended = false;
    context.onTestFinished(async () => {
      ended = true;
      await sync.stop().catch(() => undefined);
    });

    const requests = Array.from({ length: lines }, (_unused, index) => ({ custom_id: `line-${index}`, body: { model: 'multi-host', messages: [{ role: 'user', content: `line ${index}` }] } }));
    const created = await postJson(`${front!.origin}/v1/batches`, { endpoint: '/v1/chat/completions', completion_window: '24h', requests }, key);
    expect(created.status).toBe(200);
    const batchId = created.body.id as string;
    const progress = async () => {
      const { rows } = await db.query<{ done: number; status: string }>('SELECT completed_count + failed_count AS done, status FROM batches WHERE id = $1', [batchId]);
      return rows[0]!;
    };

    await expect.poll(async () => (await progress()).done, { timeout: 30_000, interval: 50 }).toBeGreaterThanOrEqual(lines * 0.3);
    // The victim is at work when its link goes: it called the provider within the last half second.
    const recentFromVictim = () => window.accepted.filter((arrival) => arrival.address === victim.address && arrival.at > Date.now() - 500).length;
    await expect.poll(recentFromVictim, { timeout: 5_000, interval: 10 }).toBeGreaterThan(0);
    await net.cut('w1');
    const cutAt = Date.now();
    expect((await progress()).done).toBeLessThan(lines);
    // The lead moves to a host still there once the cut one's Postgres session ended.
    const leadMoved = (async () => {
      while (!ended && Date.now() < cutAt + 60_000) {
        const address = await leaderAddress();
        if (address !== undefined && address !== victim.address) return { address, afterMs: Date.now() - cutAt };
        await sleep(250);
      }
      return undefined;
    })();

    // The cut worker's provider slots: still counted once the others' calls of the moment ended, until
    // their leases end (the provider's timeout plus the grace); then free.
    const heldAtCut = await slotHolders();
    const cutOffSlots = (async () => {
      const stillHeld = async () => [...(await slotHolders())].filter((holder) => heldAtCut.has(holder)).length;
      await sleep(cutAt + 3000 - Date.now());
      const afterCut = await stillHeld();
      await sleep(cutAt + providerTimeoutMs + leaseGraceMs + 500 - Date.now());
      return { afterCut, afterLeases: await stillHeld() };
    })();
    await expect.poll(async () => (await progress()).status, { timeout: 60_000, interval: 200 }).toBe('completed');
    const batchDoneMs = Date.now() - cutAt;
    await sync.stop();
    const lead = await leadMoved;
    expect([...apis, ...workers].filter((name) => name !== 'w1').map((name) => net.host(name).address)).toContain(lead?.address);

    // Each line once in Postgres and in the files, billed once.
    const download = async (fileId: string) => (await fetch(`${front!.origin}/v1/files/${fileId}/content`, { headers: { authorization: `Bearer ${key}` } })).text();
    expect(await batchLedger({ sql: db, batchId, download })).toMatchObject(exactlyOnce(lines));
    // Every sync call answered, with its own answer, recorded and billed once.
    expect(answered.filter((call) => call.status !== 200)).toEqual([]);
    expect(answered.filter((call) => call.content !== `echo: sync ${call.index}`)).toEqual([]);
    expect(answered.filter((call) => call.startedAt < cutAt && call.endedAt > cutAt).length).toBeGreaterThan(0);
    const syncIds = answered.map((call) => call.requestId ?? '');
    expect(new Set(syncIds).size).toBe(answered.length);
    const { rows: recorded } = await db.query<{ requests: number; usage: number; all_usage: number }>(
      `SELECT (SELECT count(*)::int FROM requests WHERE id = ANY($1) AND status = 'completed') AS requests,
              (SELECT count(*)::int FROM usage WHERE request_id = ANY($1)) AS usage,
              (SELECT count(*)::int FROM usage) AS all_usage`,
      [syncIds],
    );
    expect(recorded[0]).toEqual({ requests: answered.length, usage: answered.length, all_usage: answered.length + lines });

    // The provider's limits held across the processes, through the cut: not one call refused.
    expect(window.rejected).toEqual([]);
    expect(concurrency.rejected).toEqual([]);
    // Kept full, never passed (batch lines leave a few slots to sync calls).
    expect(concurrency.peak).toBeGreaterThanOrEqual(limits.concurrency - interactiveReserve(limits.concurrency));
    expect(concurrency.peak).toBeLessThanOrEqual(limits.concurrency);
    const slots = await cutOffSlots;
    expect(slots.afterCut).toBeGreaterThan(0);
    expect(slots.afterLeases).toBe(0);
    // Calls came from the workers' own addresses only; none from the cut host once it was cut.
    const byAddress = new Map<string, number>();
    for (const arrival of window.accepted) byAddress.set(arrival.address ?? '', (byAddress.get(arrival.address ?? '') ?? 0) + 1);
    expect(new Set(byAddress.keys())).toEqual(new Set(workers.map((name) => net.host(name).address)));
    expect(window.accepted.filter((arrival) => arrival.address === victim.address && arrival.at > cutAt + 100)).toEqual([]);
    expect(window.accepted.filter((arrival) => survivors.includes(arrival.address ?? '') && arrival.at > cutAt).length).toBeGreaterThan(0);
    // Both APIs served.
    for (const name of apis) expect(front!.forwarded.get(processes.get(name)!.url) ?? 0).toBeGreaterThan(answered.length / 4);

    const shares = windowShares(
      window.accepted.map((arrival) => arrival.at),
      { limit: limits.rpm, windowMs: limits.windowMs, stepMs: 50 },
    );
    await context.annotate(
      `multi-host: ${window.accepted.length} provider calls for ${lines + answered.length} requests (${answered.length} sync); by address ${JSON.stringify(Object.fromEntries(byAddress))}; ` +
        `peak in flight ${concurrency.peak}/${limits.concurrency}; cut-off slots ${slots.afterCut} then ${slots.afterLeases}; window share mean ${shares.mean.toFixed(2)} max ${shares.max.toFixed(2)}; ` +
        `front ${JSON.stringify(Object.fromEntries(front!.forwarded))}; lead moved ${lead?.afterMs} ms after the cut; batch done ${batchDoneMs} ms after the cut`,
    );

    const cutOff = processes.get('w1')!;
    process.kill(-cutOff.child.pid, 'SIGKILL');
    expect(await cutOff.exited).toBe('SIGKILL');
  }, 120_000);
});

/** The address of the Postgres session holding the reconciler's lock: which host leads. */
async function leadingAddress(db: pg.Pool): Promise<string | undefined> {
  const { rows } = await db.query<{ address: string }>(
    `SELECT host(a.client_addr) AS address FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.classid = $1::oid AND l.granted`,
    [leaderLockClass],
  );
  return rows[0]?.address;
}

interface SyncCall {
  index: number;
  status: number;
  requestId: string | null;
  content: unknown;
  startedAt: number;
  endedAt: number;
}

/** `clients` callers of a sync chat completion, each call after the last one's answer (and a pause), until stopped. */
function syncClients(options: { url: string; key: string; clients: number }): { answered: SyncCall[]; stop(): Promise<void> } {
  const answered: SyncCall[] = [];
  let stopped = false;
  let next = 0;
  const running = Promise.all(
    Array.from({ length: options.clients }, async () => {
      while (!stopped) {
        const index = next++;
        const startedAt = Date.now();
        const answer = await postJson(options.url, { model: 'multi-host', messages: [{ role: 'user', content: `sync ${index}` }] }, options.key);
        answered.push({ index, status: answer.status, requestId: answer.headers.get('x-request-id'), content: answer.body.choices?.[0]?.message?.content, startedAt, endedAt: Date.now() });
        await sleep(100);
      }
    }),
  );
  return {
    answered,
    stop: async () => {
      stopped = true;
      await running;
    },
  };
}
