import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigurationError } from '../../errors/configuration-error.ts';

/** The credential settings of a provider that authenticates with Google Cloud (`vertex`, `vertex-anthropic`). */
export interface GoogleCloudCredentialSettings {
  /** Path of a credentials JSON file (a service-account key, or any type google-auth-library reads). */
  credentialsFile?: string | undefined;
  /** The same JSON, inline: an object, or a string holding it (e.g. `${VERTEX_CREDENTIALS}`). */
  credentials?: string | Record<string, unknown> | undefined;
}

/**
 * Credentials read and checked at start: `json` for a file or inline JSON (its `project_id` may name the
 * project), or Application Default Credentials left to google-auth-library to find (the metadata
 * server on Google Cloud, `gcloud auth application-default login`).
 */
export type GoogleCloudCredentials = { kind: 'json'; json: Record<string, unknown>; origin: string; projectId: string | undefined } | { kind: 'application-default' };

const serviceAccountSchema = z.looseObject({
  type: z.literal('service_account'),
  client_email: z.string().min(1),
  private_key: z.string().includes('PRIVATE KEY'),
  project_id: z.string().optional(),
  token_uri: z.url().optional(),
});

const anyCredentialSchema = z.looseObject({ type: z.string().min(1), project_id: z.string().optional(), quota_project_id: z.string().optional() });

/**
 * The provider's credentials: `credentialsFile`, else `credentials`, else the file named by
 * `GOOGLE_APPLICATION_CREDENTIALS`, else Application Default Credentials. A file that cannot be read,
 * JSON that does not parse, or a service-account key without its email or private key stops the start,
 * naming the key to fix.
 */
export function loadGoogleCloudCredentials(name: string, settings: GoogleCloudCredentialSettings, environment: NodeJS.ProcessEnv = process.env): GoogleCloudCredentials {
  const key = (field: string) => `providers.${name}.${field}`;
  if (settings.credentialsFile !== undefined) return fromFile(settings.credentialsFile, key('credentialsFile'));
  if (settings.credentials !== undefined) {
    const { credentials } = settings;
    if (typeof credentials === 'string') {
      if (credentials.trim() === '') throw new ConfigurationError(`${key('credentials')}: empty; give the credentials JSON (e.g. \${VERTEX_CREDENTIALS}) or use credentialsFile`);
      return fromJson(parseJson(credentials, key('credentials')), key('credentials'));
    }
    return fromJson(credentials, key('credentials'));
  }
  const adcFile = environment['GOOGLE_APPLICATION_CREDENTIALS'];
  if (adcFile !== undefined && adcFile !== '') return fromFile(adcFile, `GOOGLE_APPLICATION_CREDENTIALS (used by providers.${name}, which sets neither credentialsFile nor credentials)`);
  return { kind: 'application-default' };
}

function fromFile(path: string, origin: string): GoogleCloudCredentials {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(`${origin}: cannot read ${path}: ${(error as Error).message}`);
  }
  return fromJson(parseJson(text, `${origin} (${path})`), `${origin} (${path})`);
}

function parseJson(text: string, origin: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ConfigurationError(`${origin}: not JSON: ${(error as Error).message}`);
  }
}

function fromJson(value: unknown, origin: string): GoogleCloudCredentials {
  const parsed = anyCredentialSchema.safeParse(value);
  if (!parsed.success) throw new ConfigurationError(`${origin}: not Google credentials (an object with a "type", e.g. "service_account")`);
  if (parsed.data.type === 'service_account') {
    const account = serviceAccountSchema.safeParse(value);
    if (!account.success) {
      const fields = [...new Set(account.error.issues.map((issue) => issue.path.join('.')))].join(', ');
      throw new ConfigurationError(`${origin}: a service-account key needs client_email and private_key (invalid: ${fields})`);
    }
  }
  return { kind: 'json', json: parsed.data, origin, projectId: parsed.data.project_id ?? parsed.data.quota_project_id };
}
