import multipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FileLineWriter } from '../../files/file-line-writer.ts';
import { fileProblemError, FileProblem } from '../../files/file-problem.ts';
import { fileObjectSchema, toFileObject } from '../../files/file-record.ts';
import { deleteFile, getFile, listFiles } from '../../files/file-store.ts';
import { fileContentStream } from '../../files/file-content-stream.ts';
import { ingestJsonl, type IngestStats, type JsonlLimits } from '../../files/jsonl-upload.ts';
import { countBytes } from '../../files/jsonl-lines.ts';
import { GatewayError } from '../../errors/gateway-error.ts';
import { sha256Tap, type UploadIdentity } from '../../idempotency/request-fingerprint.ts';
import type { AppDependencies } from '../app.ts';
import type { HeldIdempotencyKey } from '../idempotency.ts';
import { component, deleteFileResponseSchema, fileContentSchema } from '../openapi-schemas.ts';
import { UploadSlots } from '../upload-slots.ts';
import { readMultipart, uploadFieldsSchema, uploadFilenameSchema, withUploadIdleTimeout } from './files-multipart.ts';

const fileIdParams = z.object({ id: z.string().min(1).max(200) });

const listQuerySchema = z.object({
  purpose: z.string().min(1).optional(),
  after: z.string().min(1).optional(),
  /** OpenAI's range and default. */
  limit: z.coerce.number().int().min(1).max(10_000).default(10_000),
  order: z.enum(['asc', 'desc']).default('desc'),
});

const fileListSchema = z.object({
  object: z.literal('list'),
  data: z.array(fileObjectSchema),
  first_id: z.string().nullable(),
  last_id: z.string().nullable(),
  has_more: z.boolean(),
});

const notFound = (id: string) => new GatewayError({ code: 'not_found', message: `No such File object: ${id}`, param: 'id' });

/** OpenAI's Files API for batch input files; output and error files are served from `requests`. */
export function filesRoutes(dependencies: AppDependencies): FastifyPluginAsyncZod {
  const { config, database } = dependencies;
  const { idempotency } = dependencies;
  // Each upload holds a pooled Postgres connection while it streams: a cap keeps the rest for everything else.
  const uploads = new UploadSlots(config.files.maxConcurrentUploads ?? Math.max(1, Math.floor((database.pool.options.max ?? 10) / 4)));
  const limits: JsonlLimits = {
    maxBytes: config.files.maxBytes,
    maxLines: config.files.maxLines,
    maxLineBytes: config.server.bodyLimitBytes,
  };

  return async (app) => {
    // Registered here, so only the files routes take multipart. Multipart bodies never pass through
    // fastify's bodyLimit: the file is streamed, and its limit is files.maxBytes (+1 so the line
    // reader sees the excess byte and names the limit instead of busboy truncating quietly).
    await app.register(multipart, {
      throwFileSizeLimit: false,
      limits: { fileSize: limits.maxBytes + 1, files: 1, fields: 20, parts: 25, fieldSize: 64 * 1024, headerPairs: 100 },
    });

    const createSchema = {
      operationId: 'createFile',
      summary: 'Upload a file',
      description: 'A batch input file: multipart/form-data with `purpose` (`batch`) and `file` (JSONL, one request per line).',
      response: { 200: component(fileObjectSchema, 'OpenAIFile') },
      errorCodes: ['invalid_request_body', 'invalid_file', 'file_too_large', 'unsupported_media_type'] as const,
    };
    app.post('/files', { schema: createSchema, ...idempotency.routeOptions }, async (request, reply) => {
      if (!request.isMultipart()) {
        throw new GatewayError({
          code: 'unsupported_media_type',
          message: 'POST /v1/files takes multipart/form-data with the fields purpose ("batch") and file.',
        });
      }
      return uploads.run(() => withUploadIdleTimeout(request, () => idempotency.runUpload(request, reply, { store: (key) => receiveUpload(request, key), identify: () => identifyUpload(request) })));
    });

    /** Stores the upload; with a key, hashes it as it streams and completes the key in the file's transaction. */
    async function receiveUpload(request: FastifyRequest, key: HeldIdempotencyKey | undefined) {
      const started = performance.now();
      const upload: { writer?: FileLineWriter; stats?: IngestStats; hash?: ReturnType<typeof sha256Tap> } = {};
      try {
        const form = await readUploadForm(request, async (file) => {
          upload.writer = await FileLineWriter.begin(database.pool, { projectId: request.principal.projectId, filename: file.filename, purpose: 'batch', kind: 'upload' });
          // Hashed on its way into Postgres (the key's fingerprint), never held to be hashed later.
          upload.hash = key && sha256Tap(file.bytes);
          upload.stats = await ingestJsonl(upload.hash ? upload.hash.chunks : file.bytes, upload.writer, limits);
        });
        const { writer, stats, hash } = upload;
        if (!writer || !stats) throw new Error('an upload form was read without its file');
        const identity = hash && { ...form, contentSha256: hash.digest() };
        const file = await writer.commit(stats, key && identity && ((client, committed) => key.completeWithin(client, { status: 200, body: toFileObject(committed), upload: identity })));
        request.log.info({ fileId: file.id, bytes: file.bytes, lines: file.lineCount, ms: Math.round(performance.now() - started) }, 'file uploaded');
        return toFileObject(file);
      } catch (error) {
        await upload.writer?.abort();
        if (error instanceof FileProblem) throw fileProblemError(error.detail);
        throw error;
      }
    }

    /**
     * A duplicate upload (its key is held or completed by another): read whole and hashed, to compare
     * with the first, and stored nowhere. Memory stays flat: the bytes pass through the hash.
     */
    async function identifyUpload(request: FastifyRequest): Promise<UploadIdentity> {
      let contentSha256 = '';
      try {
        const form = await readUploadForm(request, async (file) => {
          const tap = sha256Tap(file.bytes);
          // Read to the end (and refused past files.maxBytes, as the first was); only the hash keeps anything.
          for await (const chunk of countBytes(tap.chunks, limits.maxBytes, { bytes: 0 })) void chunk;
          contentSha256 = tap.digest();
        });
        return { ...form, contentSha256 };
      } catch (error) {
        if (error instanceof FileProblem) throw fileProblemError(error.detail);
        throw error;
      }
    }

    const listSchema = { operationId: 'listFiles', summary: 'List files', querystring: listQuerySchema, response: { 200: component(fileListSchema, 'ListFilesResponse') } };
    app.get('/files', { schema: listSchema }, async (request) => {
      const page = await listFiles(database.db, { projectId: request.principal.projectId, ...request.query });
      if (!page) throw new GatewayError({ code: 'invalid_request_body', message: `Invalid value for 'after': no file '${request.query.after}'.`, param: 'after' });
      const data = page.data.map(toFileObject);
      return { object: 'list' as const, data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: page.hasMore };
    });

    const retrieveSchema = {
      operationId: 'retrieveFile',
      summary: 'Retrieve a file',
      params: fileIdParams,
      response: { 200: component(fileObjectSchema, 'OpenAIFile') },
      errorCodes: ['not_found'] as const,
    };
    app.get('/files/:id', { schema: retrieveSchema }, async (request) => {
      const file = await getFile(database.db, request.principal.projectId, request.params.id);
      if (!file) throw notFound(request.params.id);
      return toFileObject(file);
    });

    const downloadSchema = {
      operationId: 'downloadFile',
      summary: "Retrieve a file's content",
      params: fileIdParams,
      response: { 200: { description: 'The file as uploaded (or, for an output or error file, as written).', content: { 'application/octet-stream': { schema: fileContentSchema } } } },
      errorCodes: ['not_found'] as const,
    };
    app.get('/files/:id/content', { schema: downloadSchema }, async (request, reply) => {
      const file = await getFile(database.db, request.principal.projectId, request.params.id);
      if (!file) throw notFound(request.params.id);
      const stream = fileContentStream(database.pool, file);
      // Headers are gone by then: a failure mid-stream can only cut the download short.
      stream.on('error', (error) => request.log.error({ err: error, fileId: file.id }, 'file content stream failed'));
      return reply.header('content-type', 'application/octet-stream').send(stream);
    });

    app.delete(
      '/files/:id',
      {
        schema: {
          operationId: 'deleteFile',
          summary: 'Delete a file',
          params: fileIdParams,
          response: { 200: deleteFileResponseSchema },
          errorCodes: ['not_found'],
        },
      },
      async (request) => {
        const deleted = await deleteFile(database.db, request.principal.projectId, request.params.id);
        if (!deleted) throw notFound(request.params.id);
        request.log.info({ fileId: request.params.id }, 'file deleted');
        return { id: request.params.id, object: 'file' as const, deleted: true as const };
      },
    );
  };
}

