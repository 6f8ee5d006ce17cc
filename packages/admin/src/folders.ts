import { createFolders, deleteEmptyFolder, folderExists, listChildFolders, renameFolder, type CatalogDb } from '@rendition/catalog';
import { ApiError, normalizeFolder, quoteValue, readString, type RawParams } from '@rendition/protocol';
import { encodeNameCursor, maxResultsParameter, nameCursorParameter } from './listing-params.ts';

/**
 * The Admin API's folders (`root_folders`, `sub_folders`, `create_folder`, `delete_folder`,
 * `rename_folder`) with Cloudinary's dynamic-folder semantics: a folder is where assets are filed
 * (`asset_folder`), never part of their public_id, so moving one changes no delivery URL.
 * docs/asset-management.md, "Folders, tags, usage and config".
 */

type Json = Record<string, unknown>;

const notFound = (path: string) => new ApiError(404, `Can't find folder with path ${quoteValue(path, 255)}`);

/**
 * A folder named in a path or a parameter, as it may already exist: surrounding slashes are forgiven
 * (`/a/b/` is `a/b`), an empty element is not. Names Cloudinary would refuse are still readable here,
 * since an upload's `asset_folder` may hold one.
 */
function existingFolderPath(raw: string): string {
  const path = raw.replace(/^\/+|\/+$/g, '');
  if (path === '') throw new ApiError(400, 'Missing required parameter - folder');
  if (path.split('/').includes('')) throw new ApiError(400, `Invalid folder ${quoteValue(path, 255)}: contains an empty path element`);
  return path;
}

/** A folder about to be made: the rules of `folder` on upload (protocol's normalizeFolder). */
function newFolderPath(raw: string, parameter: string): string {
  const path = normalizeFolder(raw, parameter);
  if (path === undefined) throw new ApiError(400, `Missing required parameter - ${parameter}`);
  return path;
}

/** `GET folders` (`parent` absent) and `GET folders/<path>`: one page of the children, with the count of all. */
export async function listFolders(db: CatalogDb, cloudName: string, parentPath: string | undefined, params: RawParams): Promise<Json> {
  const maxResults = maxResultsParameter(params);
  const after = nameCursorParameter(params);
  const parent = parentPath === undefined ? '' : existingFolderPath(parentPath);
  if (parent !== '' && !(await folderExists(db, cloudName, parent))) throw notFound(parent);
  const page = await listChildFolders(db, { cloudName, parent, maxResults, ...(after === undefined ? {} : { after }) });
  return {
    folders: page.folders.map((folder) => ({ name: folder.name, path: folder.path })),
    next_cursor: page.next === undefined ? null : encodeNameCursor(page.next),
    total_count: page.totalCount,
  };
}

/** `POST folders/<path>`: the folder and its missing ancestors; one that exists already is a success too. */
export async function createFolder(db: CatalogDb, cloudName: string, rawPath: string): Promise<Json> {
  const path = newFolderPath(rawPath, 'folder');
  await createFolders(db, cloudName, path);
  return { success: true, path, name: lastElement(path) };
}

/** `DELETE folders/<path>`: an empty folder and its (empty) subfolders; a folder holding an asset is refused. */
export async function removeFolder(db: CatalogDb, cloudName: string, rawPath: string): Promise<Json> {
  const path = existingFolderPath(rawPath);
  const outcome = await deleteEmptyFolder(db, cloudName, path);
  if (outcome.kind === 'not_found') throw notFound(path);
  if (outcome.kind === 'not_empty') throw new ApiError(400, 'Folder is not empty');
  return { deleted: outcome.paths };
}

/**
 * `PUT folders/<path>` with `to_folder`: renames or moves the folder with its subfolders and the
 * assets filed in them. Their public_ids stay (dynamic folders); an existing destination is refused
 * rather than merged into.
 */
export async function moveFolder(db: CatalogDb, cloudName: string, rawPath: string, params: RawParams): Promise<Json> {
  const from = existingFolderPath(rawPath);
  const to = newFolderPath(readString(params, 'to_folder') ?? '', 'to_folder');
  if (to === from) throw new ApiError(400, `Invalid to_folder ${quoteValue(to, 255)}: it is the folder being renamed`);
  if (to.startsWith(`${from}/`)) throw new ApiError(400, `Invalid to_folder ${quoteValue(to, 255)}: a folder cannot move into itself`);
  const outcome = await renameFolder(db, cloudName, from, to);
  if (outcome.kind === 'not_found') throw notFound(from);
  if (outcome.kind === 'target_exists') throw new ApiError(409, `Folder ${quoteValue(to, 255)} already exists`);
  return { from: { name: lastElement(from), path: from }, to: { name: lastElement(to), path: to } };
}

function lastElement(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
