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
import { GatewayError } from '../../gateway-error.ts';
import type { AppDependencies } from '../app.ts';
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

    app.post('/files', { schema: { response: { 200: fileObjectSchema } } }, async (request) => {
      if (!request.isMultipart()) {
        throw new GatewayError({
          code: 'unsupported_media_type',
          message: 'POST /v1/files takes multipart/form-data with the fields purpose ("batch") and file.',
        });
      }
      return withUploadIdleTimeout(request, () => receiveUpload(request));
    });

    async function receiveUpload(request: FastifyRequest) {
      const started = performance.now();
      const fields: Record<string, unknown> = {};
      let writer: FileLineWriter | undefined;
      let stats: IngestStats | undefined;
      try {
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
          const filename = uploadFilenameSchema.safeParse(part.filename || 'file.jsonl');
          if (!filename.success) throw new GatewayError({ code: 'invalid_request_body', message: filename.error.issues[0]?.message ?? 'Invalid filename.', param: 'file' });
          writer = await FileLineWriter.begin(database.pool, { projectId: request.principal.projectId, filename: filename.data, purpose: 'batch', kind: 'upload' });
          stats = await ingestJsonl(readMultipart(part.file), writer, limits);
        }
        parseFields(fields);
        if (!writer || !stats) throw new GatewayError({ code: 'invalid_request_body', message: "Missing required parameter: 'file'.", param: 'file' });
        const file = await writer.commit(stats);
        request.log.info({ fileId: file.id, bytes: file.bytes, lines: file.lineCount, ms: Math.round(performance.now() - started) }, 'file uploaded');
        return toFileObject(file);
      } catch (error) {
        await writer?.abort();
        if (error instanceof FileProblem) throw fileProblemError(error.detail);
        throw error;
      }
    }

    app.get('/files', { schema: { querystring: listQuerySchema, response: { 200: fileListSchema } } }, async (request) => {
      const page = await listFiles(database.db, { projectId: request.principal.projectId, ...request.query });
      if (!page) throw new GatewayError({ code: 'invalid_request_body', message: `Invalid value for 'after': no file '${request.query.after}'.`, param: 'after' });
      const data = page.data.map(toFileObject);
      return { object: 'list' as const, data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: page.hasMore };
    });

    app.get('/files/:id', { schema: { params: fileIdParams, response: { 200: fileObjectSchema } } }, async (request) => {
      const file = await getFile(database.db, request.principal.projectId, request.params.id);
      if (!file) throw notFound(request.params.id);
      return toFileObject(file);
    });

    app.get('/files/:id/content', { schema: { params: fileIdParams } }, async (request, reply) => {
      const file = await getFile(database.db, request.principal.projectId, request.params.id);
      if (!file) throw notFound(request.params.id);
      const stream = fileContentStream(database.pool, file);
      // Headers are gone by then: a failure mid-stream can only cut the download short.
      stream.on('error', (error) => request.log.error({ err: error, fileId: file.id }, 'file content stream failed'));
      return reply.header('content-type', 'application/octet-stream').send(stream);
    });

    app.delete(
      '/files/:id',
      { schema: { params: fileIdParams, response: { 200: z.object({ id: z.string(), object: z.literal('file'), deleted: z.literal(true) }) } } },
      async (request) => {
        const deleted = await deleteFile(database.db, request.principal.projectId, request.params.id);
        if (!deleted) throw notFound(request.params.id);
        request.log.info({ fileId: request.params.id }, 'file deleted');
        return { id: request.params.id, object: 'file' as const, deleted: true as const };
      },
    );
  };
}

function parseFields(fields: Record<string, unknown>): void {
  const parsed = uploadFieldsSchema.safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new GatewayError({ code: 'invalid_request_body', message: issue?.message ?? 'Invalid form fields.', param: String(issue?.path[0] ?? 'purpose') });
  }
}
