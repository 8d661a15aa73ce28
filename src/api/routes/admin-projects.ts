import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { GatewayError } from '../../errors/gateway-error.ts';
import { rotateWebhookSecret, setDefaultWebhookUrl } from '../../webhooks/project-webhook-settings.ts';
import { assertWebhookUrlAllowed } from '../../webhooks/ssrf-guard.ts';
import type { AppDependencies } from '../app.ts';

const projectParams = z.object({ project: z.string().trim().min(1).max(200) });

/** A project's webhook settings on the admin API: its signing secret and its default URL. */
export function adminProjectsRoutes(dependencies: AppDependencies): FastifyPluginAsyncZod {
  const { db } = dependencies.database;
  const unknownProject = (name: string) => new GatewayError({ code: 'not_found', message: `No project named '${name}'.`, param: 'project' });

  return async (app) => {
    // Creates or replaces the secret. The answer is the only time it is shown; the old one stops
    // verifying at once (in-flight retries are signed with the new one).
    app.post(
      '/projects/:project/webhook-secret',
      {
        schema: {
          operationId: 'rotateProjectWebhookSecret',
          summary: "Rotate a project's webhook signing secret",
          description: 'Creates or replaces the secret; this answer is the only time it is shown.',
          params: projectParams,
          response: { 200: z.object({ secret: z.string() }) },
          errorCodes: ['not_found'],
        },
      },
      async (request) => {
        const rotated = await rotateWebhookSecret(db, request.params.project);
        if (!rotated) throw unknownProject(request.params.project);
        request.log.info({ projectId: rotated.projectId }, 'webhook secret rotated');
        return { secret: rotated.secret };
      },
    );

    app.put(
      '/projects/:project/webhook',
      {
        schema: {
          operationId: 'setProjectWebhook',
          summary: "Set a project's default webhook URL",
          description: 'Where batch and job events go when a request names no `webhook`; `null` clears it.',
          errorCodes: ['not_found', 'webhook_url_not_allowed'],
          params: projectParams,
          body: z.strictObject({ url: z.string().min(1).max(2048).nullable() }),
          response: { 200: z.object({ project: z.string(), project_id: z.string(), webhook_url: z.string().nullable() }) },
        },
      },
      async (request) => {
        const { url } = request.body;
        if (url !== null) await assertWebhookUrlAllowed(url, dependencies.config.webhooks, { param: 'url' });
        const updated = await setDefaultWebhookUrl(db, request.params.project, url);
        if (!updated) throw unknownProject(request.params.project);
        request.log.info({ projectId: updated.projectId, webhookUrl: updated.webhookUrl }, 'default webhook URL set');
        return { project: updated.project, project_id: updated.projectId, webhook_url: updated.webhookUrl };
      },
    );
  };
}
