import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { anthropicErrorBody } from '../formats/anthropic-messages/anthropic-errors.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { unavailableDependency } from '../errors/outage-errors.ts';

/**
 * Seconds a client should wait after a 503: long enough for a Redis reconnect or a Postgres restart
 * to be under way, short enough that the SDKs' own retries (which honour Retry-After) land soon after.
 */
export const outageRetryAfterSeconds = 2;

const outageMessages = {
  postgres: 'The gateway cannot reach its database (Postgres) right now; nothing was created. Retry shortly.',
  redis: 'The gateway cannot reach its queue (Redis) right now; nothing was created. Retry shortly.',
  network: 'The gateway cannot reach Postgres or Redis right now; nothing was created. Retry shortly.',
} as const;

/** `/messages/0/content` → `messages[0].content`, the way OpenAI names a parameter. */
export function formatParamPath(instancePath: string): string | null {
  const parts = instancePath.split('/').filter((part) => part.length > 0);
  if (parts.length === 0) return null;
  return parts.reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

/** Maps anything thrown in a route onto a GatewayError; unknown errors are the only 500s. */
export function toGatewayError(error: FastifyError | Error): GatewayError {
  if (error instanceof GatewayError) return error;
  const unavailable = unavailableDependency(error);
  if (unavailable) return new GatewayError({ code: 'service_unavailable', message: outageMessages[unavailable] });
  if (hasZodFastifySchemaValidationErrors(error)) {
    const first = error.validation[0];
    const param = first ? formatParamPath(first.instancePath) : null;
    const detail = first ? first.message : 'invalid request';
    return new GatewayError({
      code: 'invalid_request_body',
      message: param ? `Invalid value for '${param}': ${detail}` : `Invalid request: ${detail}`,
      param,
    });
  }
  const code = 'code' in error ? error.code : undefined;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatewayError({ code: 'request_too_large', message: 'Request body is larger than this gateway accepts.' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new GatewayError({ code: 'unsupported_media_type', message: 'Content-Type must be application/json.' });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new GatewayError({ code: 'invalid_json', message: 'We could not parse the JSON body of your request; it is not valid JSON.' });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new GatewayError({ code: 'invalid_json', message: 'The request body is empty; expected a JSON object.' });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new GatewayError({ code: 'invalid_request_body', message: 'Content-Length does not match the body.' });
    default:
      break;
  }
  if (error instanceof SyntaxError || (code === undefined && 'statusCode' in error && error.statusCode === 400)) {
    return new GatewayError({ code: 'invalid_json', message: `We could not parse the JSON body of your request: ${error.message}` });
  }
  const statusCode = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500;
  if (statusCode >= 400 && statusCode < 500) {
    return new GatewayError({ code: 'invalid_request_body', message: error.message });
  }
  return new GatewayError({ code: 'internal_error', message: 'The gateway had an internal error; it has been logged.' });
}

/**
 * Each API format answers errors in its own shape: Anthropic's (`{"type":"error","error":{…}}`) under
 * `/v1/messages`, OpenAI's everywhere else. By URL, so a 401 or a 404 before any route runs is shaped too.
 */
export function errorBodyFor(url: string, error: GatewayError): unknown {
  return url === '/v1/messages' || url.startsWith('/v1/messages/') || url.startsWith('/v1/messages?') ? anthropicErrorBody(error) : error.toBody();
}

export function registerErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const gatewayError = toGatewayError(error);
    if (gatewayError.code === 'internal_error') request.log.error({ err: error }, 'unhandled error');
    reply.headers(gatewayError.headers);
    if (gatewayError.status === 503) {
      if (gatewayError !== error) request.log.warn({ err: error }, 'a backing service is unavailable; answered 503');
      if (!reply.hasHeader('retry-after')) reply.header('retry-after', String(outageRetryAfterSeconds));
    }
    return reply.code(gatewayError.status).send(errorBodyFor(request.url, gatewayError));
  });
  app.setNotFoundHandler((request, reply) => {
    const notFound = new GatewayError({ code: 'not_found', message: `Unknown request URL: ${request.method} ${request.url}.` });
    return reply.code(notFound.status).send(errorBodyFor(request.url, notFound));
  });
}
