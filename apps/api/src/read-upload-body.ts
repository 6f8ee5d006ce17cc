import type { FastifyRequest } from 'fastify';
import { ApiError, fromJsonBody, normalizeParams, type RawParams } from '@rendition/protocol';
import { stageFile, type StagedFile } from '@rendition/intake';
import type { BlobStore } from '@rendition/storage';
import { fieldPairs } from './admin-request.ts';

export interface UploadBody {
  params: RawParams;
  /** The `file` part, already streamed into staging. */
  staged?: StagedFile;
}

/**
 * Reads an Upload API body in any of the three encodings clients use. A multipart file part is
 * streamed to staging while the rest of the form is read, so memory never holds the file.
 */
export async function readUploadBody(request: FastifyRequest, store: BlobStore): Promise<UploadBody> {
  if (request.isMultipart()) return readMultipart(request, store);
  const body = request.body;
  if (body === undefined || body === null) return { params: {} };
  const contentType = request.headers['content-type'] ?? '';
  if (contentType.includes('application/json')) return { params: fromJsonBody(body) };
  if (typeof body !== 'object') throw new ApiError(400, 'Invalid request body');
  return { params: normalizeParams(fieldPairs(body)) };
}

async function readMultipart(request: FastifyRequest, store: BlobStore): Promise<UploadBody> {
  const fields: Array<[string, string]> = [];
  let staged: StagedFile | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        fields.push([part.fieldname, String(part.value)]);
        continue;
      }
      if (part.fieldname !== 'file' || staged) {
        part.file.resume();
        throw new ApiError(400, part.fieldname === 'file' ? 'Only one file may be uploaded per request' : `Unexpected file field ${part.fieldname}`);
      }
      staged = await stageFile({ store }, part.file, part.filename || undefined);
    }
  } catch (error) {
    await staged?.discard();
    throw error;
  }
  return { params: normalizeParams(fields), ...(staged ? { staged } : {}) };
}
