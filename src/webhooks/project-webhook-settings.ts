import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { projects } from '../db/schema/projects.ts';
import { generateWebhookSecret } from './webhook-signing.ts';

/** A project's webhook settings: its signing secret and default URL, both on the `projects` row. */

export interface ProjectWebhookSettings {
  projectId: string;
  project: string;
  webhookUrl: string | null;
}

export async function findProjectWebhookUrl(db: Database, projectId: string): Promise<{ webhookUrl: string | null } | undefined> {
  const [row] = await db.select({ webhookUrl: projects.webhookUrl }).from(projects).where(eq(projects.id, projectId));
  return row;
}

/**
 * The project's signing secret, created on first use: every delivery is signed, even for a project
 * whose operator never asked for a secret (they rotate to learn one). Concurrent first uses agree
 * on one secret: only the update that finds it NULL writes.
 */
export async function signingSecretFor(db: Database, projectId: string): Promise<string> {
  const [row] = await db.select({ secret: projects.webhookSecret }).from(projects).where(eq(projects.id, projectId));
  if (!row) throw new Error(`project ${projectId} not found`);
  if (row.secret) return row.secret;
  await db
    .update(projects)
    .set({ webhookSecret: generateWebhookSecret() })
    .where(and(eq(projects.id, projectId), isNull(projects.webhookSecret)));
  const [created] = await db.select({ secret: projects.webhookSecret }).from(projects).where(eq(projects.id, projectId));
  if (!created?.secret) throw new Error(`project ${projectId}: webhook secret was not stored`);
  return created.secret;
}

/** Creates or replaces the secret; the answer is the only place the operator sees it. Undefined: no such project. */
export async function rotateWebhookSecret(db: Database, projectName: string): Promise<{ projectId: string; secret: string } | undefined> {
  const secret = generateWebhookSecret();
  const [row] = await db.update(projects).set({ webhookSecret: secret }).where(eq(projects.name, projectName)).returning({ id: projects.id });
  return row ? { projectId: row.id, secret } : undefined;
}

export async function setDefaultWebhookUrl(db: Database, projectName: string, url: string | null): Promise<ProjectWebhookSettings | undefined> {
  const [row] = await db.update(projects).set({ webhookUrl: url }).where(eq(projects.name, projectName)).returning({ projectId: projects.id, project: projects.name, webhookUrl: projects.webhookUrl });
  return row;
}

/** Clears the default URL only if it is still `url` (the operator may have set a new one meanwhile). */
export async function clearDefaultWebhookUrl(db: Database, projectId: string, url: string): Promise<boolean> {
  const cleared = await db
    .update(projects)
    .set({ webhookUrl: null })
    .where(and(eq(projects.id, projectId), eq(projects.webhookUrl, url)))
    .returning({ id: projects.id });
  return cleared.length > 0;
}
