import { fileExtension } from './public-id.ts';

/**
 * Content types by format (file extension). Deliberately absent: html, xml, js and friends. Raw
 * assets are user bytes served from our own origin; a type a browser would render or execute there
 * becomes stored XSS, so such files are served as application/octet-stream (see ACTIVE_EXTENSIONS).
 * SVG keeps its image type for image assets because Cloudinary serves it that way; delivery sends
 * every image with `X-Content-Type-Options: nosniff` and a sandboxing Content-Security-Policy.
 */
const CONTENT_TYPES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    jpe: 'image/jpeg',
    png: 'image/png',
    gif: 'image/gif',
    webp: 'image/webp',
    avif: 'image/avif',
    svg: 'image/svg+xml',
    tiff: 'image/tiff',
    tif: 'image/tiff',
    bmp: 'image/bmp',
    ico: 'image/x-icon',
    heic: 'image/heic',
    heif: 'image/heif',
    jp2: 'image/jp2',
    jxl: 'image/jxl',
    psd: 'image/vnd.adobe.photoshop',
    pdf: 'application/pdf',
    mp4: 'video/mp4',
    m4v: 'video/mp4',
    webm: 'video/webm',
    mov: 'video/quicktime',
    ogv: 'video/ogg',
    mkv: 'video/x-matroska',
    avi: 'video/x-msvideo',
    flv: 'video/x-flv',
    m3u8: 'application/vnd.apple.mpegurl',
    ts: 'video/mp2t',
    mp3: 'audio/mpeg',
    wav: 'audio/wav',
    ogg: 'audio/ogg',
    oga: 'audio/ogg',
    opus: 'audio/opus',
    m4a: 'audio/mp4',
    aac: 'audio/aac',
    flac: 'audio/flac',
    json: 'application/json',
    txt: 'text/plain',
    csv: 'text/csv',
    zip: 'application/zip',
    docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  }),
);

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/**
 * Formats `format=` may ask an image or video to be converted to (and delivery extensions may
 * select). Raw files are never converted, so their extensions are not listed.
 */
export const KNOWN_FORMATS: ReadonlySet<string> = new Set([
  'jpg',
  'jpeg',
  'jpe',
  'png',
  'gif',
  'webp',
  'avif',
  'svg',
  'tiff',
  'tif',
  'bmp',
  'ico',
  'heic',
  'heif',
  'jp2',
  'jxl',
  'psd',
  'pdf',
  'mp4',
  'm4v',
  'webm',
  'mov',
  'ogv',
  'mkv',
  'avi',
  'flv',
  'm3u8',
  'ts',
  'mp3',
  'wav',
  'ogg',
  'oga',
  'opus',
  'm4a',
  'aac',
  'flac',
]);

/** The shape of a format name: Cloudinary's are 2 to 5 lowercase letters or digits. */
export const FORMAT_PATTERN = /^[a-z0-9]{2,5}$/;

export function isKnownFormat(format: string): boolean {
  return FORMAT_PATTERN.test(format) && KNOWN_FORMATS.has(format);
}

export function contentTypeForFormat(format: string): string {
  return CONTENT_TYPES.get(format.toLowerCase()) ?? DEFAULT_CONTENT_TYPE;
}

/**
 * Extensions of the "active" types: documents a browser renders as a page of our origin and lets run
 * script (markup, SVG, XML with stylesheets, scripts, old plugin formats). A raw asset with one of
 * these extensions is never given its real type: it goes out as application/octet-stream (and, from
 * delivery, as an attachment). Listed so that adding a type to CONTENT_TYPES cannot undo that.
 */
const ACTIVE_EXTENSIONS: ReadonlySet<string> = new Set([
  'html',
  'htm',
  'shtml',
  'xhtml',
  'xht',
  'mht',
  'mhtml',
  'svg',
  'svgz',
  'xml',
  'xsl',
  'xslt',
  'rss',
  'atom',
  'rdf',
  'xul',
  'js',
  'mjs',
  'cjs',
  'htc',
  'hta',
  'swf',
]);

/**
 * Raw assets carry their type in the public_id's extension (`docs/report.pdf`); active types
 * (`page.html`, `logo.svg`, `feed.xml`, `app.js`) and unknown ones are application/octet-stream.
 */
export function contentTypeForRaw(publicId: string): string {
  const extension = fileExtension(publicId)?.toLowerCase();
  if (extension === undefined || ACTIVE_EXTENSIONS.has(extension)) return DEFAULT_CONTENT_TYPE;
  return contentTypeForFormat(extension);
}
