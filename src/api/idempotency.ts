import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { GatewayError } from '../errors/gateway-error.ts';
import { idempotencyKeyHeader, idempotencyKeyTtlMs, parseIdempotencyKey } from '../idempotency/idempotency-key.ts';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  extendIdempotencyLock,
  readIdempotencyKey,
  releaseIdempotencyKey,
  takeOverIdempotencyKey,
  type ClaimInput,
  type IdempotencyKeyRef,
  type IdempotencyRecord,
  type StoredAnswer,
} from '../idempotency/idempotency-store.ts';
import { fingerprintRequest, fingerprintUpload, type UploadIdentity } from '../idempotency/request-fingerprint.ts';
import { toGatewayError } from './error-handler.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route honours `Idempotency-Key`; the OpenAPI spec documents the header on it. */
    idempotencyKey?: boolean;
  }
}

/** What a request holding a key may do with it before its answer is sent. */
export interface HeldIdempotencyKey {
  /**
   * Completes the key with the answer inside the caller's transaction, so the object and its key
   * commit together or not at all. An upload names what it received, known only once it has been read.
   */
  completeWithin(client: pg.PoolClient, answer: { status: number; body: unknown; upload?: UploadIdentity }): Promise<void>;
}

/** An upload, whose fingerprint is known only once its body has been read. */
export interface IdempotentUpload<Result> {
  /** Reads and stores the upload; with a key, completes it in the file's transaction (`completeWithin`). */
  store(held: HeldIdempotencyKey | undefined): Promise<Result>;
  /** Reads the whole upload, storing nothing: what its fingerprint is made of. */
  identify(): Promise<UploadIdentity>;
}

export interface IdempotencyOptions {
  pool: pg.Pool;
  /** `server.requestTimeoutMs`: how long a duplicate waits for the first request; a claim holds 60 s longer. */
  requestTimeoutMs: number;
}

/** Answer headers a replay repeats; `x-request-id` is the first request's (see `keepReplayedRequestId`). */
const replayedHeaderNames = ['x-gateway-cost', 'x-gateway-route', 'x-gateway-attempts', 'x-gateway-cache', 'x-gateway-routing-rule'] as const;

/** An in-progress upload's claim: its fingerprint is set when it completes, so nothing matches it before. */
const pendingUploadFingerprint = 'pending-upload';

/** Polling a key held by another request: fast at first (most requests are short), then gently. */
const firstPollMs = 50;
const maxPollMs = 500;

const replayedRequestIds = new WeakMap<FastifyRequest, string>();

/** The request's `Idempotency-Key`; undefined without the header, 400 when it is empty or too long. */
export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  return parseIdempotencyKey(request.headers[idempotencyKeyHeader]);
}

/**
 * Stripe's `Idempotency-Key` for the routes that create something: the first request with a key
 * claims it and runs; a repeat (same project, key and fingerprint) gets the first answer back, with
 * `idempotent-replayed: true`, and does no work; a repeat arriving while the first runs waits for its
 * answer. Answers under 500 are kept, except 409 and 429; other failures release the key so a retry
 * runs anew. The key is checked after authentication and body validation, before any admission.
 */
export class IdempotentRequests {
  /** Spread into an idempotent route's options: its OpenAPI header, and a replay's original `x-request-id`. */
  readonly routeOptions = { config: { idempotencyKey: true }, onSend: keepReplayedRequestId };

  constructor(private readonly options: IdempotencyOptions) {}

  private get lockMs(): number {
    // Past the longest a request may take: a holder this late is presumed dead.
    return this.options.requestTimeoutMs + 60_000;
  }

  /** Runs a JSON request's work under its key (if it has one), or replays the key's answer. */
  async run<Result>(request: FastifyRequest, reply: FastifyReply, work: (held: HeldIdempotencyKey | undefined) => Promise<Result>): Promise<Result | FastifyReply> {
    const key = idempotencyKeyOf(request);
    if (key === undefined) return work(undefined);
    const operation = operationOf(request);
    const claim: ClaimInput = {
      projectId: request.principal.projectId,
      key,
      operation,
      fingerprint: fingerprintRequest(operation, request.body),
      requestId: request.id,
      lockMs: this.lockMs,
      ttlMs: idempotencyKeyTtlMs,
    };
    const replay = await this.acquire(reply, claim);
    if (replay) return this.replay(request, reply, replay);
    return this.runHolding(request, reply, claim, { work, storeFailures: true });
  }

