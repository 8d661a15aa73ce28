import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { GatewayError } from '../../errors/gateway-error.ts';
import { tenantLimitsPatchSchema, tenantLimitsViewSchema } from '../../auth/tenant-limits-schema.ts';
import type { AppDependencies } from '../app.ts';
import { keyViewSchema } from './admin-keys.ts';

const projectViewSchema = z
  .object({
    id: z.string(),
    object: z.literal('project'),
    name: z.string(),
    created_at: z.number().int(),
    webhook_url: z.string().nullable(),
    limits: tenantLimitsViewSchema,
  })
  .meta({ id: 'Project' });

const projectListSchema = z.object({ object: z.literal('list'), data: z.array(projectViewSchema) }).meta({ id: 'ListProjectsResponse' });

/**
 * Per-key and per-project rate limits and spend budgets. A PUT merges: fields left out keep their
 * value, `null` clears one (`budgets: null` clears every budget). The change is in force on every
 * API process at once (broadcast), and on batch workers within seconds.
 */
export function adminLimitsRoutes(dependencies: AppDependencies): FastifyPluginAsyncZod {
  const store = dependencies.tenantLimits.store;
  return async (app) => {
    app.put(
      '/keys/:id/limits',
      {
        schema: {
          operationId: 'setApiKeyLimits',
          summary: "Set an API key's limits",
          params: z.object({ id: z.string().min(1) }),
          body: tenantLimitsPatchSchema,
          response: { 200: keyViewSchema },
          errorCodes: ['not_found'],
        },
      },
      async (request) => {
        const limits = await store.updateKeyLimits(request.params.id, request.body);
        const key = limits === undefined ? undefined : await dependencies.keyStore.getKey(request.params.id);
        if (!key) throw new GatewayError({ code: 'not_found', message: `No API key with id '${request.params.id}'.`, param: 'id' });
        request.log.info({ apiKeyId: key.id, limits }, 'api key limits set');
        return key;
      },
    );

    app.put(
      '/projects/:project/limits',
      {
        schema: {
          operationId: 'setProjectLimits',
          summary: "Set a project's limits",
          params: z.object({ project: z.string().trim().min(1).max(200) }),
          body: tenantLimitsPatchSchema,
          response: { 200: projectViewSchema },
          errorCodes: ['not_found'],
        },
      },
      async (request) => {
        const project = await store.updateProjectLimits(request.params.project, request.body);
        if (!project) throw new GatewayError({ code: 'not_found', message: `No project named '${request.params.project}'.`, param: 'project' });
        request.log.info({ projectId: project.id, limits: project.limits }, 'project limits set');
        return project;
      },
    );

    app.get(
      '/projects',
      {
        schema: {
          operationId: 'listProjects',
          summary: 'List projects',
          querystring: z.object({ name: z.string().trim().min(1).max(200).optional() }),
          response: { 200: projectListSchema },
        },
      },
      async (request) => ({ object: 'list' as const, data: await store.listProjects(request.query.name) }),
    );
  };
}
