import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { dashboardScriptNames, loadDashboardAssets, type DashboardAsset } from '../../dashboard/dashboard-assets.ts';
import { readProjectName, readQueueDepths, readRecentBatches } from '../../dashboard/dashboard-data.ts';
import { modelFilterQuerySchema, parseModelFilter, selectUsage } from '../../dashboard/dashboard-models.ts';
import { buildDashboardSummary, chooseBucket, dashboardSummarySchema } from '../../dashboard/dashboard-summary.ts';
import { readDashboardUsage, type DashboardScope } from '../../dashboard/dashboard-usage.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { resolveUsageRange, type UsageRange } from '../../usage/usage-params.ts';
import type { AppDependencies } from '../app.ts';
import { openGatewayQueues } from '../../queues/gateway-queues.ts';
import { isAdminKey } from '../plugins/admin-auth.ts';
import { bearerToken } from '../plugins/api-key-auth.ts';

/** The page holds a key in sessionStorage: nothing but its own files may run or load there. */
const pageSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The longest period one summary covers (daily buckets: a year of points). */
const maxRangeDays = 366;

const summaryQuerySchema = z.object({
  from: z.string().min(1).optional().describe('ISO 8601 (with an offset) or Unix seconds, rounded down to the hour; default: `to` minus 24 hours'),
  to: z.string().min(1).optional().describe('ISO 8601 (with an offset) or Unix seconds, rounded up to the hour; default: now'),
  model: modelFilterQuerySchema,
});

/** The usage API's range (hour-aligned: what its rollups hold), at most {@link maxRangeDays} long. */
export function parseDashboardRange(query: Pick<z.infer<typeof summaryQuerySchema>, 'from' | 'to'>, now = new Date()): UsageRange {
  const range = resolveUsageRange(query, now);
  if (range.to.getTime() - range.from.getTime() > maxRangeDays * 24 * 3600 * 1000) {
    throw new GatewayError({ code: 'invalid_request_body', message: `The dashboard shows at most ${maxRangeDays} days at once; narrow 'from'.`, param: 'from' });
  }
  return range;
}

function sendAsset(reply: FastifyReply, asset: DashboardAsset, headers: Record<string, string> = {}) {
  return reply.header('content-type', asset.contentType).header('cache-control', asset.cacheControl).headers(headers).send(asset.body);
}

/**
 * `/dashboard`: a static page (no key needed to load it, it holds no data) and its one JSON API,
 * which takes the admin key (every project, and the queues) or a project API key (that project).
 */
export function dashboardRoutes(dependencies: AppDependencies): FastifyPluginAsyncZod {
  const assets = loadDashboardAssets();
  return async (app) => {
    const { queues, close } = openGatewayQueues(dependencies);
    app.addHook('onClose', close);

    const page = { schema: { hide: true } };
    const servePage = async (_request: FastifyRequest, reply: FastifyReply) =>
      sendAsset(reply, assets.own['index.html'], { 'content-security-policy': pageSecurityPolicy, 'x-content-type-options': 'nosniff' });
    app.get('/dashboard', page, servePage);
    app.get('/dashboard/', page, servePage);
    app.get('/dashboard/assets/:name', { schema: { hide: true, params: z.object({ name: z.enum([...dashboardScriptNames, 'dashboard.css']) }) } }, async (request, reply) =>
      sendAsset(reply, assets.own[request.params.name], { 'x-content-type-options': 'nosniff' }),
    );
    app.get('/dashboard/vendor/:name', { schema: { hide: true, params: z.object({ name: z.enum(['uPlot.iife.min.js', 'uPlot.min.css']) }) } }, async (request, reply) =>
      sendAsset(reply, assets.vendor[request.params.name], { 'x-content-type-options': 'nosniff' }),
    );

    async function authenticate(request: FastifyRequest): Promise<DashboardScope> {
      const token = bearerToken(request);
      if (!token) {
        throw new GatewayError({ code: 'missing_api_key', message: "The dashboard API needs a key: send 'Authorization: Bearer <API key or admin key>'." });
      }
      if (isAdminKey(token, dependencies.adminKey)) return { kind: 'admin' };
      const principal = await dependencies.keyStore.authenticate(token);
      if (!principal) throw new GatewayError({ code: 'invalid_api_key', message: 'The key is neither an API key nor the admin key.' });
      return { kind: 'project', principal };
    }

    // The key is checked on request, before the query is validated: without one, nothing but a 401.
    const scopes = new WeakMap<FastifyRequest, DashboardScope>();
    app.get(
      '/dashboard/api/summary',
      {
        onRequest: async (request) => {
          scopes.set(request, await authenticate(request));
        },
        schema: {
          operationId: 'getDashboardSummary',
          summary: 'Everything the dashboard page draws for a period',
          querystring: summaryQuerySchema,
          response: { 200: dashboardSummarySchema },
        },
      },
      async (request) => {
        const scope = scopes.get(request) ?? (await authenticate(request));
        const range = parseDashboardRange(request.query);
        const { from, to } = range;
        const bucket = chooseBucket(from, to);
        const filter = parseModelFilter(request.query.model);
        const projectId = scope.kind === 'project' ? scope.principal.projectId : null;
        const [usage, batches, queueDepths, projectName] = await Promise.all([
          readDashboardUsage({ pool: dependencies.database.pool, scope, range, bucket }),
          readRecentBatches(dependencies.database.pool, { projectId, from, to }),
          // Queues are shared by every project: their depth is the operator's business.
          scope.kind === 'admin' ? readQueueDepths(queues) : Promise.resolve(null),
          projectId ? readProjectName(dependencies.database.pool, projectId) : Promise.resolve(null),
        ]);
        const selected = selectUsage(usage, { bucket, filter });
        return buildDashboardSummary({
          scope: { kind: scope.kind, project_id: projectId, project_name: projectName },
          from,
          to,
          bucket,
          byTime: selected.byTime,
          byTimeAndModel: selected.byTimeAndModel,
          models: selected.models,
          filter,
          queues: queueDepths,
          batches,
        });
      },
    );
  };
}
