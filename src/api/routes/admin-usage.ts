import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { GatewayError } from '../../errors/gateway-error.ts';
import { findRequestLog } from '../../usage/request-lookup.ts';
import { parseUsageGroups, resolveUsageRange } from '../../usage/usage-params.ts';
import { findProject, queryUsage } from '../../usage/usage-report.ts';
import type { AppDependencies } from '../app.ts';
import { component } from '../openapi-schemas.ts';
import { requestIdParams, requestLogSchema, unknownRequest, usageQuerySchema, usageReportSchema } from './usage.ts';

/** Usage across projects (or one, `project=` by name or id) and any request's log, for the admin. */
export function adminUsageRoutes(dependencies: AppDependencies): FastifyPluginAsyncZod {
  const { pool } = dependencies.database;
  return async (app) => {
    const usageSchema = {
      operationId: 'adminGetUsage',
      summary: 'Get usage across projects',
      description: "Every project's usage, or one project's (`project`, by name or id).",
      querystring: usageQuerySchema,
      response: { 200: component(usageReportSchema, 'UsageReport') },
      errorCodes: ['not_found'] as const,
    };
    app.get('/usage', { schema: usageSchema }, async (request) => {
      const range = resolveUsageRange(request.query);
      const groups = parseUsageGroups(request.query.group_by);
      let projectId: string | undefined;
      if (request.query.project !== undefined) {
        const project = await findProject(pool, request.query.project);
        if (!project) throw new GatewayError({ code: 'not_found', message: `No project '${request.query.project}'.`, param: 'project' });
        projectId = project.id;
      }
      return queryUsage(pool, { range, groups, projectId });
    });

    const requestSchema = {
      operationId: 'adminRetrieveRequestLog',
      summary: "Retrieve any request's log",
      params: requestIdParams,
      response: { 200: component(requestLogSchema, 'RequestLog') },
      errorCodes: ['not_found'] as const,
    };
    app.get('/requests/:id', { schema: requestSchema }, async (request) => {
      const log = await findRequestLog(pool, request.params.id);
      if (!log) throw unknownRequest(request.params.id);
      return log;
    });
  };
}
