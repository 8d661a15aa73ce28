import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookupAsync } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import type { WebhooksConfig } from '../config/gateway-config.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { checkResolvedAddress, isHostAllowListed, metadataHostnames, normalizeHost, parseAddress, parseAllowList, type AllowList } from './address-policy.ts';

/**
 * Webhook URLs point wherever a client likes, so the gateway would otherwise fetch its own network
 * for them (SSRF). URLs are checked when a client submits them and again on every connection the
 * sender opens, against the addresses actually connected to (see `createGuardedLookup`).
 */

/** Resolves every address of a hostname; swappable in tests. */
export type ResolveAll = (hostname: string) => Promise<LookupAddress[]>;

const resolveAll: ResolveAll = (hostname) => dnsLookupAsync(hostname, { all: true, verbatim: true });

export interface WebhookUrlCheckOptions {
  /** Names the field in the 400 answer. @defaultValue 'webhook.url' */
  param?: string;
  resolve?: ResolveAll;
}

// Parsed once per config object: the API checks on every submission.
const allowLists = new WeakMap<WebhooksConfig, AllowList>();
export function allowListOf(config: WebhooksConfig): AllowList {
  let allowList = allowLists.get(config);
  if (!allowList) {
    allowList = parseAllowList(config.allowHosts);
    allowLists.set(config, allowList);
  }
  return allowList;
}

/** Throws `webhook_url_not_allowed` unless the URL is http(s) and every address of its host may be reached. */
export async function assertWebhookUrlAllowed(url: string, config: WebhooksConfig, options: WebhookUrlCheckOptions = {}): Promise<void> {
  const param = options.param ?? 'webhook.url';
  const parsed = parseWebhookUrl(url, param);
  const host = normalizeHost(parsed.hostname);
  const allowList = allowListOf(config);
  assertHostnameAllowed(host, allowList, param);
  if (parseAddress(host)) {
    assertAddressesAllowed(host, [host], allowList, param);
    return;
  }
  let addresses: LookupAddress[];
  try {
    addresses = await (options.resolve ?? resolveAll)(host);
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : 'error';
    throw refused(param, `The webhook URL's host "${host}" could not be resolved (${code}).`);
  }
  assertAddressesAllowed(
    host,
    addresses.map((address) => address.address),
    allowList,
    param,
  );
}

/** A URL a webhook may use at all: absolute, http or https. Only the scheme and syntax are judged here. */
export function parseWebhookUrl(url: string, param = 'webhook.url'): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refused(param, `The webhook URL "${url}" is not a valid absolute URL.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw refused(param, `Webhook URLs must use http or https, not "${parsed.protocol.replace(/:$/, '')}".`);
  }
  return parsed;
}

/**
 * Checks what can be judged without DNS: scheme, metadata hostnames and literal IP hosts. The sender
 * runs it before each attempt, because connections to a literal IP never go through a lookup.
 */
export function assertWebhookUrlAllowedOffline(url: string, config: WebhooksConfig): URL {
  const parsed = parseWebhookUrl(url);
  const host = normalizeHost(parsed.hostname);
  const allowList = allowListOf(config);
  assertHostnameAllowed(host, allowList, 'webhook.url');
  if (parseAddress(host)) assertAddressesAllowed(host, [host], allowList, 'webhook.url');
  return parsed;
}

/**
 * A `lookup` for net/tls connections that resolves, vets every address and connects only to the
 * vetted ones: the check and the connection use the same answer, so DNS rebinding (a public address
 * at submission, 127.0.0.1 at delivery) cannot get through.
 */
export function createGuardedLookup(config: WebhooksConfig, resolve: ResolveAll = resolveAll): LookupFunction {
  const allowList = allowListOf(config);
  return (hostname, options, callback) => {
    const host = normalizeHost(hostname);
    const vetted = (async () => {
      assertHostnameAllowed(host, allowList, 'webhook.url');
      const addresses = await resolve(host);
      assertAddressesAllowed(
        host,
        addresses.map((address) => address.address),
        allowList,
        'webhook.url',
      );
      const family = options.family === 4 || options.family === 6 ? options.family : undefined;
      const usable = family === undefined ? addresses : addresses.filter((address) => address.family === family);
      if (usable.length === 0) throw Object.assign(new Error(`no IPv${family} address for ${host}`), { code: 'ENOTFOUND' });
      return usable;
    })();
    vetted.then(
      (addresses) => {
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0]?.address ?? '', addresses[0]?.family ?? 4);
      },
      (error: unknown) => callback(error as NodeJS.ErrnoException, '', 0),
    );
  };
}

export function isWebhookUrlRefusal(error: unknown): error is GatewayError {
  return error instanceof GatewayError && error.code === 'webhook_url_not_allowed';
}

function assertHostnameAllowed(host: string, allowList: AllowList, param: string): void {
  if (metadataHostnames.has(host) && !isHostAllowListed(host, allowList)) {
    throw refused(param, `The webhook URL's host "${host}" is a cloud metadata endpoint.`);
  }
}

function assertAddressesAllowed(host: string, addresses: readonly string[], allowList: AllowList, param: string): void {
  if (addresses.length === 0) throw refused(param, `The webhook URL's host "${host}" has no addresses.`);
  for (const text of addresses) {
    const address = parseAddress(text);
    if (!address) throw refused(param, `The webhook URL's host "${host}" resolved to "${text}", which is not an IP address.`);
    const reason = checkResolvedAddress(host, address, allowList);
    if (reason !== undefined) {
      const target = host === address.toString() ? `"${host}" is` : `"${host}" resolves to ${address.toString()},`;
      throw refused(param, `Webhook URLs may not target private networks: ${target} ${reason} (not in webhooks.allowHosts).`);
    }
  }
}

function refused(param: string, message: string): GatewayError {
  return new GatewayError({ code: 'webhook_url_not_allowed', message, param });
}
