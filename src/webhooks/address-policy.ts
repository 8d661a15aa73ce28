import ipaddr from 'ipaddr.js';

/**
 * The pure half of the SSRF guard: which IP addresses a webhook may reach, and the operator's
 * allow-list (`webhooks.allowHosts`). DNS and URLs live in `ssrf-guard.ts`.
 */
export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

export interface AllowList {
  /** Lower-cased hostnames without a trailing dot; also literal addresses written as hosts. */
  hosts: ReadonlySet<string>;
  ranges: ReadonlyArray<[IpAddress, number]>;
}

/**
 * Cloud instance-metadata endpoints. Most sit inside ranges refused anyway (link-local, ULA, CGNAT);
 * Azure's wire server is public address space, so the list is checked on its own.
 */
const metadataAddresses: readonly IpAddress[] = [
  '169.254.169.254', // AWS, GCP, Azure, OCI, DigitalOcean…
  '169.254.170.2', // AWS ECS task metadata
  'fd00:ec2::254', // AWS IMDS over IPv6
  '100.100.100.200', // Alibaba Cloud
  '168.63.129.16', // Azure wire server
].map((address) => ipaddr.parse(address));

export const metadataHostnames: ReadonlySet<string> = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal']);

const nat64 = ipaddr.parseCIDR('64:ff9b::/96');

const rangeDescriptions: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private (RFC 1918) address',
  uniqueLocal: 'a private (unique local, fc00::/7) address',
  linkLocal: 'a link-local address',
  unspecified: 'an unspecified address',
  carrierGradeNat: 'a carrier-grade NAT (100.64.0.0/10) address',
  broadcast: 'a broadcast address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
  deprecatedSiteLocal: 'a site-local address',
};

/** Lower case, no IPv6 brackets, no trailing dot: the form hosts are compared in. */
export function normalizeHost(host: string): string {
  const lower = host.trim().toLowerCase();
  const unbracketed = lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
  return unbracketed.endsWith('.') ? unbracketed.slice(0, -1) : unbracketed;
}

/**
 * Parses an address as connections see it: IPv4-mapped IPv6 (`::ffff:10.0.0.1`) becomes the IPv4
 * address, so it cannot dodge the IPv4 ranges. Undefined when it is not an IP address.
 */
export function parseAddress(text: string): IpAddress | undefined {
  const host = normalizeHost(text);
  // Only dotted quads for IPv4: `ipaddr.isValid('10')` is true, and such a string is a hostname to us.
  if (ipaddr.IPv4.isValidFourPartDecimal(host)) return ipaddr.IPv4.parse(host);
  if (ipaddr.IPv6.isValid(host)) return ipaddr.process(host);
  return undefined;
}

export function isMetadataAddress(address: IpAddress): boolean {
  return metadataAddresses.some((metadata) => sameAddress(metadata, address));
}

/** Why an address is refused (e.g. "a loopback address"), or undefined for a public unicast address. */
export function refusalReason(address: IpAddress): string | undefined {
  if (isMetadataAddress(address)) return 'a cloud metadata address';
  if (address.kind() === 'ipv6' && address.match(nat64)) {
    // NAT64 (64:ff9b::a.b.c.d) reaches the embedded IPv4 address: judge that one.
    const bytes = address.toByteArray().slice(12);
    return refusalReason(ipaddr.fromByteArray(bytes));
  }
  const range = address.range();
  if (range === 'unicast') return undefined;
  return rangeDescriptions[range] ?? `a special-purpose (${range}) address`;
}

/** `webhooks.allowHosts` entries: hostnames, addresses or CIDRs. An unparsable CIDR is a config error. */
export function parseAllowList(entries: readonly string[]): AllowList {
  const hosts = new Set<string>();
  const ranges: Array<[IpAddress, number]> = [];
  for (const entry of entries) {
    const text = normalizeHost(entry);
    if (text.includes('/')) {
      if (!ipaddr.isValidCIDR(text)) throw new Error(`webhooks.allowHosts: "${entry}" is not a valid CIDR`);
      const [address, bits] = ipaddr.parseCIDR(text);
      // `::ffff:10.0.0.0/104` would never match the IPv4 form addresses are compared in.
      const mapped = address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress() && bits >= 96;
      ranges.push(mapped ? [address.toIPv4Address(), bits - 96] : [address, bits]);
      continue;
    }
    const address = parseAddress(text);
    if (address) ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
    hosts.add(address ? address.toString() : text);
  }
  return { hosts, ranges };
}

export function isHostAllowListed(host: string, allowList: AllowList): boolean {
  return allowList.hosts.has(normalizeHost(host));
}

export function isAddressAllowListed(address: IpAddress, allowList: AllowList): boolean {
  return allowList.ranges.some(([network, bits]) => network.kind() === address.kind() && address.match(network, bits));
}

/**
 * The verdict on one address `host` resolved to: undefined when it may be reached, else the reason.
 * A metadata address needs its exact host or address on the allow-list: a CIDR such as
 * `169.254.0.0/16`, listed for some link-local service, must not open the credentials endpoint.
 */
export function checkResolvedAddress(host: string, address: IpAddress, allowList: AllowList): string | undefined {
  const reason = refusalReason(address);
  if (reason === undefined) return undefined;
  if (isMetadataAddress(address)) {
    const exact = isHostAllowListed(host, allowList) || allowList.hosts.has(address.toString());
    return exact ? undefined : reason;
  }
  return isHostAllowListed(host, allowList) || isAddressAllowListed(address, allowList) ? undefined : reason;
}

function sameAddress(left: IpAddress, right: IpAddress): boolean {
  return left.kind() === right.kind() && left.toString() === right.toString();
}
