import type { BedrockProviderConfig } from '../../config/provider-config.ts';
import { ConfigurationError } from '../../errors/configuration-error.ts';
import { bedrockRuntimeEndpoint, isBedrockRuntimeRegion } from './bedrock-regions.ts';

/** AWS access keys, signed into each call with Signature Version 4. */
export interface AwsAccessKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

/** How calls are authorized: SigV4 with access keys, or a Bedrock API key as a bearer token. */
export type BedrockAuthentication = { kind: 'sigv4'; keys: AwsAccessKeys } | { kind: 'bearer'; token: string };

export interface BedrockConnection {
  region: string;
  baseUrl: string;
  authentication: BedrockAuthentication;
}

/** The standard AWS environment variables a `bedrock` provider falls back to. */
type AwsEnvironment = Partial<Record<'AWS_REGION' | 'AWS_DEFAULT_REGION' | 'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY' | 'AWS_SESSION_TOKEN' | 'AWS_BEARER_TOKEN_BEDROCK', string | undefined>>;

const set = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value);

/**
 * A `bedrock` provider's Region, endpoint and credentials, from its config and else the standard AWS
 * environment variables, checked at start: an unknown Region (without `baseUrl`), half a key pair, or
 * no credentials at all is a ConfigurationError naming the key. The config's `apiKey` (a Bedrock API
 * key) wins over its access keys; in the environment, `AWS_BEARER_TOKEN_BEDROCK` wins over the access
 * keys, as in AWS's SDKs.
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys-use.html
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/environment-variables.html
 */
export function resolveBedrockConnection(name: string, config: BedrockProviderConfig, environment: AwsEnvironment): BedrockConnection {
  const at = (key: string) => `providers.${name}.${key}`;
  const region = config.region ?? set(environment.AWS_REGION) ?? set(environment.AWS_DEFAULT_REGION);
  if (region === undefined) throw new ConfigurationError(`${at('region')}: Bedrock needs an AWS Region (set region, or AWS_REGION in the environment)`);
  if (config.baseUrl === undefined && !isBedrockRuntimeRegion(region)) {
    throw new ConfigurationError(`${at('region')}: "${region}" is not an AWS Region with a Bedrock runtime endpoint; check the name, or set baseUrl to reach another endpoint`);
  }
  return { region, baseUrl: config.baseUrl ?? bedrockRuntimeEndpoint(region), authentication: resolveAuthentication(config, environment, at) };
}

function resolveAuthentication(config: BedrockProviderConfig, environment: AwsEnvironment, at: (key: string) => string): BedrockAuthentication {
  const apiKey = set(config.apiKey);
  if (apiKey) return { kind: 'bearer', token: apiKey };
  if (config.accessKeyId !== undefined || config.secretAccessKey !== undefined) {
    if (config.accessKeyId === undefined) throw new ConfigurationError(`${at('accessKeyId')}: secretAccessKey is set, accessKeyId is not`);
    if (config.secretAccessKey === undefined) throw new ConfigurationError(`${at('secretAccessKey')}: accessKeyId is set, secretAccessKey is not`);
    return { kind: 'sigv4', keys: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey, sessionToken: config.sessionToken } };
  }
  const bearer = set(environment.AWS_BEARER_TOKEN_BEDROCK);
  if (bearer) return { kind: 'bearer', token: bearer };
  const accessKeyId = set(environment.AWS_ACCESS_KEY_ID);
  const secretAccessKey = set(environment.AWS_SECRET_ACCESS_KEY);
  if (accessKeyId && secretAccessKey) return { kind: 'sigv4', keys: { accessKeyId, secretAccessKey, sessionToken: config.sessionToken ?? set(environment.AWS_SESSION_TOKEN) } };
  throw new ConfigurationError(
    `${at('accessKeyId')}: Bedrock needs credentials: accessKeyId and secretAccessKey (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or a Bedrock API key in apiKey (or AWS_BEARER_TOKEN_BEDROCK)`,
  );
}
