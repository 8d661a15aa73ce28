import { describe, expect, it } from 'vitest';
import { checkResolvedAddress, isAddressAllowListed, isHostAllowListed, parseAddress, parseAllowList, refusalReason } from './address-policy.ts';

const address = (text: string) => {
  const parsed = parseAddress(text);
  if (!parsed) throw new Error(`not an address: ${text}`);
  return parsed;
};

describe('address classification', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'unique local'],
    ['fd12:3456::1', 'unique local'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['168.63.129.16', 'metadata'],
    ['100.100.100.200', 'metadata'],
    // IPv4 inside IPv6 is judged as the IPv4 address it reaches.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::a00:1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
  ])('refuses %s (%s)', (text, kind) => {
    expect(refusalReason(address(text))).toContain(kind);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'])('allows public %s', (text) => {
    expect(refusalReason(address(text))).toBeUndefined();
  });

  it('treats only dotted quads and IPv6 as addresses, not bare numbers', () => {
    expect(parseAddress('10')).toBeUndefined();
    expect(parseAddress('example.com')).toBeUndefined();
    expect(parseAddress('[::1]')?.toString()).toBe('::1');
  });
});

describe('allow-list', () => {
  const allowList = parseAllowList(['127.0.0.1', '10.0.0.0/8', 'Hooks.Internal.', 'fd00::/8', '::ffff:192.168.0.0/112']);

  it('matches hostnames exactly, ignoring case and a trailing dot', () => {
    expect(isHostAllowListed('hooks.internal', allowList)).toBe(true);
    expect(isHostAllowListed('HOOKS.internal.', allowList)).toBe(true);
    expect(isHostAllowListed('sub.hooks.internal', allowList)).toBe(false);
    expect(isHostAllowListed('internal', allowList)).toBe(false);
  });

  it('matches addresses and CIDRs, IPv4-mapped CIDRs as IPv4', () => {
    expect(isAddressAllowListed(address('127.0.0.1'), allowList)).toBe(true);
    expect(isAddressAllowListed(address('127.0.0.2'), allowList)).toBe(false);
    expect(isAddressAllowListed(address('10.200.3.4'), allowList)).toBe(true);
    expect(isAddressAllowListed(address('11.0.0.1'), allowList)).toBe(false);
    expect(isAddressAllowListed(address('fd12::1'), allowList)).toBe(true);
    expect(isAddressAllowListed(address('fc00::1'), allowList)).toBe(false);
    expect(isAddressAllowListed(address('192.168.4.5'), allowList)).toBe(true);
    expect(isAddressAllowListed(address('::ffff:127.0.0.1'), allowList)).toBe(true);
  });

  it('rejects a malformed CIDR', () => {
    expect(() => parseAllowList(['10.0.0.0/33'])).toThrow(/not a valid CIDR/);
  });

  it('opens a refused address only through the allow-list', () => {
    expect(checkResolvedAddress('localhost', address('127.0.0.1'), parseAllowList([]))).toContain('loopback');
    expect(checkResolvedAddress('localhost', address('127.0.0.1'), allowList)).toBeUndefined();
    expect(checkResolvedAddress('hooks.internal', address('192.168.9.9'), allowList)).toBeUndefined();
    expect(checkResolvedAddress('example.com', address('93.184.215.14'), parseAllowList([]))).toBeUndefined();
  });

  it('needs an exact entry for a metadata address: a covering CIDR is not enough', () => {
    const metadata = address('169.254.169.254');
    expect(checkResolvedAddress('x.test', metadata, parseAllowList(['169.254.0.0/16']))).toContain('metadata');
    expect(checkResolvedAddress('x.test', metadata, parseAllowList(['169.254.169.254']))).toBeUndefined();
    expect(checkResolvedAddress('x.test', address('169.254.10.10'), parseAllowList(['169.254.0.0/16']))).toBeUndefined();
  });
});
