import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { GatewayError } from '../../errors/gateway-error.ts';
import { tenantLimitsViewSchema } from '../../auth/tenant-limits-schema.ts';
import type { AppDependencies } from '../app.ts';

export const keyViewSchema = z
  .object({
    id: z.string(),
    object: z.literal('api_key'),
    name: z.string(),
    project_id: z.string(),
    project: z.string(),
    key_prefix: z.string(),
    created_at: z.number().int(),
    revoked_at: z.number().int().nullable(),
    limits: tenantLimitsViewSchema,
  })
  .meta({ id: 'ApiKey', description: 'A project API key as listed: never its secret.' });

const createdKeySchema = keyViewSchema.extend({ key: z.string().describe('The key itself, to send as `Authorization: Bearer`: shown only in this answer.') }).meta({ id: 'CreatedApiKey' });

const keyListSchema = z.object({ object: z.literal('list'), data: z.array(keyViewSchema) }).meta({ id: 'ListApiKeysResponse' });

const nameSchema = z.string().trim().min(1).max(200);

export function adminKeysRoutes(dependencies: AppDependencies): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/keys',
      {
        schema: {
          operationId: 'createApiKey',
          summary: 'Create an API key',
          description: 'A key for a project (created with the key if it is new).',
          body: z.strictObject({ name: nameSchema, project: nameSchema }),
          response: { 201: createdKeySchema },
        },
      },
      async (request, reply) => {
        const created = await dependencies.keyStore.createKey(request.body);
        request.log.info({ apiKeyId: created.id, projectId: created.project_id }, 'api key created');
        return reply.code(201).send(created);
      },
    );

    app.get(
      '/keys',
      {
        schema: {
          operationId: 'listApiKeys',
          summary: 'List API keys',
          querystring: z.object({ project: nameSchema.optional() }),
          response: { 200: keyListSchema },
        },
      },
      async (request) => ({ object: 'list' as const, data: await dependencies.keyStore.listKeys({ project: request.query.project }) }),
    );

    app.delete(
      '/keys/:id',
      {
        schema: {
          operationId: 'revokeApiKey',
          summary: 'Revoke an API key',
          params: z.object({ id: z.string().min(1) }),
          response: { 200: keyViewSchema },
          errorCodes: ['not_found'],
        },
      },
      async (request) => {
        const revoked = await dependencies.keyStore.revokeKey(request.params.id);
        if (!revoked) throw new GatewayError({ code: 'not_found', message: `No API key with id '${request.params.id}'.`, param: 'id' });
        request.log.info({ apiKeyId: revoked.id }, 'api key revoked');
        return revoked;
      },
    );
  };
}
