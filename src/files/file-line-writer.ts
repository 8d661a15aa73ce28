import type pg from 'pg';
import type { FileKind, FilePurpose } from '../db/schema/files.ts';
import { FileProblem, quoteId } from './file-problem.ts';
import { newFileId, type FileRecord, fileRecordFromRow, fileRowColumns } from './file-record.ts';

export interface StoredLine {
  lineNumber: number;
  customId: string;
  /** The line as uploaded (or rendered from an inline request), without its newline. */
  content: string;
}

/** Where validated lines go; the upload code only needs these two. */
export interface LineSink {
  append(line: StoredLine): Promise<void>;
  /** Writes what is buffered; throws a FileProblem for a duplicated custom_id. */
  flush(): Promise<void>;
}

export interface NewFile {
  projectId: string;
  filename: string;
  purpose: FilePurpose;
  kind: FileKind;
}

/**
 * Rows per INSERT and characters per INSERT: whichever comes first. 1,000 rows amortise the round
 * trip; the character cap keeps memory flat when lines are large (a line may be megabytes).
 */
const chunkRows = 1000;
const chunkChars = 4 * 1024 * 1024;

/**
 * Writes one file — its `files` row and its `file_lines` — in ONE transaction on a dedicated
 * connection, so a failed or refused upload leaves nothing behind. Lines are buffered in small
 * chunks and each chunk is awaited before more are accepted: the caller's stream is paused
 * meanwhile (backpressure), so memory stays flat whatever the file's size.
 *
 * Duplicate custom_ids are found by the unique index `(file_id, custom_id)`, not by a set in memory:
 * each chunk is inserted `ON CONFLICT DO NOTHING`, and a row count short of the chunk's size means
 * a duplicate, which one query then locates (with its first occurrence) for the error message.
 */
export class FileLineWriter implements LineSink {
  private rows: StoredLine[] = [];
  private chars = 0;
  private finished = false;

  private constructor(
    private readonly client: pg.PoolClient,
    readonly fileId: string,
  ) {}

  static async begin(pool: pg.Pool, file: NewFile): Promise<FileLineWriter> {
    const client = await pool.connect();
    const writer = new FileLineWriter(client, newFileId());
    try {
      await client.query('BEGIN');
      // The row comes first (file_lines references it); bytes and line_count are set at commit.
      await client.query('INSERT INTO files (id, project_id, filename, purpose, kind, bytes, line_count) VALUES ($1, $2, $3, $4, $5, 0, 0)', [
        writer.fileId,
        file.projectId,
        file.filename,
        file.purpose,
        file.kind,
      ]);
    } catch (error) {
      await writer.abort();
      throw error;
    }
    return writer;
  }

  async append(line: StoredLine): Promise<void> {
    this.rows.push(line);
    this.chars += line.content.length;
    if (this.rows.length >= chunkRows || this.chars >= chunkChars) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.rows.length === 0) return;
    const rows = this.rows;
    this.rows = [];
    this.chars = 0;
    const lineNumbers = rows.map((row) => row.lineNumber);
    const customIds = rows.map((row) => row.customId);
    const inserted = await this.client.query(
      `INSERT INTO file_lines (file_id, line_number, custom_id, content)
       SELECT $1, line_number, custom_id, content FROM unnest($2::int[], $3::text[], $4::text[]) AS t(line_number, custom_id, content)
       ON CONFLICT DO NOTHING`,
      [this.fileId, lineNumbers, customIds, rows.map((row) => row.content)],
    );
    if (inserted.rowCount !== rows.length) throw await this.locateDuplicate(lineNumbers, customIds);
  }

  /**
   * The stats are the caller's (it saw the bytes); the row is returned as committed. `within` runs in
   * the same transaction just before the commit (an inline batch created with its file, an idempotency
   * key completed with it): if it throws, nothing is stored.
   */
  async commit(stats: { bytes: number; lineCount: number }, within?: (client: pg.PoolClient, file: FileRecord) => Promise<void>): Promise<FileRecord> {
    await this.flush();
    const result = await this.client.query(`UPDATE files SET bytes = $2, line_count = $3 WHERE id = $1 RETURNING ${fileRowColumns}`, [this.fileId, stats.bytes, stats.lineCount]);
    const file = fileRecordFromRow(result.rows[0]);
    await within?.(this.client, file);
    await this.client.query('COMMIT');
    this.release();
    return file;
  }

  /** Rolls back and returns the connection; safe to call more than once or after a failure. */
  async abort(): Promise<void> {
    if (this.finished) return;
    try {
      await this.client.query('ROLLBACK');
      this.release();
    } catch (error) {
      // A connection that cannot roll back is broken: destroy it rather than pool it.
      this.release(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private release(error?: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.client.release(error);
  }

  /**
   * The earliest line of the chunk whose custom_id is stored under another line number. Postgres
   * keeps the first of two conflicting rows of one INSERT, but greatest/least make the answer right
   * whatever order it inserted them in.
   */
  private async locateDuplicate(lineNumbers: number[], customIds: string[]): Promise<FileProblem> {
    const result = await this.client.query<{ line: number; first: number; custom_id: string }>(
      `SELECT greatest(t.line_number, f.line_number) AS line, least(t.line_number, f.line_number) AS first, t.custom_id
       FROM unnest($2::int[], $3::text[]) AS t(line_number, custom_id)
       JOIN file_lines f ON f.file_id = $1 AND f.custom_id = t.custom_id AND f.line_number <> t.line_number
       ORDER BY line, first LIMIT 1`,
      [this.fileId, lineNumbers, customIds],
    );
    const duplicate = result.rows[0];
    if (!duplicate) throw new Error(`file ${this.fileId}: a chunk insert skipped rows but no duplicate custom_id was found`);
    return new FileProblem({
      kind: 'invalid',
      lineNumber: duplicate.line,
      firstSeenOnLine: duplicate.first,
      reason: `custom_id ${quoteId(duplicate.custom_id)} is duplicated`,
    });
  }
}
