import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TokenFailure {
  status: number;
  body: unknown;
}

interface IssuedToken {
  expiresAt: number;
}

const jwtBearerGrant = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/**
 * A local OAuth 2.0 token endpoint for service accounts, as Google's answers it: a form POST with
 * `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` and the signed JWT as `assertion`. The JWT
 * must be RS256-signed with the key of {@link serviceAccount} (checked with its public key), issued by
 * its email, for the cloud-platform scope, and unexpired; anything else is a 400 `invalid_grant`, as
 * Google answers. A valid one gets `{access_token, expires_in, token_type: "Bearer"}`; each token is
 * new, and {@link isValid} tells whether one was issued here and has not expired.
 */
export class GoogleTokenServer {
  readonly clientEmail = 'gateway-test@test-project.iam.gserviceaccount.com';
  /** Requests answered (valid or not). */
  requests = 0;
  /** The `expires_in` of the tokens issued next. */
  expiresInSeconds = 3600;
  private readonly publicKey: KeyObject;
  private readonly privateKeyPem: string;
  private readonly issued = new Map<string, IssuedToken>();
  private readonly failures: TokenFailure[] = [];
  private server: Server | undefined;
  private url = '';
  private counter = 0;

  constructor() {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.publicKey = publicKey;
    this.privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.requests += 1;
        const answer = this.answer(request.method ?? '', Buffer.concat(chunks).toString('utf8'));
        response.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8' });
        response.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}/token`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** A service-account key file's JSON whose `token_uri` is this server. */
  serviceAccount(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      type: 'service_account',
      project_id: 'test-project',
      private_key_id: 'key-1',
      private_key: this.privateKeyPem,
      client_email: this.clientEmail,
      client_id: '100000000000000000001',
      token_uri: this.url,
      ...overrides,
    };
  }

  /** The next answers are these failures, in order. */
  failNext(...failures: TokenFailure[]): void {
    this.failures.push(...failures);
  }

  isValid(token: string | undefined): boolean {
    const issued = token === undefined ? undefined : this.issued.get(token);
    return issued !== undefined && issued.expiresAt > Date.now();
  }

  /** How many tokens were issued. */
  get issuedCount(): number {
    return this.issued.size;
  }

  private answer(method: string, text: string): TokenFailure {
    const failure = this.failures.shift();
    if (failure) return failure;
    const form = new URLSearchParams(text);
    if (method !== 'POST' || form.get('grant_type') !== jwtBearerGrant) return invalidGrant('Invalid grant_type.');
    const refusal = this.refusal(form.get('assertion') ?? '');
    if (refusal) return invalidGrant(refusal);
    this.counter += 1;
    const token = `ya29.test-token-${this.counter}`;
    this.issued.set(token, { expiresAt: Date.now() + this.expiresInSeconds * 1000 });
    return { status: 200, body: { access_token: token, expires_in: this.expiresInSeconds, token_type: 'Bearer' } };
  }

  /** Why the assertion is refused, or undefined. */
  private refusal(assertion: string): string | undefined {
    const [header, payload, signature] = assertion.split('.');
    if (header === undefined || payload === undefined || signature === undefined) return 'Invalid JWT.';
    const decoded = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (decoded(header)['alg'] !== 'RS256') return 'Invalid JWT: alg must be RS256.';
    if (!verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), this.publicKey, Buffer.from(signature, 'base64url'))) return 'Invalid JWT Signature.';
    const claims = decoded(payload);
    if (claims['iss'] !== this.clientEmail) return 'Invalid JWT: iss.';
    if (typeof claims['scope'] !== 'string' || !claims['scope'].split(' ').includes('https://www.googleapis.com/auth/cloud-platform')) return 'Invalid JWT: scope.';
    if (typeof claims['exp'] !== 'number' || claims['exp'] * 1000 < Date.now()) return 'Invalid JWT: Token must be a short-lived token and in a reasonable timeframe.';
    return undefined;
  }
}

function invalidGrant(description: string): TokenFailure {
  return { status: 400, body: { error: 'invalid_grant', error_description: description } };
}
