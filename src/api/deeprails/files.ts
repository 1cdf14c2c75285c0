import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { storeEvalFiles, type UploadedFile } from '../../commands/eval-files.js';
import { fileRecord } from '../../domain/wire.js';
import { invalid } from '../../errors.js';
import { cheerioOnDemand } from '../../research/cheerio-on-demand.js';
import type { Store } from '../../store/db.js';
import { DeepRailsError, UploadResponse } from '../../domain/evaluation-schemas.js';

/** Limits of one upload request: files of at most 10 MiB, 20 of them. */
const MAX_FILE_BYTES = 10 * 1024 * 1024;
const MAX_FILES = 20;

const TEXT_TYPES = /^(?:text\/|application\/(?:json|xml|x-ndjson|markdown|x-yaml|yaml|csv))/i;
const TEXT_NAMES = /\.(?:txt|md|markdown|csv|tsv|json|jsonl|ndjson|xml|ya?ml|html?|log|rst)$/i;

/** The text of an uploaded file that `file_search` can use as evidence; empty for formats it cannot read. */
export function fileText(name: string, contentType: string, bytes: Buffer): string {
  if (!TEXT_TYPES.test(contentType) && !TEXT_NAMES.test(name)) return '';
  const text = bytes.toString('utf8');
  return /html/i.test(contentType) || /\.html?$/i.test(name) ? cheerioOnDemand().load(text).root().text().replace(/\s+/g, ' ').trim() : text;
}

/** `POST /files/upload` (multipart, field `files`): stores files whose text monitors can search. */
export async function fileRoutes(app: FastifyInstance, options: { store: Store; clock: () => number }): Promise<void> {
  await app.register(multipart, { limits: { fileSize: MAX_FILE_BYTES, files: MAX_FILES, fields: 10 } });
  app.post(
    '/files/upload',
    {
      config: { deeprails: true },
      schema: {
        tags: ['Evaluation monitors (DeepRails)'],
        summary: 'Upload files for file_search',
        response: { 200: UploadResponse, 401: DeepRailsError, 413: DeepRailsError, 422: DeepRailsError },
      },
    },
    async (request) => {
      if (!request.isMultipart()) throw invalid(['body'], 'must be multipart/form-data with one or more parts named "files"');
      const uploaded: UploadedFile[] = [];
      for await (const part of request.files()) {
        const bytes = await part.toBuffer();
        if (part.file.truncated) throw invalid(['body', 'files'], `each file must be at most ${MAX_FILE_BYTES} bytes`);
        const name = part.filename || 'file';
        uploaded.push({ name, size: bytes.length, contentType: part.mimetype, text: fileText(name, part.mimetype, bytes) });
      }
      if (uploaded.length === 0) throw invalid(['body', 'files'], 'is required: send at least one file part named "files"');
      const stored = await storeEvalFiles(options, request.account.id, uploaded);
      return { ...fileRecord(stored[0]), files: stored.map(fileRecord) };
    },
  );
}