  /**
   * An upload under its key. The key is claimed before the body is read, so a duplicate knows at once
   * that it is one and only hashes its body to compare (storing nothing); the holder's fingerprint is
   * written when it completes. A refused upload releases its key instead of keeping the refusal: it is
   * refused at its first bad line, before the rest of it (and so its fingerprint) is known, and a retry
   * of the same bytes is refused the same way without creating anything.
   */
  async runUpload<Result>(request: FastifyRequest, reply: FastifyReply, upload: IdempotentUpload<Result>): Promise<Result | FastifyReply> {
    const key = idempotencyKeyOf(request);
    if (key === undefined) return upload.store(undefined);
    const operation = operationOf(request);
    const claim: ClaimInput = {
      projectId: request.principal.projectId,
      key,
      operation,
      fingerprint: pendingUploadFingerprint,
      requestId: request.id,
      lockMs: this.lockMs,
      ttlMs: idempotencyKeyTtlMs,
    };
    let first = await claimIdempotencyKey(this.options.pool, claim);
    // The row changed between two statements (released or replaced meanwhile): look again.
    for (let attempt = 1; first.outcome === 'contended' && attempt < 3; attempt += 1) first = await claimIdempotencyKey(this.options.pool, claim);
    const existing = first.outcome === 'existing' ? first.record : undefined;
    if (existing && existing.operation !== operation) throw reusedKey(key, existing, operation);
    const takenOver = existing?.lockExpired === true && (await takeOverIdempotencyKey(this.options.pool, claim));
    if (first.outcome === 'claimed' || takenOver) {
      // An upload has no time limit (only an idle timeout), so its claim is kept fresh while it streams.
      const keepAlive = setInterval(() => {
        extendIdempotencyLock(this.options.pool, { ...claim, lockMs: this.lockMs }).catch((error: unknown) => request.log.warn({ err: error }, 'cannot extend an idempotency key lock'));
      }, this.lockMs / 3);
      keepAlive.unref();
      try {
        return await this.runHolding(request, reply, claim, { work: upload.store, storeFailures: false });
      } finally {
        clearInterval(keepAlive);
      }
    }
    const fingerprint = fingerprintUpload(operation, await upload.identify());
    const record = await this.awaitUploadAnswer(reply, claim);
    if (record.operation !== operation || record.fingerprint !== fingerprint) throw reusedKey(key, record, operation);
    return this.replay(request, reply, record);
  }

  /**
   * Claims the key, or waits while another request holds it: the first answer (to replay), or
   * undefined once this request holds the key (new, expired, released or taken over).
   */
  private async acquire(reply: FastifyReply, claim: ClaimInput): Promise<IdempotencyRecord | undefined> {
    const waiting = new KeyWait(reply, claim, this.options.requestTimeoutMs);
    try {
      for (;;) {
        const result = await claimIdempotencyKey(this.options.pool, claim);
        if (result.outcome === 'claimed') return undefined;
        let record = result.outcome === 'existing' ? result.record : undefined;
        if (!record) await waiting.pause(undefined);
        while (record) {
          if (record.operation !== claim.operation || record.fingerprint !== claim.fingerprint) throw reusedKey(claim.key, record, claim.operation);
          if (record.answer) return record;
          if (record.lockExpired && (await takeOverIdempotencyKey(this.options.pool, claim))) return undefined;
          await waiting.pause(record);
          record = await readIdempotencyKey(this.options.pool, claim);
        }
        // Gone (released by a failed first request, or expired): claim it for this one.
      }
    } finally {
      waiting.dispose();
    }
  }

  /** A duplicate upload, its body read: the first upload's completed record, or 409. */
  private async awaitUploadAnswer(reply: FastifyReply, claim: ClaimInput): Promise<IdempotencyRecord> {
    const waiting = new KeyWait(reply, claim, this.options.requestTimeoutMs);
    try {
      for (;;) {
        const record = await readIdempotencyKey(this.options.pool, claim);
        // The first upload failed (or its holder died), and this body has been read without being
        // stored, so this request cannot run the upload itself: the client's retry will.
        if (!record || record.lockExpired) throw keyInUse(claim.key, 'belonged to an upload that did not complete; retry with the same key to run this one');
        if (record.answer || record.operation !== claim.operation) return record;
        await waiting.pause(record);
      }
    } finally {
      waiting.dispose();
    }
  }

  private async runHolding<Result>(
    request: FastifyRequest,
    reply: FastifyReply,
    claim: ClaimInput,
    options: { work: (held: HeldIdempotencyKey) => Promise<Result>; storeFailures: boolean },
  ): Promise<Result> {
    const { pool } = this.options;
    let completedWithin = false;
    const held: HeldIdempotencyKey = {
      completeWithin: async (client, answer) => {
        const completed = await completeIdempotencyKey(client, {
          ...claim,
          fingerprint: answer.upload && fingerprintUpload(claim.operation, answer.upload),
          answer: { status: answer.status, body: answer.body, headers: answerHeaders(request, reply) },
        });
        // Taken over after this request's lock ran out: the other request creates the object, not this one.
        if (!completed) throw keyInUse(claim.key, 'was taken over by another request after this one held it too long; retry with the same key for its answer');
        completedWithin = true;
      },
    };
    let result: Result;
    try {
      result = await options.work(held);
    } catch (error) {
      // Conditional on the key still being this request's and in progress: a key completed in a
      // transaction that did commit keeps its answer.
      const failure = toGatewayError(error instanceof Error ? error : new Error(String(error)));
      if (options.storeFailures && isKept(failure.status)) {
        await this.store(request, claim, { status: failure.status, body: failure.toBody(), headers: answerHeaders(request, reply) });
      } else {
        await releaseIdempotencyKey(pool, claim).catch((releaseError: unknown) => request.log.warn({ err: releaseError }, 'cannot release an idempotency key; it frees when its lock expires'));
      }
      throw error;
    }
    if (!completedWithin) await this.store(request, claim, { status: reply.statusCode, body: result, headers: answerHeaders(request, reply) });
    return result;
  }

