import { composePublicId, publicIdFromFilename, randomPublicId, validatePublicId, type UploadRequest } from '@rendition/protocol';

export interface UploadNaming {
  publicId: string;
  /** True when we made the id up (random or from the file name): raw assets then get the file's extension. */
  publicIdGenerated: boolean;
  originalFilename: string | null;
  assetFolder: string;
  displayName: string | null;
}

/**
 * Decides the public_id and the names shown beside it, at intake, so the randomness is fixed
 * before the job is queued and a retried job names the asset the same way.
 */
export function resolveUploadNaming(request: UploadRequest, sourceFilename: string | undefined): UploadNaming {
  const nameForId = request.filenameOverride ?? sourceFilename;
  const originalFilename = request.discardOriginalFilename || !nameForId ? null : stripExtension(nameForId);
  // use_asset_folder_as_public_id_prefix: the asset folder also prefixes the public_id (Cloudinary's
  // way to keep ids unique across dynamic folders).
  const prefixFolder = request.useAssetFolderAsPublicIdPrefix ? (request.assetFolder ?? request.folder) : request.folder;
  const folders = { folder: prefixFolder, publicIdPrefix: request.publicIdPrefix };

  let publicId: string;
  let publicIdGenerated: boolean;
  if (request.publicId !== undefined) {
    publicId = composePublicId({ ...folders, id: request.publicId });
    publicIdGenerated = false;
  } else if (request.useFilename && nameForId) {
    publicId = composePublicId({ ...folders, id: publicIdFromFilename(nameForId, { unique: request.uniqueFilename }) });
    publicIdGenerated = true;
  } else {
    publicId = composePublicId({ ...folders, id: randomPublicId() });
    publicIdGenerated = true;
  }
  validatePublicId(publicId);

  const displayName = request.displayName ?? (request.useFilenameAsDisplayName && originalFilename !== null ? originalFilename : null);
  return {
    publicId,
    publicIdGenerated,
    originalFilename,
    assetFolder: request.assetFolder ?? request.folder ?? folderOfGivenPublicId(request.publicId),
    displayName,
  };
}

/**
 * A caller-chosen `public_id: "a/b/item"` with neither `folder` nor `asset_folder` files the asset in
 * `a/b`, so apps written for fixed folders still see their folders ([GUESS]: the SDK's own "should list
 * folders" spec expects it on clouds that also pass its dynamic-folder specs; docs/asset-management.md).
 */
function folderOfGivenPublicId(publicId: string | undefined): string {
  if (publicId === undefined) return '';
  const slash = publicId.lastIndexOf('/');
  return slash > 0 ? publicId.slice(0, slash) : '';
}

function stripExtension(filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? filename;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}
