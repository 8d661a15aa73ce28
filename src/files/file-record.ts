import { randomInt } from 'node:crypto';
import { z } from 'zod';
import type { files } from '../db/schema/files.ts';

/** A `files` row as drizzle selects it. */
export type FileRecord = typeof files.$inferSelect;

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `file-` + 24 alphanumerics (~143 random bits), the shape OpenAI's ids have. */
export function newFileId(): string {
  let id = 'file-';
  for (let index = 0; index < 24; index += 1) id += alphabet[randomInt(alphabet.length)];
  return id;
}

/** Columns for raw `RETURNING` / `SELECT`, read back by {@link fileRecordFromRow}. */
export const fileRowColumns = 'id, project_id, filename, purpose, kind, bytes, line_count, batch_id, created_at, deleted_at';

interface FileRow {
  id: string;
  project_id: string;
  filename: string;
  purpose: FileRecord['purpose'];
  kind: FileRecord['kind'];
  bytes: number;
  line_count: number;
  batch_id: string | null;
  created_at: Date;
  deleted_at: Date | null;
}

export function fileRecordFromRow(row: unknown): FileRecord {
  const value = row as FileRow;
  return {
    id: value.id,
    projectId: value.project_id,
    filename: value.filename,
    purpose: value.purpose,
    kind: value.kind,
    bytes: Number(value.bytes),
    lineCount: value.line_count,
    batchId: value.batch_id,
    createdAt: value.created_at,
    deletedAt: value.deleted_at,
  };
}

/** OpenAI's file object. Files never expire here and are usable as soon as they exist. */
export const fileObjectSchema = z.object({
  id: z.string(),
  object: z.literal('file'),
  bytes: z.number().int(),
  created_at: z.number().int(),
  filename: z.string(),
  purpose: z.string(),
  status: z.literal('processed'),
  status_details: z.null(),
  expires_at: z.null(),
});

export type FileObject = z.infer<typeof fileObjectSchema>;

export function toFileObject(file: FileRecord): FileObject {
  return {
    id: file.id,
    object: 'file',
    bytes: file.bytes,
    created_at: Math.floor(file.createdAt.getTime() / 1000),
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed',
    status_details: null,
    expires_at: null,
  };
}
