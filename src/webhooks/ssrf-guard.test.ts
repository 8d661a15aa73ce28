import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { webhooksSchema } from '../config/gateway-config.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { assertWebhookUrlAllowed, createGuardedLookup } from './ssrf-guard.ts';

const noAllowList = webhooksSchema.parse({});
const resolvesTo =
  (...addresses: string[]) =>
  async (): Promise<LookupAddress[]> =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

async function refusal(url: string, config = noAllowList, resolve?: () => Promise<LookupAddress[]>): Promise<GatewayError> {
  const error = await assertWebhookUrlAllowed(url, config, resolve ? { resolve } : {}).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof GatewayError)) throw new Error(`expected a refusal of ${url}, got ${String(error)}`);
  expect(error.code).toBe('webhook_url_not_allowed');
  expect(error.status).toBe(400);
  return error;
}

describe('assertWebhookUrlAllowed', () => {
  it('refuses other schemes and non-URLs', async () => {
    expect((await refusal('ftp://example.com/hook')).message).toMatch(/http or https/);
    expect((await refusal('file:///etc/passwd')).message).toMatch(/http or https/);
    expect((await refusal('not a url')).message).toMatch(/not a valid absolute URL/);
  });

  it('refuses literal private, loopback and metadata addresses, however written', async () => {
    expect((await refusal('http://127.0.0.1/')).message).toMatch(/loopback/);
    expect((await refusal('http://2130706433/')).message).toMatch(/loopback/);
    expect((await refusal('http://0x7f.1/')).message).toMatch(/loopback/);
    expect((await refusal('http://[::1]:8080/')).message).toMatch(/loopback/);
    expect((await refusal('http://[::ffff:10.0.0.1]/')).message).toMatch(/private/);
    expect((await refusal('http://169.254.169.254/latest/meta-data')).message).toMatch(/metadata/);
    expect((await refusal('http://metadata.google.internal/computeMetadata/v1/')).message).toMatch(/metadata/);
    expect((await refusal('http://10.0.0.1/')).param).toBe('webhook.url');
  });

  it('resolves localhost and refuses it without an allow-list', async () => {
    const error = await refusal('http://localhost:9999/hook');
    expect(error.message).toMatch(/"localhost" (resolves to .*, )?.*loopback/);
  });

  it('refuses a host if any of its addresses is private', async () => {
    const error = await refusal('https://hooks.example.com/', noAllowList, resolvesTo('93.184.215.14', '10.0.0.7'));
    expect(error.message).toContain('10.0.0.7');
    await expect(assertWebhookUrlAllowed('https://hooks.example.com/', noAllowList, { resolve: resolvesTo('93.184.215.14', '2606:2800:21f::1') })).resolves.toBeUndefined();
  });

  it('refuses a host that does not resolve', async () => {
    const error = await refusal('https://nope.invalid/', noAllowList, async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND nope.invalid'), { code: 'ENOTFOUND' });
    });
    expect(error.message).toMatch(/could not be resolved \(ENOTFOUND\)/);
  });

  it('lets allow-listed hosts and CIDRs through', async () => {
    const config = webhooksSchema.parse({ allowHosts: ['127.0.0.1', 'receiver.internal', '10.0.0.0/8'] });
    await expect(assertWebhookUrlAllowed('http://127.0.0.1:3000/', config)).resolves.toBeUndefined();
    await expect(assertWebhookUrlAllowed('http://receiver.internal/', config, { resolve: resolvesTo('192.168.1.2') })).resolves.toBeUndefined();
    await expect(assertWebhookUrlAllowed('http://other.internal/', config, { resolve: resolvesTo('10.9.8.7') })).resolves.toBeUndefined();
    await refusal('http://other.internal/', config, resolvesTo('10.9.8.7', '192.168.1.2'));
    await refusal('http://127.0.0.2/', config);
  });
});

describe('createGuardedLookup', () => {
  const lookupWith = (resolve: () => Promise<LookupAddress[]>, all: boolean) =>
    new Promise<{ error: Error | null; address: unknown }>((done) => {
      createGuardedLookup(noAllowList, resolve)('rebind.example.com', { all }, (error, address) => done({ error, address }));
    });

  it('hands the connection only the vetted addresses', async () => {
    expect(await lookupWith(resolvesTo('93.184.215.14'), true)).toEqual({ error: null, address: [{ address: '93.184.215.14', family: 4 }] });
    expect(await lookupWith(resolvesTo('93.184.215.14'), false)).toEqual({ error: null, address: '93.184.215.14' });
  });

  it('fails the connection when the name now resolves to a private address (DNS rebinding)', async () => {
    const { error } = await lookupWith(resolvesTo('127.0.0.1'), true);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error?.message).toMatch(/loopback/);
  });
});
