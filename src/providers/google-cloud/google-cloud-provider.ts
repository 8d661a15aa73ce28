import { ConfigurationError } from '../../errors/configuration-error.ts';
import type { HttpProviderSettings } from '../http-provider-client.ts';
import type { RequestAuthorizer } from '../provider-client.ts';
import { createGoogleAccessToken, type AuthorizationHeaders } from './google-access-token.ts';
import { loadGoogleCloudCredentials, type GoogleCloudCredentialSettings } from './google-cloud-credentials.ts';
import { vertexBaseUrl, type VertexLocation } from './vertex-endpoint.ts';

/** The config fields every Vertex AI provider type has (see `googleCloudFields` in provider-config.ts). */
export interface GoogleCloudProviderConfig extends GoogleCloudCredentialSettings {
  project?: string | undefined;
  location: string;
  baseUrl?: string | undefined;
  apiKey?: string | undefined;
  concurrency: number;
  timeoutMs: number;
}

/**
 * What a Vertex AI provider needs at start, checked then: credentials read, the project known (the
 * config's, else the credentials' `project_id`), the host of its location, and an access-token source
 * for the HTTP client's `authorize`. Each missing or unreadable piece stops the start, naming its key.
 */
export function prepareGoogleCloudProvider(name: string, config: GoogleCloudProviderConfig): { where: VertexLocation; http: HttpProviderSettings } {
  if (config.apiKey) {
    throw new ConfigurationError(`providers.${name}.apiKey: Vertex AI authenticates with Google credentials; remove apiKey and set credentialsFile or credentials (or GOOGLE_APPLICATION_CREDENTIALS)`);
  }
  const credentials = loadGoogleCloudCredentials(name, config);
  const project = config.project ?? (credentials.kind === 'json' ? credentials.projectId : undefined);
  if (project === undefined) {
    throw new ConfigurationError(`providers.${name}.project: required (the credentials name no project_id)`);
  }
  return {
    where: { project, location: config.location },
    http: {
      name,
      baseUrl: config.baseUrl ?? vertexBaseUrl(config.location),
      connections: config.concurrency,
      timeoutMs: config.timeoutMs,
      authorize: withAccessToken(createGoogleAccessToken(name, credentials, config.timeoutMs)),
    },
  };
}

/** The HTTP client's authorizer: the call's own headers plus the current access token's. */
function withAccessToken(accessToken: AuthorizationHeaders): RequestAuthorizer {
  return async (outgoing) => ({ ...outgoing.headers, ...(await accessToken()) });
}
