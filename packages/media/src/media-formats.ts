export type MediaResourceType = 'image' | 'video' | 'raw';

type KnownFormat = { resourceType: 'image' | 'video'; format: string; mime?: string };

/**
 * file-type's extension → what Cloudinary calls the format and the resource type it files it
 * under. Audio is 'video' as in Cloudinary; PDF is an 'image' (pages are rasterised on delivery).
 * A `mime` is given only where the format was renamed, so the pair stays consistent. Anything not
 * listed is 'raw': a format Cloudinary would call an image but no decoder here can read (jxl, jp2,
 * eps, camera raw) is better kept intact than accepted and then failed in every transformation.
 */
const KNOWN_FORMATS: ReadonlyMap<string, KnownFormat> = new Map<string, KnownFormat>([
  ['jpg', { resourceType: 'image', format: 'jpg' }],
  ['png', { resourceType: 'image', format: 'png' }],
  ['apng', { resourceType: 'image', format: 'png', mime: 'image/png' }],
  ['gif', { resourceType: 'image', format: 'gif' }],
  ['webp', { resourceType: 'image', format: 'webp' }],
  ['avif', { resourceType: 'image', format: 'avif' }],
  ['heic', { resourceType: 'image', format: 'heic' }],
  ['tif', { resourceType: 'image', format: 'tiff' }],
  ['bmp', { resourceType: 'image', format: 'bmp' }],
  ['ico', { resourceType: 'image', format: 'ico' }],
  ['psd', { resourceType: 'image', format: 'psd' }],
  ['pdf', { resourceType: 'image', format: 'pdf' }],

  ['mp4', { resourceType: 'video', format: 'mp4' }],
  ['mov', { resourceType: 'video', format: 'mov' }],
  ['m4v', { resourceType: 'video', format: 'm4v' }],
  ['webm', { resourceType: 'video', format: 'webm' }],
  ['mkv', { resourceType: 'video', format: 'mkv' }],
  ['avi', { resourceType: 'video', format: 'avi' }],
  ['flv', { resourceType: 'video', format: 'flv' }],
  ['ogv', { resourceType: 'video', format: 'ogv' }],
  ['ogm', { resourceType: 'video', format: 'ogv' }],
  ['3gp', { resourceType: 'video', format: '3gp' }],
  ['3g2', { resourceType: 'video', format: '3g2' }],
  ['mpg', { resourceType: 'video', format: 'mpeg', mime: 'video/mpeg' }],
  ['mts', { resourceType: 'video', format: 'ts', mime: 'video/mp2t' }],
  ['mxf', { resourceType: 'video', format: 'mxf' }],

  ['mp3', { resourceType: 'video', format: 'mp3' }],
  ['wav', { resourceType: 'video', format: 'wav' }],
  ['ogg', { resourceType: 'video', format: 'ogg' }],
  ['oga', { resourceType: 'video', format: 'ogg', mime: 'audio/ogg' }],
  ['opus', { resourceType: 'video', format: 'opus' }],
  ['flac', { resourceType: 'video', format: 'flac' }],
  ['aac', { resourceType: 'video', format: 'aac' }],
  ['m4a', { resourceType: 'video', format: 'm4a' }],
  ['aif', { resourceType: 'video', format: 'aiff' }],
  ['amr', { resourceType: 'video', format: 'amr' }],
]);

export function knownFormat(fileTypeExt: string): KnownFormat | undefined {
  return KNOWN_FORMATS.get(fileTypeExt);
}
