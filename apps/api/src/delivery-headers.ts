// What a delivery response says about its bytes besides their type: how a browser may treat them
// (a sandboxing Content-Security-Policy), and whether they are an attachment (`fl_attachment`, raw
// files of active types). Pure functions of the asset and the URL; the route sets the headers.

/**
 * Sent with delivered bytes: a document opened from a delivery URL (an SVG with `<script>`, say)
 * runs no script, loads nothing, and gets an opaque origin, so it cannot act as the API's origin.
 * Inline styles stay allowed so that browsers' own image and text viewers keep their looks.
 */
export const DELIVERY_CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/**
 * Whether the sandboxing policy goes with this type. Not with video, audio, streaming playlists and
 * PDF: browsers show those in built-in players and viewers that a sandboxed, `default-src 'none'`
 * document breaks (the player fetches the URL again as media; the PDF viewer is a plugin), and
 * none of them runs script as our origin. Every other type (images, SVG included; raw text and JSON;
 * attachments) gets it.
 */
export function takesSandboxPolicy(contentType: string): boolean {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type.startsWith('video/') || type.startsWith('audio/')) return false;
  return type !== 'application/pdf' && type !== 'application/vnd.apple.mpegurl';
}

export type AttachmentRequest = { filename: string | null };

const STEP_SEPARATOR = '/';
const ATTACHMENT_FLAG = /^attachment(?::([A-Za-z0-9_-]{1,100}))?$/;

/**
 * The `fl_attachment[:name]` of a transformation text (a URL's, percent-decoded, or a canonical one,
 * where named transformations are already expanded); the last one wins, as in the transformation
 * package's outputSettings. Undefined when the text has none. Malformed flags are the transformation
 * parser's business: this only reads well-formed ones.
 */
export function attachmentOf(transformation: string): AttachmentRequest | undefined {
  let found: AttachmentRequest | undefined;
  for (const step of transformation.split(STEP_SEPARATOR)) {
    for (const parameter of step.split(',')) {
      if (!parameter.startsWith('fl_')) continue;
      for (const flag of parameter.slice('fl_'.length).split('.')) {
        const match = ATTACHMENT_FLAG.exec(flag);
        if (match) found = { filename: match[1] ?? null };
      }
    }
  }
  return found;
}

/**
 * Whether the whole transformation is `fl_attachment[:name]` and nothing else: such a URL delivers
 * the stored bytes themselves (original or derivative of the extension's format), as a download.
 */
export function isAttachmentOnly(transformation: string): boolean {
  if (!transformation.startsWith('fl_')) return false;
  return !transformation.includes(STEP_SEPARATOR) && !transformation.includes(',') && ATTACHMENT_FLAG.test(transformation.slice('fl_'.length));
}

/**
 * The downloaded file's name: `fl_attachment:<name>` or else the public_id's last element, with the
 * delivered format as extension (Cloudinary's documented behaviour: the name is given without one).
 * A raw public_id already ends with its extension; a name given for it keeps that extension.
 */
export function attachmentFilename(input: { publicId: string; resourceType: string; format: string | null | undefined; name: string | null }): string {
  const last = input.publicId.slice(input.publicId.lastIndexOf('/') + 1);
  if (input.resourceType === 'raw') {
    if (input.name === null) return last;
    const dot = last.lastIndexOf('.');
    return dot > 0 ? `${input.name}${last.slice(dot)}` : input.name;
  }
  const base = input.name ?? last;
  return input.format ? `${base}.${input.format}` : base;
}

/**
 * `attachment; filename="…"` (RFC 6266): an ASCII fallback with quotes, backslashes and anything
 * outside printable ASCII replaced by `_`, plus `filename*=UTF-8''…` when the name is not plain ASCII.
 * The header value itself is always ASCII.
 */
export function attachmentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\]/gu, '_');
  if (fallback === filename) return `attachment; filename="${filename}"`;
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

const ONE_YEAR = 31_536_000;
const UNVERSIONED_MAX_AGE = 3_600;

/**
 * Cache-Control of delivered bytes: a URL that names the asset's current version can never change
 * under it (a year, immutable); one without (or with another version) is cached briefly.
 */
export function deliveryCacheControl(immutable: boolean): string {
  return immutable ? `public, max-age=${ONE_YEAR}, immutable` : `public, max-age=${UNVERSIONED_MAX_AGE}`;
}
