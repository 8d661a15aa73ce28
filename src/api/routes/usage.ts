import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { usageServedBy } from '../../db/schema/usage-rollups.ts';
import { requestFormats } from '../../formats/request-format.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { findRequestLog } from '../../usage/request-lookup.ts';
import { parseUsageGroups, resolveUsageRange, usageGroups } from '../../usage/usage-params.ts';
import { findProject, queryUsage } from '../../usage/usage-report.ts';
import type { AppDependencies } from '../app.ts';
import { component } from '../openapi-schemas.ts';

const countersSchema = z.object({
  requests: z.number().int(),
  errors: z.number().int(),
  cache_hits: z.number().int(),
  input_tokens: z.number().int(),
  cached_input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  cost: z.string().describe('USD, exact decimal: the requests whose cost is known.'),
  cost_unknown_requests: z.number().int().describe('Billed requests to a model nothing prices: their cost is unknown and not part of `cost`.'),
  cost_saved: z.string(),
  batch_saved: z.string().describe("Served by a provider's batch API: what the same usage at the sync price would have cost beyond `cost` (USD, exact decimal)."),
  latency_ms: z.object({ p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable() }),
});

export const usageReportSchema = z.object({
  object: z.literal('list'),
  from: z.string(),
  to: z.string(),
  group_by: z.array(z.enum(usageGroups)),
  data: z.array(
    countersSchema.extend({
      project_id: z.string().optional(),
      project: z.string().optional(),
      api_key_id: z.string().optional(),
      model: z.string().nullable().optional(),
      provider: z.string().nullable().optional(),
      served_by: z.enum(usageServedBy).optional().describe("`gateway`: the gateway's own provider calls and cache hits; `batch_api`: batch lines served by their provider's batch API."),
      format: z
        .enum(requestFormats)
        .optional()
        .describe('The client API the requests came in through: `chat` (chat completions), `embeddings`, `messages` (Anthropic Messages) or `responses` (OpenAI Responses).'),
      routing_rule: z.string().nullable().optional().describe("The model's routing rule that chose the routes (`default`: the model's own routes); null for requests recorded without one."),
      batch_id: z.string().nullable().optional(),
      day: z.string().optional(),
      hour: z.string().optional(),
    }),
  ),
  total: countersSchema,
});

export const usageQuerySchema = z.object({
  from: z.string().optional(),
  to: z.string().optional(),
  group_by: z.union([z.string(), z.array(z.string())]).optional(),
  project: z.string().min(1).max(200).optional(),
});

export const requestLogSchema = z.object({
  id: z.string(),
  object: z.literal('request'),
  client_request_id: z.string().nullable(),
  kind: z.string(),
  operation: z.string().describe('What was asked: `chat` or `embeddings`.'),
  format: z.enum(requestFormats).describe('The client API it came in through: `chat`, `embeddings`, `messages` (Anthropic Messages) or `responses` (OpenAI Responses).'),
  routing_rule: z.string().nullable().describe("The model's routing rule that chose the routes (`default`: the model's own routes); null where none was recorded."),
  status: z.string(),
  status_code: z.number().int().nullable(),
  model: z.string(),
  provider: z.string().nullable(),
  upstream_model: z.string().nullable(),
  batch_id: z.string().nullable(),
  custom_id: z.string().nullable(),
  streamed: z.boolean(),
  cache_status: z.string().nullable(),
  attempts: z.number().int(),
  route_attempts: z.array(
    z.object({
      provider: z.string(),
      model: z.string(),
      outcome: z.string(),
      status: z.number().int().nullable(),
      code: z.string().nullable(),
      message: z.string().nullable(),
      latency_ms: z.number(),
    }),
  ),
  error: z.object({ code: z.string().nullable(), message: z.string().nullable() }).nullable(),
  timings: z.object({
    created_at: z.string(),
    started_at: z.string().nullable(),
    completed_at: z.string().nullable(),
    queue_wait_ms: z.number().nullable(),
    provider_latency_ms: z.number().nullable(),
    total_ms: z.number().nullable(),
  }),
  usage: z
    .object({
      input_tokens: z.number().int(),
      cached_input_tokens: z.number().int(),
      output_tokens: z.number().int(),
      total_tokens: z.number().int(),
      cost: z.string().nullable().describe('USD, exact decimal; null when nothing priced the model (the cost is unknown).'),
      cost_saved: z.string(),
      estimated: z.boolean(),
    })
    .nullable(),
  warnings: z.array(z.string()),
});

export const requestIdParams = z.object({ id: z.string().min(1).max(200) });

export const unknownRequest = (id: string) => new GatewayError({ code: 'not_found', message: `No request with id '${id}'.`, param: 'id' });

/** The caller's project's usage and request logs: `GET /v1/usage`, `GET /v1/requests/{id}`. */
export function usageRoutes(dependencies: AppDependencies): FastifyPluginAsyncZod {
  const { pool } = dependencies.database;
  return async (app) => {
    const usageSchema = {
      operationId: 'getUsage',
      summary: "Get the project's usage",
      description: "Requests, tokens, cost and latency of the calling key's project over a period, grouped as asked.",
      querystring: usageQuerySchema,
      response: { 200: component(usageReportSchema, 'UsageReport') },
      errorCodes: ['not_found'] as const,
    };
    app.get('/usage', { schema: usageSchema }, async (request) => {
      const { projectId } = request.principal;
      const range = resolveUsageRange(request.query);
      const groups = parseUsageGroups(request.query.group_by);
      // A key sees its own project only: naming another (or an unknown one) is as if it did not exist.
      if (request.query.project !== undefined) {
        const named = await findProject(pool, request.query.project);
        if (named?.id !== projectId) throw new GatewayError({ code: 'not_found', message: `No project '${request.query.project}'.`, param: 'project' });
      }
      return queryUsage(pool, { range, groups, projectId });
    });

    const requestSchema = {
      operationId: 'retrieveRequestLog',
      summary: "Retrieve a request's log",
      params: requestIdParams,
      response: { 200: component(requestLogSchema, 'RequestLog') },
      errorCodes: ['not_found'] as const,
    };
    app.get('/requests/:id', { schema: requestSchema }, async (request) => {
      const log = await findRequestLog(pool, request.params.id, request.principal.projectId);
      if (!log) throw unknownRequest(request.params.id);
      return log;
    });
  };
}
