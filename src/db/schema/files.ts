import { bigint, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { projects } from './projects.ts';

export const filePurposes = ['batch', 'batch_output'] as const;
export type FilePurpose = (typeof filePurposes)[number];
/** `upload`: sent by a client; `inline`: made from an inline batch; outputs are generated on read. */
export const fileKinds = ['upload', 'inline', 'batch_output', 'batch_error'] as const;
export type FileKind = (typeof fileKinds)[number];

/** OpenAI's file object. Output and error files have no stored content: it streams from `requests`. */
export const files = pgTable(
  'files',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    filename: text('filename').notNull(),
    purpose: text('purpose').$type<FilePurpose>().notNull(),
    kind: text('kind').$type<FileKind>().notNull(),
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
    lineCount: integer('line_count').notNull(),
    /** For generated files: the batch they belong to. */
    batchId: text('batch_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [index('files_project_id_created_at_idx').on(table.projectId, table.createdAt)],
);

/**
 * The lines of an uploaded JSONL file, one row each: batches read them in pages and never load a
 * file whole. `custom_id` is unique per file (the database enforces it while streaming the upload).
 */
export const fileLines = pgTable(
  'file_lines',
  {
    fileId: text('file_id')
      .notNull()
      .references(() => files.id, { onDelete: 'cascade' }),
    lineNumber: integer('line_number').notNull(),
    customId: text('custom_id').notNull(),
    content: text('content').notNull(),
  },
  (table) => [primaryKey({ columns: [table.fileId, table.lineNumber], name: 'file_lines_pkey' }), uniqueIndex('file_lines_file_id_custom_id_idx').on(table.fileId, table.customId)],
);
