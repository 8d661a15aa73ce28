import { describe, expect, it } from 'vitest';
import { verifySigV4 } from '../../../test/support/bedrock-wire-server.ts';
import { createBedrockAuthorizer } from './sign-bedrock-request.ts';

const keys = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const request = {
  method: 'POST' as const,
  host: 'bedrock-runtime.us-east-1.amazonaws.com',
  path: '/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse',
  headers: { 'content-type': 'application/json', accept: 'application/json' },
  body: '{"messages":[{"role":"user","content":[{"text":"Hello"}]}]}',
};

describe('createBedrockAuthorizer', () => {
  it('signs with SigV4 for service bedrock in the Region: a signature an independent computation accepts', async () => {
    const headers = await createBedrockAuthorizer({ kind: 'sigv4', keys: { ...keys, sessionToken: 'FwoGZXIvYXdzE' } }, 'us-east-1')(request);
    expect(headers['authorization']).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=accept;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, /,
    );
    expect(headers).toMatchObject({ host: request.host, 'x-amz-security-token': 'FwoGZXIvYXdzE' });
    const verify = (secret: string, body = request.body) => verifySigV4({ method: 'POST', path: request.path, headers, body: Buffer.from(body), secretFor: () => secret });
    expect(verify(keys.secretAccessKey)).toBeUndefined();
    expect(verify('another secret')).toContain('does not match');
    expect(verify(keys.secretAccessKey, '{"messages":[]}')).toContain('does not match');
  });

  it('sends a Bedrock API key as Authorization: Bearer, headers otherwise untouched', async () => {
    expect(await createBedrockAuthorizer({ kind: 'bearer', token: 'ABSK-key' }, 'us-east-1')(request)).toEqual({ ...request.headers, authorization: 'Bearer ABSK-key' });
  });
});
