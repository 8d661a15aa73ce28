import { and, asc, desc, eq, inArray, isNull, notExists, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { batches, type BatchStatus } from '../db/schema/batches.ts';
import { fileLines, files } from '../db/schema/files.ts';
import type { FileRecord } from './file-record.ts';

/** Batches that may still read their input file's lines. */
export const activeBatchStatuses: BatchStatus[] = ['validating', 'in_progress', 'finalizing', 'cancelling'];

const visible = (projectId: string) => and(eq(files.projectId, projectId), isNull(files.deletedAt));

/** A file of the project, unless deleted; another project's file is as absent as an unknown id. */
export async function getFile(db: Database, projectId: string, fileId: string): Promise<FileRecord | undefined> {
  const [row] = await db
    .select()
    .from(files)
    .where(and(eq(files.id, fileId), visible(projectId)));
  return row;
}

export interface ListFilesQuery {
  projectId: string;
  purpose?: string | undefined;
  /** The id of the last file of the previous page. */
  after?: string | undefined;
  limit: number;
  order: 'asc' | 'desc';
}

/**
 * One page, newest first by default, by keyset on (created_at, id): a page costs the same however
 * deep it is. `undefined` when the `after` cursor is not one of the project's files. A cursor that
 * was deleted since still works (the row stays, soft-deleted).
 */
export async function listFiles(db: Database, query: ListFilesQuery): Promise<{ data: FileRecord[]; hasMore: boolean } | undefined> {
  const conditions = [visible(query.projectId)];
  if (query.purpose !== undefined) conditions.push(eq(files.purpose, query.purpose as FileRecord['purpose']));
  if (query.after !== undefined) {
    const [cursor] = await db
      .select({ id: files.id })
      .from(files)
      .where(and(eq(files.id, query.after), eq(files.projectId, query.projectId)));
    if (!cursor) return undefined;
    // Compared in SQL, not through a JS Date: created_at has microseconds a Date would drop.
    const cursorRow = sql`(SELECT ${files.createdAt}, ${files.id} FROM ${files} WHERE ${files.id} = ${query.after})`;
    conditions.push(query.order === 'desc' ? sql`(${files.createdAt}, ${files.id}) < ${cursorRow}` : sql`(${files.createdAt}, ${files.id}) > ${cursorRow}`);
  }
  const direction = query.order === 'desc' ? desc : asc;
  const rows = await db
    .select()
    .from(files)
    .where(and(...conditions))
    .orderBy(direction(files.createdAt), direction(files.id))
    .limit(query.limit + 1);
  return { data: rows.slice(0, query.limit), hasMore: rows.length > query.limit };
}

/**
 * Soft-deletes a file: the row stays (deleted_at set) so list cursors and batches that name it
 * keep working, and it answers 404 from then on. Its lines are deleted at once unless a batch
 * still running reads them; {@link releaseDeletedFileLines} frees those when that batch ends.
 * `false` when there is no such (undeleted) file in the project.
 */
export async function deleteFile(db: Database, projectId: string, fileId: string): Promise<boolean> {
  return db.transaction(async (transaction) => {
    const deleted = await transaction
      .update(files)
      .set({ deletedAt: sql`now()` })
      .where(and(eq(files.id, fileId), visible(projectId)))
      .returning({ id: files.id });
    if (deleted.length === 0) return false;
    await deleteLinesUnlessInUse(transaction, fileId);
    return true;
  });
}

/**
 * For the batch engine, when a batch ends: drops the lines of its input file if that file was
 * deleted meanwhile and no other running batch reads it. A no-op otherwise.
 */
export async function releaseDeletedFileLines(db: Database, fileId: string): Promise<void> {
  const [file] = await db.select({ deletedAt: files.deletedAt }).from(files).where(eq(files.id, fileId));
  if (file?.deletedAt) await deleteLinesUnlessInUse(db, fileId);
}

type Executor = Pick<Database, 'delete' | 'select'>;

async function deleteLinesUnlessInUse(db: Executor, fileId: string): Promise<void> {
  await db.delete(fileLines).where(
    and(
      eq(fileLines.fileId, fileId),
      notExists(
        db
          .select({ one: sql`1` })
          .from(batches)
          .where(and(eq(batches.inputFileId, fileId), inArray(batches.status, activeBatchStatuses))),
      ),
    ),
  );
}
