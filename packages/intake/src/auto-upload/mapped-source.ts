import type { UploadMappingRecord } from '@rendition/catalog';
import { encodePublicIdPath, splitDeliveryFormat, type DeliveryPath } from '@rendition/protocol';

/** What a delivery URL in a mapped folder auto-uploads: the public_id it is stored as, and where it is fetched from. */
export interface AutoUploadTarget {
  publicId: string;
  remoteUrl: string;
}

/**
 * The folders a mapping may name for a delivered `<folder>/<rest>`: every leading run of path
 * elements (never the last one, which is the file), each also with a trailing `/`, since the Admin
 * API keeps a mapping's folder as it was written.
 */
export function mappingFolderCandidates(publicIdWithExt: string): string[] {
  const elements = publicIdWithExt.split('/');
  const candidates: string[] = [];
  for (let count = 1; count < elements.length; count++) {
    const folder = elements.slice(0, count).join('/');
    candidates.push(folder, `${folder}/`);
  }
  return candidates;
}

/**
 * The asset a mapped delivery path stands for. The remote URL is the template followed by the rest of
 * the path as delivered, extension included (`/` added between them when the template has none);
 * the public_id is the whole path, without its extension for images and videos (their extension
 * is the delivery format) and with it for raw files, as an upload from that URL would name it.
 * Undefined when the path is not inside the mapping's folder.
 */
export function autoUploadTarget(
  path: Pick<DeliveryPath, 'resourceType' | 'publicIdWithExt'>,
  mapping: UploadMappingRecord,
): AutoUploadTarget | undefined {
  const folder = mapping.folder.replace(/\/+$/, '');
  if (folder === '' || !path.publicIdWithExt.startsWith(`${folder}/`)) return undefined;
  const rest = path.publicIdWithExt.slice(folder.length + 1);
  if (rest === '') return undefined;
  const publicId = splitDeliveryFormat(path.publicIdWithExt, path.resourceType).publicId;
  const prefix = mapping.template.endsWith('/') ? mapping.template : `${mapping.template}/`;
  return { publicId, remoteUrl: `${prefix}${encodePublicIdPath(rest)}` };
}