  /**
   * Completes the key after the answer is known (a separate write). If that fails, the key is given
   * back so a retry runs again; if even that fails (Postgres away), it frees when its lock expires.
   */
  private async store(request: FastifyRequest, claim: ClaimInput, answer: StoredAnswer): Promise<void> {
    try {
      await completeIdempotencyKey(this.options.pool, { ...claim, answer });
    } catch (error) {
      request.log.warn({ err: error, idempotencyKey: claim.key }, 'cannot store the answer of an idempotency key; releasing it');
      await releaseIdempotencyKey(this.options.pool, claim).catch(() => undefined);
    }
  }

  private replay(request: FastifyRequest, reply: FastifyReply, record: IdempotencyRecord): FastifyReply {
    const answer = record.answer;
    if (!answer) throw new Error('replay of an idempotency key without an answer');
    const originalRequestId = answer.headers['x-request-id'] ?? record.requestId;
    replayedRequestIds.set(request, originalRequestId);
    request.log.info({ originalRequestId, status: answer.status }, 'idempotent replay');
    for (const name of replayedHeaderNames) {
      const value = answer.headers[name];
      if (value !== undefined) reply.header(name, value);
    }
    return reply.code(answer.status).header('idempotent-replayed', 'true').send(answer.body);
  }
}

/**
 * A duplicate waiting for another request's answer: its polls back off from 50 ms to 500 ms; it gives
 * up with 409 after `server.requestTimeoutMs`, and at once when its own client has gone.
 */
class KeyWait {
  private readonly deadline: number;
  private readonly gone = new AbortController();
  private readonly onClose = () => this.gone.abort();
  private delayMs = firstPollMs;

  constructor(
    private readonly reply: FastifyReply,
    private readonly ref: IdempotencyKeyRef,
    private readonly waitMs: number,
  ) {
    this.deadline = Date.now() + waitMs;
    reply.raw.once('close', this.onClose);
  }

  async pause(holder: IdempotencyRecord | undefined): Promise<void> {
    const left = this.deadline - Date.now();
    if (left <= 0) {
      const who = holder ? `is held by request ${holder.requestId}, which` : 'is held by a request that';
      throw keyInUse(this.ref.key, `${who} has not finished within ${this.waitMs} ms; retry later with the same key for its answer`);
    }
    try {
      await sleep(Math.min(this.delayMs, left), undefined, { signal: this.gone.signal });
    } catch {
      throw new GatewayError({ code: 'client_closed_request', message: 'The client closed the connection while waiting for an idempotency key.' });
    }
    this.delayMs = Math.min(maxPollMs, this.delayMs * 2);
  }

  dispose(): void {
    this.reply.raw.off('close', this.onClose);
  }
}

/** A route-level onSend hook: runs after the app's, which sets `x-request-id` to this request's id. */
async function keepReplayedRequestId(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const original = replayedRequestIds.get(request);
  if (original !== undefined) reply.header('x-request-id', original);
}

/** `POST /v1/batches`: a key belongs to one operation. */
function operationOf(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? request.url}`;
}

/**
 * Answers kept for replay: everything under 500 but 409 (a conflict that may pass) and 429 (a rate
 * limit that will); and not 499, an answer nobody received.
 */
function isKept(status: number): boolean {
  return status < 500 && status !== 409 && status !== 429 && status !== 499;
}

function answerHeaders(request: FastifyRequest, reply: FastifyReply): Record<string, string> {
  const headers: Record<string, string> = { 'x-request-id': request.id };
  for (const name of replayedHeaderNames) {
    const value = reply.getHeader(name);
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return headers;
}

function reusedKey(key: string, record: IdempotencyRecord, operation: string): GatewayError {
  const what = record.operation === operation ? 'with a different body' : `on ${record.operation}`;
  return new GatewayError({
    code: 'idempotency_key_reused',
    message: `Idempotency-Key '${key}' was used by request ${record.requestId} ${what}; a key stands for one request, so send a new key with a new request.`,
    param: 'Idempotency-Key',
  });
}

function keyInUse(key: string, detail: string): GatewayError {
  return new GatewayError({ code: 'idempotency_key_in_use', message: `Idempotency-Key '${key}' ${detail}.`, param: 'Idempotency-Key' });
}