/**
 * Reads an upload's form, fields and file in either order; the file part is handed to `consume` as it
 * streams, and must be read to its end there. Answers the form's field and filename problems.
 */
async function readUploadForm(request: FastifyRequest, consume: (file: { filename: string; bytes: AsyncIterable<Uint8Array> }) => Promise<void>): Promise<{ purpose: string; filename: string }> {
  const fields: Record<string, unknown> = {};
  let filename: string | undefined;
  for await (const part of readMultipart(request.parts())) {
    if (part.type === 'field') {
      fields[part.fieldname] = part.value;
      // Fail fast when purpose comes first (curl -F does that); the SDK sends it after the file.
      if (part.fieldname === 'purpose') parseFields(fields);
      continue;
    }
    if (part.fieldname !== 'file') {
      throw new GatewayError({ code: 'invalid_request_body', message: `Unexpected file field '${part.fieldname}'; send the file as 'file'.`, param: part.fieldname });
    }
    const parsed = uploadFilenameSchema.safeParse(part.filename || 'file.jsonl');
    if (!parsed.success) throw new GatewayError({ code: 'invalid_request_body', message: parsed.error.issues[0]?.message ?? 'Invalid filename.', param: 'file' });
    filename = parsed.data;
    await consume({ filename, bytes: readMultipart(part.file) });
  }
  const purpose = parseFields(fields);
  if (filename === undefined) throw new GatewayError({ code: 'invalid_request_body', message: "Missing required parameter: 'file'.", param: 'file' });
  return { purpose, filename };
}

function parseFields(fields: Record<string, unknown>): string {
  const parsed = uploadFieldsSchema.safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new GatewayError({ code: 'invalid_request_body', message: issue?.message ?? 'Invalid form fields.', param: String(issue?.path[0] ?? 'purpose') });
  }
  return parsed.data.purpose;
}
