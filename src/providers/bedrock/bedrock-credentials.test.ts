import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../config/gateway-config.ts';
import type { BedrockProviderConfig } from '../../config/provider-config.ts';
import { ConfigurationError } from '../../errors/configuration-error.ts';
import { thrownBy } from '../../../test/support/thrown-by.ts';
import { resolveBedrockConnection } from './bedrock-credentials.ts';
import { createBedrockProviderClient } from './index.ts';
import { createProviderClient, nativeBatchOperations } from '../provider-registry.ts';

/** A `bedrock` provider's config as the schema parses it (defaults filled). */
function bedrockConfig(fields: Record<string, unknown>): BedrockProviderConfig {
  const config = parseGatewayConfig({ providers: { aws: { type: 'bedrock', ...fields } } }, {});
  return config.providers['aws'] as BedrockProviderConfig;
}

const keys = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

describe('resolveBedrockConnection', () => {
  it('takes the Region and access keys from the config; the endpoint is the Region’s bedrock-runtime', () => {
    expect(resolveBedrockConnection('aws', bedrockConfig({ region: 'eu-west-3', ...keys, sessionToken: 'FwoGZXIvYXdzE' }), {})).toEqual({
      region: 'eu-west-3',
      baseUrl: 'https://bedrock-runtime.eu-west-3.amazonaws.com',
      authentication: { kind: 'sigv4', keys: { ...keys, sessionToken: 'FwoGZXIvYXdzE' } },
    });
  });

  it('falls back to AWS_REGION and the AWS_* credential variables', () => {
    const environment = { AWS_REGION: 'us-west-2', AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'env-secret', AWS_SESSION_TOKEN: 'env-token' };
    expect(resolveBedrockConnection('aws', bedrockConfig({}), environment)).toEqual({
      region: 'us-west-2',
      baseUrl: 'https://bedrock-runtime.us-west-2.amazonaws.com',
      authentication: { kind: 'sigv4', keys: { accessKeyId: 'AKIDENV', secretAccessKey: 'env-secret', sessionToken: 'env-token' } },
    });
  });

  it('uses a Bedrock API key as a bearer token: apiKey over access keys, AWS_BEARER_TOKEN_BEDROCK over the AWS_* keys', () => {
    expect(resolveBedrockConnection('aws', bedrockConfig({ region: 'us-east-1', apiKey: 'ABSK-config', ...keys }), {}).authentication).toEqual({ kind: 'bearer', token: 'ABSK-config' });
    const environment = { AWS_BEARER_TOKEN_BEDROCK: 'ABSK-env', AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'env-secret' };
    expect(resolveBedrockConnection('aws', bedrockConfig({ region: 'us-east-1' }), environment).authentication).toEqual({ kind: 'bearer', token: 'ABSK-env' });
  });

  it('refuses an unknown Region, naming the key, unless baseUrl is set', () => {
    const error = thrownBy(() => resolveBedrockConnection('aws', bedrockConfig({ region: 'us-north-9', ...keys }), {}));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/^providers\.aws\.region: "us-north-9" is not an AWS Region with a Bedrock runtime endpoint/);
    expect(resolveBedrockConnection('aws', bedrockConfig({ region: 'us-north-9', baseUrl: 'https://vpce-0123.bedrock-runtime.example.internal', ...keys }), {}).baseUrl).toBe(
      'https://vpce-0123.bedrock-runtime.example.internal',
    );
  });

  it('refuses a missing Region, missing credentials and half a key pair, each naming its key', () => {
    expect((thrownBy(() => resolveBedrockConnection('aws', bedrockConfig(keys), {})) as Error).message).toMatch(/^providers\.aws\.region: Bedrock needs an AWS Region/);
    expect((thrownBy(() => resolveBedrockConnection('aws', bedrockConfig({ region: 'us-east-1' }), {})) as Error).message).toMatch(/^providers\.aws\.accessKeyId: Bedrock needs credentials/);
    expect((thrownBy(() => resolveBedrockConnection('aws', bedrockConfig({ region: 'us-east-1', accessKeyId: 'AKID' }), {})) as Error).message).toMatch(
      /^providers\.aws\.secretAccessKey: accessKeyId is set/,
    );
  });

  it('stops the client’s creation at start, and the schema refuses a malformed Region name', () => {
    expect(thrownBy(() => createBedrockProviderClient('aws', bedrockConfig({ region: 'us-east-1' }), {}))).toBeInstanceOf(ConfigurationError);
    expect((thrownBy(() => bedrockConfig({ region: 'US East' })) as Error).message).toContain('providers.aws.region');
    expect((thrownBy(() => createProviderClient('aws', bedrockConfig({ region: 'xx-nowhere-1', ...keys }))) as Error).message).toMatch(/^providers\.aws\.region: "xx-nowhere-1"/);
  });

  it('has no batch API: nativeBatch enabled is refused at start', () => {
    expect(nativeBatchOperations(bedrockConfig({ region: 'us-east-1', ...keys }))).toEqual([]);
    const error = thrownBy(() => createProviderClient('aws', bedrockConfig({ region: 'us-east-1', ...keys, nativeBatch: { enabled: true } })));
    expect((error as Error).message).toContain('providers.aws.nativeBatch: providers of type "bedrock" have no batch API');
  });
});
