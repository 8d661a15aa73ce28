import { execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { userInfo } from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A host of a {@link TestNetwork}: a network namespace with one link to the network's bridge. */
export interface TestHost {
  /** The name the test gave it. */
  name: string;
  /** Its network namespace (`ip netns exec <namespace> …` runs a process on it). */
  namespace: string;
  /** Its own IPv4 address on the network. */
  address: string;
  /** The bridge-side end of its veth pair: down, the host is cut off. */
  link: string;
}

export type NamespaceSupport = { available: true } | { available: false; reason: string };

/** Whether this machine lets the test make network namespaces and bridges (Linux, root, iproute2). */
export async function networkNamespaceSupport(): Promise<NamespaceSupport> {
  if (process.platform !== 'linux') return { available: false, reason: `network namespaces are Linux's; this is ${process.platform}` };
  if (userInfo().uid !== 0) return { available: false, reason: 'making network namespaces and bridges needs root' };
  const probe = `gwprobe${randomBytes(3).toString('hex')}`;
  try {
    await run('ip', ['netns', 'add', probe]);
    await run('ip', ['netns', 'del', probe]);
    await run('ip', ['link', 'add', probe, 'type', 'bridge']);
    await run('ip', ['link', 'del', probe]);
    return { available: true };
  } catch (error) {
    spawnSync('ip', ['-force', '-batch', '-'], { input: `netns del ${probe}\nlink del ${probe}\n`, stdio: ['pipe', 'ignore', 'ignore'] });
    const { message, stderr } = error as Error & { stderr?: string };
    return { available: false, reason: `iproute2 cannot make a namespace and a bridge here: ${(stderr?.trim() || message).split('\n')[0]}` };
  }
}

/**
 * A private network of test hosts on this machine: a Linux bridge in the machine's own namespace with
 * the first address of a /24, and per host a network namespace joined to the bridge by a veth pair,
 * with its own address. Processes started in a namespace reach only that /24 (no default route), so
 * nothing on it can lean on 127.0.0.1. The /24 (in 10.0.0.0/8, clear of every address and route the
 * machine has) and all names are random per network: test files and runs side by side never meet.
 */
export class TestNetwork {
  private destroyed = false;
  private readonly onExit = () => this.destroySync();

  private constructor(
    /** The bridge, named `gw<run>br`. */
    readonly bridge: string,
    /** The bridge's address: where servers of the test (Redis, Postgres, a provider) listen for the hosts. */
    readonly bridgeAddress: string,
    readonly hosts: ReadonlyMap<string, TestHost>,
  ) {}

  /** Makes the bridge and one host per name (addresses .11, .12, … in order). */
  static async create(names: readonly string[]): Promise<TestNetwork> {
    const runId = randomBytes(3).toString('hex');
    const prefix = pickFreeSubnet(await takenIpv4Networks());
    const hosts = new Map<string, TestHost>();
    names.forEach((name, index) => hosts.set(name, { name, namespace: `gw${runId}-${name}`, address: `${prefix}.${11 + index}`, link: `gw${runId}v${index}` }));
    const network = new TestNetwork(`gw${runId}br`, `${prefix}.1`, hosts);
    process.once('exit', network.onExit);
    const commands = [`link add ${network.bridge} type bridge`, `addr add ${network.bridgeAddress}/24 dev ${network.bridge}`, `link set ${network.bridge} up`];
    for (const host of hosts.values()) {
      commands.push(
        `netns add ${host.namespace}`,
        // The namespace's end is its eth0, made inside it.
        `link add ${host.link} type veth peer name eth0 netns ${host.namespace}`,
        `link set ${host.link} master ${network.bridge}`,
        `link set ${host.link} up`,
      );
    }
    try {
      await ipBatch(commands);
      const inside = (host: TestHost) => ipBatch([`addr add ${host.address}/24 dev eth0`, 'link set eth0 up', 'link set lo up'], { namespace: host.namespace });
      await Promise.all([...hosts.values()].map(inside));
    } catch (error) {
      await network.destroy();
      throw error;
    }
    return network;
  }

  host(name: string): TestHost {
    const host = this.hosts.get(name);
    if (!host) throw new Error(`no test host ${name}`);
    return host;
  }

  /** Cuts a host's link (its bridge-side end down): its packets go nowhere, nothing is closed or reset. */
  async cut(name: string): Promise<void> {
    await run('ip', ['link', 'set', this.host(name).link, 'down']);
  }

  /** Removes the links, namespaces and bridge; safe to call again, and on a half-made network. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    process.off('exit', this.onExit);
    await ipBatch(this.teardownCommands(), { force: true }).catch(() => undefined);
  }

  /** The same at process exit (a run that never reached its teardown). */
  private destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    spawnSync('ip', ['-force', '-batch', '-'], { input: this.teardownCommands().join('\n'), stdio: ['pipe', 'ignore', 'ignore'] });
  }

  private teardownCommands(): string[] {
    // A namespace some process still runs in outlives its name: deleting the links cuts it off anyway.
    return [...[...this.hosts.values()].flatMap((host) => [`link del ${host.link}`, `netns del ${host.namespace}`]), `link del ${this.bridge}`];
  }
}

/** Runs `ip -batch` (in a namespace, when given): one process for many commands; stops at the first failure unless `force`. */
async function ipBatch(commands: readonly string[], options: { force?: boolean; namespace?: string } = {}): Promise<void> {
  const args = [...(options.namespace ? ['-n', options.namespace] : []), ...(options.force ? ['-force'] : []), '-batch', '-'];
  const child = spawn('ip', args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  child.stdin.end(`${commands.join('\n')}\n`);
  const code = await exited;
  if (code !== 0 && !options.force) throw new Error(`ip -batch failed (${code}): ${errors.trim()}`);
}

/** Every IPv4 network or address this machine has on an interface or in a route (any table). */
async function takenIpv4Networks(): Promise<string[]> {
  const [addresses, routes] = await Promise.all([run('ip', ['-4', '-o', 'addr', 'show']), run('ip', ['-4', 'route', 'show', 'table', 'all'])]);
  return `${addresses.stdout}\n${routes.stdout}`.match(/\b\d{1,3}(?:\.\d{1,3}){3}(?:\/\d{1,2})?\b/g) ?? [];
}

/** The first three octets of a random /24 in 10.0.0.0/8 that overlaps none of `taken` (CIDRs or addresses). */
export function pickFreeSubnet(taken: readonly string[], random: (below: number) => number = randomInt): string {
  const networks = taken.map(parseCidr);
  for (let tries = 0; tries < 1000; tries += 1) {
    const candidate = { base: ((10 << 24) | (random(256) << 16) | (random(256) << 8)) >>> 0, bits: 24 };
    if (!networks.some((network) => overlaps(network, candidate))) return `10.${(candidate.base >>> 16) & 255}.${(candidate.base >>> 8) & 255}`;
  }
  throw new Error('no free /24 in 10.0.0.0/8');
}

function parseCidr(text: string): { base: number; bits: number } {
  const [address = '', bits = '32'] = text.split('/');
  const value = address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
  return { base: value >>> 0, bits: Number(bits) };
}

function overlaps(a: { base: number; bits: number }, b: { base: number; bits: number }): boolean {
  const bits = Math.min(a.bits, b.bits);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (a.base & mask) >>> 0 === (b.base & mask) >>> 0;
}
