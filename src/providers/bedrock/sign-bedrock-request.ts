import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/core/serde';
import type { RequestAuthorizer } from '../provider-client.ts';
import type { BedrockAuthentication } from './bedrock-credentials.ts';

/** The SigV4 signing name of the Bedrock runtime (its endpoint is `bedrock-runtime`, its service `bedrock`). */
export const bedrockSigningService = 'bedrock';

/**
 * Authorizes each Bedrock call: Signature Version 4 over the method, path, `Host`, the other headers
 * and the body (AWS's own signer, `@smithy/signature-v4`), with the session token where there is one;
 * or a Bedrock API key as `Authorization: Bearer`. The signer reads the clock: this is the client's
 * half, not the wire format's.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html
 */
export function createBedrockAuthorizer(authentication: BedrockAuthentication, region: string): RequestAuthorizer {
  if (authentication.kind === 'bearer') {
    const authorization = `Bearer ${authentication.token}`;
    return async (request) => ({ ...request.headers, authorization });
  }
  const signer = new SignatureV4({
    credentials: authentication.keys,
    region,
    service: bedrockSigningService,
    sha256: Hash.bind(null, 'sha256'),
  });
  return async (request) => {
    const [hostname = request.host, port] = request.host.split(/:(?=\d+$)/);
    const [path = request.path, query] = request.path.split('?', 2);
    const signed = await signer.sign({
      method: request.method,
      protocol: 'https:',
      hostname,
      ...(port ? { port: Number(port) } : {}),
      path,
      query: query ? Object.fromEntries(new URLSearchParams(query)) : {},
      headers: { ...request.headers, host: request.host },
      body: request.body,
    });
    return signed.headers;
  };
}
