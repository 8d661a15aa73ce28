import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { GatewayError } from '../../errors/gateway-error.ts';

/** The form fields of an upload. Others (e.g. `expires_after[...]`) are ignored: files here do not expire. */
export const uploadFieldsSchema = z.looseObject({
  purpose: z.literal('batch', {
    error: (issue) =>
      issue.input === undefined ? "Missing required parameter: 'purpose'." : `Invalid value for 'purpose': '${String(issue.input)}'. This gateway stores batch input files only; use 'batch'.`,
  }),
});

/** Most file systems stop at 255. */
export const uploadFilenameSchema = z.string().max(255, { error: 'The filename is longer than 255 characters.' });

/**
 * Iterates multipart parts (or a file part's bytes), turning parser errors — malformed bodies,
 * limits, a client that went away — into 400s. Only errors of the iteration itself land here: an
 * error thrown by the consumer ends the generator through `return()`, which skips this catch.
 */
export async function* readMultipart<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    for await (const item of source) yield item;
  } catch (error) {
    throw multipartError(error);
  }
}

export function multipartError(error: unknown): unknown {
  if (error instanceof GatewayError || !(error instanceof Error)) return error;
  const invalid = (message: string, param: string | null = null) => new GatewayError({ code: 'invalid_request_body', message, param });
  switch ('code' in error ? error.code : undefined) {
    case 'FST_FILES_LIMIT':
      return invalid("Send exactly one file, in the field 'file'.", 'file');
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return invalid('The form has too many fields; send purpose and file.');
    case 'FST_MP_PREMATURE_CLOSE':
      return invalid('The upload ended before the multipart body was complete.');
    default:
      return invalid(`The body is not valid multipart/form-data: ${error.message}`);
  }
}

/**
 * An upload holds a Postgres connection and an open transaction while it streams, and this server
 * has no request timeout (sync calls wait for their jobs): a client that stops sending would hold
 * both forever. Its socket is destroyed after this long without a byte, which aborts the upload.
 */
export const uploadIdleTimeoutMs = 120_000;

export async function withUploadIdleTimeout<T>(request: FastifyRequest, run: () => Promise<T>): Promise<T> {
  const socket = request.raw.socket;
  // `inject()` (tests) gives a mock socket without timers: nothing can stall there.
  if (typeof socket?.setTimeout !== 'function') return run();
  const onIdle = () => socket.destroy();
  socket.setTimeout(uploadIdleTimeoutMs);
  socket.once('timeout', onIdle);
  try {
    return await run();
  } finally {
    socket.off('timeout', onIdle);
    socket.setTimeout(0);
  }
}
