import {
  deleteUploadMapping,
  findUploadMapping,
  insertUploadMapping,
  listUploadMappings,
  updateUploadMapping,
  type CatalogDb,
  type UploadMappingRecord,
} from '@rendition/catalog';
import { ApiError, invalidParameter, missingParameter, quoteValue, readString, type RawParams } from '@rendition/protocol';

/**
 * The Admin API's upload mappings (`api.upload_mappings`, `upload_mapping`, `create_upload_mapping`,
 * `update_upload_mapping`, `delete_upload_mapping`): per cloud, a folder and the URL prefix
 * (`template`) it stands for. Delivery reads them to auto-upload a missing asset (@rendition/intake
 * auto-upload; docs/fetch-delivery.md, "Auto-upload (upload mappings)").
 */

const MAX_FOLDER_LENGTH = 255;
const MAX_TEMPLATE_LENGTH = 2048;
const DEFAULT_PAGE_SIZE = 10;
const MAX_PAGE_SIZE = 500;

function readFolder(params: RawParams): string {
  const folder = readString(params, 'folder')?.trim();
  if (!folder) throw new ApiError(400, missingParameter('folder'));
  if (folder.length > MAX_FOLDER_LENGTH || hasControlCharacter(folder)) {
    throw invalidParameter('folder', folder.slice(0, 100), `a folder name is 1 to ${MAX_FOLDER_LENGTH} characters, without control characters`);
  }
  return folder;
}

function hasControlCharacter(text: string): boolean {
  return [...text].some((char) => {
    const code = char.charCodeAt(0);
    return code < 0x20 || code === 0x7f;
  });
}

/** An http(s) URL prefix: what an auto-upload URL would start with. */
function readTemplate(params: RawParams): string {
  const template = readString(params, 'template')?.trim();
  if (!template) throw new ApiError(400, missingParameter('template'));
  let url: URL | undefined;
  try {
    url = new URL(template);
  } catch {
    url = undefined;
  }
  if (template.length > MAX_TEMPLATE_LENGTH || !url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw invalidParameter('template', template.slice(0, 100), 'expected an http or https URL prefix');
  }
  return template;
}

function notFound(folder: string): ApiError {
  return new ApiError(404, `Upload mapping not found - ${folder.slice(0, 100)}`);
}

function mappingView(mapping: UploadMappingRecord): Record<string, unknown> {
  return { folder: mapping.folder, template: mapping.template };
}

export async function createUploadMapping(db: CatalogDb, cloudName: string, params: RawParams): Promise<Record<string, unknown>> {
  const folder = readFolder(params);
  const template = readTemplate(params);
  if (!(await insertUploadMapping(db, cloudName, { folder, template }))) {
    throw new ApiError(409, `Upload mapping ${quoteValue(folder)} already exists`);
  }
  return { message: 'created', folder };
}

export async function updateUploadMappingCommand(db: CatalogDb, cloudName: string, params: RawParams): Promise<Record<string, unknown>> {
  const folder = readFolder(params);
  const template = readTemplate(params);
  if (!(await updateUploadMapping(db, cloudName, { folder, template }))) throw notFound(folder);
  return { message: 'updated' };
}

export async function removeUploadMapping(db: CatalogDb, cloudName: string, params: RawParams): Promise<Record<string, unknown>> {
  const folder = readFolder(params);
  if (!(await deleteUploadMapping(db, cloudName, folder))) throw notFound(folder);
  return { message: 'deleted' };
}

/** `GET upload_mappings`: one mapping when `folder` is given (`api.upload_mapping`), else a page of them. */
export async function readUploadMappings(db: CatalogDb, cloudName: string, params: RawParams): Promise<Record<string, unknown>> {
  if (readString(params, 'folder') !== undefined) {
    const folder = readFolder(params);
    const mapping = await findUploadMapping(db, cloudName, folder);
    if (!mapping) throw notFound(folder);
    return mappingView(mapping);
  }
  const maxText = readString(params, 'max_results');
  const limit = maxText === undefined ? DEFAULT_PAGE_SIZE : Number(maxText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw invalidParameter('max_results', maxText ?? '', `expected an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  const cursor = readString(params, 'next_cursor');
  let afterFolder: string | undefined;
  if (cursor !== undefined && cursor !== '') {
    afterFolder = Buffer.from(cursor, 'base64url').toString('utf8');
    if (afterFolder === '' || afterFolder.length > MAX_FOLDER_LENGTH || Buffer.from(afterFolder, 'utf8').toString('base64url') !== cursor) {
      throw new ApiError(400, `Invalid next_cursor ${quoteValue(cursor.slice(0, 100))}`);
    }
  }
  const page = await listUploadMappings(db, cloudName, { ...(afterFolder !== undefined ? { afterFolder } : {}), limit: limit + 1 });
  const last = page.length > limit ? page[limit - 1] : undefined;
  return {
    mappings: page.slice(0, limit).map(mappingView),
    ...(last ? { next_cursor: Buffer.from(last.folder, 'utf8').toString('base64url') } : {}),
  };
}
