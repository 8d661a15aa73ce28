import { GoogleAuth, type AuthClient } from 'google-auth-library';
import { ProviderError } from '../../errors/provider-error.ts';
import type { GoogleCloudCredentials } from './google-cloud-credentials.ts';

/** The OAuth scope Vertex AI needs. @see https://cloud.google.com/vertex-ai/docs/authentication */
export const cloudPlatformScope = 'https://www.googleapis.com/auth/cloud-platform';

/** Where google-auth-library sends a service account's signed JWT, whatever the key file says. */
const googleTokenUrl = 'https://oauth2.googleapis.com/token';

/** Per-call headers carrying a current access token (`Authorization: Bearer …`). */
export type AuthorizationHeaders = () => Promise<Record<string, string>>;

/**
 * Access tokens for Google Cloud calls, through google-auth-library: it signs the service account's
 * JWT (RS256) and exchanges it at the token endpoint, caches the token and fetches a new one when
 * it is within five minutes of expiry (the library's `eagerRefreshThresholdMillis`), and retries the
 * token endpoint itself on 5xx. A service-account key's `token_uri` is honoured (the library posts to
 * Google's endpoint unless told otherwise), so a key of a private or sovereign token endpoint works.
 * A token not had within `timeoutMs` (the provider's call timeout) fails the call as a retryable timeout.
 * Failures become {@link ProviderError}s of the call that needed the token: a refusal (4xx, e.g.
 * `invalid_grant` for a revoked key) is a 401, not retried; an outage (5xx, network) is retried. The
 * library's error is not kept as the `cause`: its request options hold the signed JWT, itself a
 * credential for an hour, and would reach the logs.
 */
export function createGoogleAccessToken(provider: string, credentials: GoogleCloudCredentials, timeoutMs = 60_000): AuthorizationHeaders {
  const auth = new GoogleAuth({ scopes: [cloudPlatformScope] });
  let client: Promise<AuthClient> | undefined;
  const clientOnce = (): Promise<AuthClient> => {
    client ??=
      credentials.kind === 'json'
        ? Promise.resolve(withTokenUri(auth.fromJSON(credentials.json), credentials.json['token_uri']))
        : auth.getClient().catch((error: unknown) => {
            client = undefined;
            throw error;
          });
    return client;
  };
  const fetchToken = async (): Promise<Record<string, string>> => {
    try {
      const { token } = await (await clientOnce()).getAccessToken();
      if (!token) throw new Error('the token endpoint answered no access_token');
      return { authorization: `Bearer ${token}` };
    } catch (error) {
      throw googleAuthError(provider, error);
    }
  };
  // The library sets no timeout of its own: a token endpoint that never answers must not hold the call.
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new ProviderError({ provider, code: 'timeout', message: `the Google token endpoint did not answer within ${timeoutMs} ms`, retryable: true })), timeoutMs);
    });
    try {
      return await Promise.race([fetchToken(), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  };
}

function withTokenUri(client: AuthClient, tokenUri: unknown): AuthClient {
  if (typeof tokenUri !== 'string' || tokenUri === googleTokenUrl) return client;
  client.transporter.interceptors.request.add({
    resolved: async (options) => {
      if (options.url.href === googleTokenUrl) options.url = new URL(tokenUri);
      return options;
    },
  });
  return client;
}

interface TokenEndpointFailure {
  status?: number;
  data?: { error?: unknown; error_description?: unknown };
}

/** A failure to get a token as the provider call's error (see {@link createGoogleAccessToken}). */
export function googleAuthError(provider: string, error: unknown): ProviderError {
  const response = typeof error === 'object' && error !== null && 'response' in error ? ((error as { response?: TokenEndpointFailure }).response ?? undefined) : undefined;
  const detail = error instanceof Error ? error.message : String(error);
  if (response?.status !== undefined) {
    const code = typeof response.data?.error === 'string' ? response.data.error : undefined;
    const refused = response.status < 500 && response.status !== 429 && response.status !== 408;
    return new ProviderError({
      provider,
      status: refused ? 401 : response.status,
      code: code ?? (refused ? 'google_auth_refused' : 'google_auth_unavailable'),
      message: refused ? `the Google token endpoint refused the provider's credentials (HTTP ${response.status}): ${detail}` : `the Google token endpoint failed (HTTP ${response.status}): ${detail}`,
      retryable: !refused,
    });
  }
  const networkCode = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  if (networkCode !== undefined && /^(E[A-Z]+|UND_ERR_\w+)$/.test(networkCode)) {
    return new ProviderError({ provider, code: networkCode, message: `cannot reach the Google token endpoint: ${detail}`, retryable: true });
  }
  // No credentials found, a key the library cannot sign with: the gateway's configuration, not worth a retry.
  return new ProviderError({ provider, status: 401, code: 'google_credentials_unusable', message: `no usable Google credentials: ${detail}`, retryable: false });
}
