import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventStreamCodec, type MessageHeaders } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';

export interface BedrockRecordedRequest {
  method: string;
  /** The path as sent (the model id percent-encoded). */
  path: string;
  /** The model id, decoded from the path. */
  modelId: string;
  operation: 'converse' | 'converse-stream' | 'invoke';
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface BedrockScriptedResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** One event-stream message: an event (`:event-type`) or an exception (`:exception-type`), its body JSON. */
export type BedrockStreamMessage = { event: string; body: unknown } | { exception: string; body: unknown };

export interface BedrockScriptedStream {
  messages: BedrockStreamMessage[];
  /** Write the encoded bytes in pieces of this many bytes, frames split across writes. @defaultValue whole frames */
  pieceBytes?: number;
  /** Leave out this many bytes at the end, so the body ends inside its last frame. @defaultValue 0 */
  truncateBytes?: number;
}

/** The credentials the server accepts: access keys (SigV4 verified) and API keys (bearer). */
export interface BedrockServerCredentials {
  accessKeys: Record<string, string>;
  apiKeys?: string[];
}

type Scripted = { kind: 'response'; response: BedrockScriptedResponse } | { kind: 'stream'; stream: BedrockScriptedStream };

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** One event-stream frame as Bedrock writes it (event or exception, JSON body). */
export function encodeBedrockMessage(message: BedrockStreamMessage): Uint8Array {
  const headers: MessageHeaders =
    'event' in message
      ? { ':message-type': { type: 'string', value: 'event' }, ':event-type': { type: 'string', value: message.event }, ':content-type': { type: 'string', value: 'application/json' } }
      : {
          ':message-type': { type: 'string', value: 'exception' },
          ':exception-type': { type: 'string', value: message.exception },
          ':content-type': { type: 'string', value: 'application/json' },
        };
  return codec.encode({ headers, body: fromUtf8(JSON.stringify(message.body)) });
}

/** Bedrock's error answer: the type in `x-amzn-errortype`, `{"message"}` in the body. */
export function bedrockError(status: number, type: string, message: string, headers: Record<string, string> = {}): BedrockScriptedResponse {
  return { status, headers: { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`, ...headers }, body: { message } };
}

/** A Converse answer in the shape of the API reference's example. */
export function converseAnswer(fields: { content: unknown[]; stopReason?: string; usage?: Record<string, number> }): BedrockScriptedResponse {
  const usage = fields.usage ?? { inputTokens: 12, outputTokens: 6, totalTokens: 18 };
  return { status: 200, body: { output: { message: { role: 'assistant', content: fields.content } }, stopReason: fields.stopReason ?? 'end_turn', usage, metrics: { latencyMs: 412 } } };
}

/** A streamed text answer's messages: start, the text in deltas, stop, then the usage in `metadata`. */
export function converseTextStream(deltas: string[], usage = { inputTokens: 12, outputTokens: 6, totalTokens: 18 }): BedrockStreamMessage[] {
  return [
    { event: 'messageStart', body: { role: 'assistant', p: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQR' } },
    ...deltas.map((text) => ({ event: 'contentBlockDelta', body: { contentBlockIndex: 0, delta: { text }, p: 'abcdef' } })),
    { event: 'contentBlockStop', body: { contentBlockIndex: 0, p: 'abcd' } },
    { event: 'messageStop', body: { stopReason: 'end_turn', p: 'abcdefgh' } },
    { event: 'metadata', body: { usage, metrics: { latencyMs: 321 }, p: 'abc' } },
  ];
}

const rfc3986 = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');
const hmac = (key: string | Buffer, text: string) => createHmac('sha256', key).update(text).digest();

/**
 * SigV4 recomputed here from the AWS documentation, independently of the gateway's signer: canonical
 * request (each path segment URI-encoded again, signed headers lower-cased and trimmed, the body's
 * SHA-256), string to sign, the derived signing key. Returns why the signature is wrong, or undefined.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */
export function verifySigV4(options: { method: string; path: string; headers: IncomingHttpHeaders; body: Buffer; secretFor: (accessKeyId: string) => string | undefined }): string | undefined {
  const authorization = String(options.headers.authorization ?? '');
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(authorization);
  if (!match) return 'Authorization header is not a SigV4 signature';
  const [, accessKeyId = '', date = '', region = '', service = '', signedHeaders = '', signature = ''] = match;
  const secret = options.secretFor(accessKeyId);
  if (secret === undefined) return 'The security token included in the request is invalid.';
  const amzDate = String(options.headers['x-amz-date'] ?? '');
  const [rawPath = '', query = ''] = options.path.split('?', 2);
  const canonicalUri = rawPath
    .split('/')
    .map((segment) => rfc3986(segment))
    .join('/');
  const canonicalQuery = query
    .split('&')
    .filter((pair) => pair !== '')
    .sort()
    .join('&');
  const names = signedHeaders.split(';');
  const canonicalHeaders = names
    .map(
      (name) =>
        `${name}:${String(options.headers[name] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
  const canonicalRequest = [options.method, canonicalUri, canonicalQuery, canonicalHeaders, signedHeaders, sha256(options.body)].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  const expected = createHmac('sha256', key).update(stringToSign).digest('hex');
  return expected === signature
    ? undefined
    : 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
}

/**
 * A local HTTP server speaking Bedrock's Converse and ConverseStream, for tests. It verifies every
 * request's SigV4 signature (or API key) as AWS does and answers its 403s when wrong; records the
 * request; then answers the next scripted answer (`enqueue`, `enqueueStream`) or an echo of the last
 * user text (streamed as event-stream frames on `/converse-stream`).
 */
export class BedrockWireServer {
  readonly requests: BedrockRecordedRequest[] = [];
  /** The requests refused by the authentication check: the error type and message answered. */
  readonly refusals: Array<{ path: string; type: string; message: string }> = [];
  /** Region and service every signature must name. */
  readonly expectedScope: { region: string; service: string };
  private readonly scripted: Scripted[] = [];
  private server: Server | undefined;

  constructor(
    private readonly credentials: BedrockServerCredentials,
    region = 'us-east-1',
  ) {
    this.expectedScope = { region, service: 'bedrock' };
  }

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const raw = Buffer.concat(chunks);
        const path = request.url ?? '';
        const refusal = this.authenticate(request.method ?? '', path, request.headers, raw);
        const answer = (scripted: BedrockScriptedResponse) => {
          response.writeHead(scripted.status, { 'content-type': 'application/json', 'x-amzn-requestid': 'd2f5b1c4-7d0e-4a3f-9d51-2f0d8f5a9b10', ...scripted.headers });
          response.end(JSON.stringify(scripted.body));
        };
        if (refusal) {
          this.refusals.push({ path, type: String(refusal.headers?.['x-amzn-errortype']).split(':')[0] ?? '', message: (refusal.body as { message: string }).message });
          return answer(refusal);
        }
        const route = /^\/model\/([^/]+)\/(converse|converse-stream|invoke)$/.exec(path);
        if (request.method !== 'POST' || !route?.[1]) return answer(bedrockError(404, 'UnknownOperationException', 'Unknown operation'));
        let body: unknown = raw.toString('utf8');
        try {
          body = JSON.parse(raw.toString('utf8')) as unknown;
        } catch {
          // keep the text
        }
        const operation = route[2] === 'converse' || route[2] === 'invoke' ? route[2] : 'converse-stream';
        this.requests.push({ method: request.method, path, modelId: decodeURIComponent(route[1]), operation, headers: request.headers, body });
        const next = this.scripted.shift();
        if (next?.kind === 'response') return answer(next.response);
        if (next?.kind === 'stream' || operation === 'converse-stream') {
          const stream = next?.kind === 'stream' ? next.stream : { messages: converseTextStream(splitInThree(`echo: ${lastUserText(body)}`)) };
          response.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'd2f5b1c4-7d0e-4a3f-9d51-2f0d8f5a9b11' });
          const whole = Buffer.concat(stream.messages.map((message) => encodeBedrockMessage(message)));
          const bytes = whole.subarray(0, whole.length - (stream.truncateBytes ?? 0));
          const size = stream.pieceBytes ?? 0;
          if (size > 0) for (let offset = 0; offset < bytes.length; offset += size) response.write(bytes.subarray(offset, offset + size));
          else if (stream.truncateBytes) response.write(bytes);
          else for (const message of stream.messages) response.write(encodeBedrockMessage(message));
          return response.end();
        }
        if (operation === 'invoke') return answer(titanEmbedding(body));
        return answer(converseAnswer({ content: [{ text: `echo: ${lastUserText(body)}` }] }));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  enqueue(...responses: BedrockScriptedResponse[]): void {
    for (const response of responses) this.scripted.push({ kind: 'response', response });
  }

  enqueueStream(...streams: BedrockScriptedStream[]): void {
    for (const stream of streams) this.scripted.push({ kind: 'stream', stream });
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** AWS's 403 for a request whose credentials or signature are wrong; undefined when they are right. */
  private authenticate(method: string, path: string, headers: IncomingHttpHeaders, body: Buffer): BedrockScriptedResponse | undefined {
    const authorization = String(headers.authorization ?? '');
    if (authorization.startsWith('Bearer ')) {
      return this.credentials.apiKeys?.includes(authorization.slice('Bearer '.length))
        ? undefined
        : bedrockError(403, 'UnrecognizedClientException', 'Invalid API Key format: Must start with pre-defined prefix');
    }
    const problem = verifySigV4({ method, path, headers, body, secretFor: (id) => this.credentials.accessKeys[id] });
    if (problem) return bedrockError(403, problem.startsWith('The request signature') ? 'InvalidSignatureException' : 'UnrecognizedClientException', problem);
    const scope = `/${this.expectedScope.region}/${this.expectedScope.service}/aws4_request`;
    if (!authorization.includes(scope)) return bedrockError(403, 'InvalidSignatureException', `Credential should be scoped to a valid region and service ${scope}`);
    return undefined;
  }
}

/** Titan Text Embeddings' answer: a vector of the text's length and two character codes, and a token count. */
function titanEmbedding(body: unknown): BedrockScriptedResponse {
  const text = String((body as { inputText?: unknown } | undefined)?.inputText ?? '');
  return { status: 200, body: { embedding: [text.length, text.charCodeAt(0) || 0, 0.5], inputTextTokenCount: Math.ceil(text.length / 4) } };
}

function lastUserText(body: unknown): string {
  const messages = (body as { messages?: Array<{ role?: string; content?: Array<{ text?: unknown }> }> } | undefined)?.messages ?? [];
  const lastUser = [...messages].reverse().find((message) => message.role === 'user');
  return (lastUser?.content ?? []).map((block) => (typeof block.text === 'string' ? block.text : '')).join('');
}

function splitInThree(text: string): string[] {
  const size = Math.ceil(text.length / 3);
  return [text.slice(0, size), text.slice(size, 2 * size), text.slice(2 * size)].filter((piece) => piece !== '');
}
