import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../config/gateway-config.ts';
import { vertexProviderSchema } from '../../config/provider-config.ts';
import { ConfigurationError } from '../../errors/configuration-error.ts';
import { createProviderClient } from '../provider-registry.ts';
import { loadGoogleCloudCredentials } from './google-cloud-credentials.ts';
import { googleAuthError } from './google-access-token.ts';
import { thrownBy } from '../../../test/support/thrown-by.ts';

const directory = mkdtempSync(join(tmpdir(), 'gcp-credentials-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const serviceAccount = {
  type: 'service_account',
  project_id: 'from-key',
  client_email: 'sa@from-key.iam.gserviceaccount.com',
  private_key: '-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n',
};
const vertex = (fields: Record<string, unknown>) => vertexProviderSchema.parse({ type: 'vertex', location: 'us-central1', ...fields });
const startError = (fields: Record<string, unknown>) => thrownBy(() => createProviderClient('gemini-vertex', vertex(fields)));

describe('a Vertex AI provider at start', () => {
  it('starts with a key file, the project taken from its project_id', async () => {
    const file = join(directory, 'key.json');
    writeFileSync(file, JSON.stringify(serviceAccount));
    const client = createProviderClient('gemini-vertex', vertex({ credentialsFile: file }));
    expect(client).toMatchObject({ name: 'gemini-vertex', type: 'vertex', server: { address: 'us-central1-aiplatform.googleapis.com', port: 443 } });
    await client.close();
  });

  it('refuses an unreadable credentials file, naming the key', () => {
    const error = startError({ credentialsFile: join(directory, 'missing.json') });
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/^providers\.gemini-vertex\.credentialsFile: cannot read .*missing\.json/);
  });

  it('refuses credentials that are not JSON, or a service-account key without its private key', () => {
    expect((startError({ credentials: '{not json' }) as Error).message).toMatch(/^providers\.gemini-vertex\.credentials: not JSON/);
    expect((startError({ credentials: '' }) as Error).message).toMatch(/^providers\.gemini-vertex\.credentials: empty/);
    const { private_key: _dropped, ...withoutKey } = serviceAccount;
    expect((startError({ credentials: withoutKey }) as Error).message).toBe('providers.gemini-vertex.credentials: a service-account key needs client_email and private_key (invalid: private_key)');
  });

  it('needs a project when the credentials name none', () => {
    const { project_id: _dropped, ...noProject } = serviceAccount;
    expect((startError({ credentials: noProject }) as Error).message).toBe('providers.gemini-vertex.project: required (the credentials name no project_id)');
    expect(() => createProviderClient('gemini-vertex', vertex({ credentials: noProject, project: 'explicit' })).close()).not.toThrow();
  });

  it('refuses an apiKey (Vertex AI takes Google credentials)', () => {
    expect((startError({ credentials: serviceAccount, apiKey: 'AIza' }) as Error).message).toMatch(/^providers\.gemini-vertex\.apiKey: Vertex AI authenticates with Google credentials/);
  });

  it('a config without location, or with a malformed one, is refused when it is read', () => {
    const config = (provider: Record<string, unknown>) => ({
      providers: { v: { type: 'vertex', credentials: serviceAccount, ...provider } },
      models: { m: { routes: [{ provider: 'v', model: 'gemini-2.5-flash' }] } },
    });
    expect(() => parseGatewayConfig(config({}), {})).toThrow(/providers\.v\.location/);
    expect(() => parseGatewayConfig(config({ location: 'us-central1/../x' }), {})).toThrow(/providers\.v\.location: must be a Vertex AI location/);
    expect(() => parseGatewayConfig({ ...config({ location: 'us-east5' }), providers: { v: { type: 'vertex-anthropic', location: 'us-east5', credentials: serviceAccount } } }, {})).not.toThrow();
  });
});

describe('loadGoogleCloudCredentials', () => {
  it('falls back to GOOGLE_APPLICATION_CREDENTIALS, then to Application Default Credentials', () => {
    const file = join(directory, 'adc.json');
    writeFileSync(file, JSON.stringify(serviceAccount));
    expect(loadGoogleCloudCredentials('v', {}, { GOOGLE_APPLICATION_CREDENTIALS: file })).toMatchObject({ kind: 'json', projectId: 'from-key' });
    expect(loadGoogleCloudCredentials('v', {}, {})).toEqual({ kind: 'application-default' });
    const error = thrownBy(() => loadGoogleCloudCredentials('v', {}, { GOOGLE_APPLICATION_CREDENTIALS: join(directory, 'nope.json') }));
    expect((error as Error).message).toMatch(/^GOOGLE_APPLICATION_CREDENTIALS \(used by providers\.v, .*\): cannot read/);
  });
});

describe('googleAuthError', () => {
  const gaxiosLike = (status: number, data: unknown) => Object.assign(new Error('invalid_grant: Invalid JWT Signature.'), { response: { status, data } });

  it('a refusal by the token endpoint is a 401, not retried', () => {
    expect(googleAuthError('v', gaxiosLike(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }))).toMatchObject({ status: 401, code: 'invalid_grant', retryable: false });
  });

  it('an outage of the token endpoint or the network is retried', () => {
    expect(googleAuthError('v', gaxiosLike(503, 'unavailable'))).toMatchObject({ status: 503, code: 'google_auth_unavailable', retryable: true });
    expect(googleAuthError('v', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toMatchObject({ code: 'ECONNREFUSED', retryable: true });
  });

  it('no credentials at all is the configuration’s fault: not retried', () => {
    expect(googleAuthError('v', new Error('Could not load the default credentials.'))).toMatchObject({ status: 401, code: 'google_credentials_unusable', retryable: false });
  });
});
