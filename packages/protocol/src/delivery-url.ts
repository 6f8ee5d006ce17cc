import { ApiError } from './api-error.ts';
import { decodeFetchSource, encodeFetchSource, FETCH_SOURCE_START } from './fetch-url.ts';
import { quoteValue } from './request-params.ts';
import { isDeliveryType, isResourceType } from './resource-types.ts';
import type { DeliveryType, ResourceType } from './resource-types.ts';

/**
 * Encodes a public_id for a URL path the way the SDK's url() does: each character that is not
 * URL-safe is percent-encoded, `/` stays a separator and `:` stays literal.
 */
export function encodePublicIdPath(publicId: string): string {
  return publicId
    .split('/')
    .map((segment) => encodeURIComponent(segment).replaceAll('%3A', ':'))
    .join('/');
}

export type DeliveryUrlParts = {
  /** Scheme and host (and optional path prefix) with no trailing slash needed, e.g. `https://cdn.example.com`. */
  baseUrl: string;
  /** Omitted from the path when empty (a host dedicated to one cloud, like the SDK's private_cdn). */
  cloudName?: string | undefined;
  resourceType: ResourceType;
  type: DeliveryType;
  version?: number | undefined;
  publicId: string;
  /** Output extension; ignored for raw assets, whose public_id already ends with one. */
  format?: string | null | undefined;
  /** Canonical transformation text, already URL-safe (it is placed in the path as is). */
  transformation?: string | undefined;
  /** The `XXXX` of `s--XXXX--`, from urlSignature over deliveryStringToSign(). */
  signature?: string | undefined;
};

function sourceWithFormat(parts: Pick<DeliveryUrlParts, 'publicId' | 'format' | 'resourceType'> & { type?: DeliveryType }): string {
  // A fetched asset's public_id is its remote URL, written as the SDK writes it (no extension added).
  if (parts.type === 'fetch') return encodeFetchSource(parts.publicId);
  const source = encodePublicIdPath(parts.publicId);
  const hasFormat = parts.resourceType !== 'raw' && parts.format !== undefined && parts.format !== null && parts.format !== '';
  return hasFormat ? `${source}.${parts.format}` : source;
}

/**
 * What a delivery URL signature covers: `[transformation/]public_id[.format]` exactly as written in
 * the URL (public_id encoded). The version is not covered: it only busts caches.
 */
export function deliveryStringToSign(
  parts: Pick<DeliveryUrlParts, 'publicId' | 'format' | 'resourceType' | 'transformation'> & { type?: DeliveryType },
): string {
  return [parts.transformation, sourceWithFormat(parts)].filter((part) => part !== undefined && part !== '').join('/');
}

/** `<base>/<cloud>/<rt>/<type>/[s--sig--/][<transformation>/][v<version>/]<public_id>[.<format>]` */
export function buildDeliveryUrl(parts: DeliveryUrlParts): string {
  const segments = [
    parts.baseUrl.replace(/\/+$/, ''),
    parts.cloudName,
    parts.resourceType,
    parts.type,
    parts.signature === undefined ? undefined : `s--${parts.signature}--`,
    parts.transformation,
    parts.version === undefined ? undefined : `v${parts.version}`,
    sourceWithFormat(parts),
  ];
  return segments.filter((segment) => segment !== undefined && segment !== '').join('/');
}

export type DeliveryPath = {
  cloudName: string;
  resourceType: ResourceType;
  type: DeliveryType;
  /** The `XXXX` of an `s--XXXX--` component, when present. */
  signature?: string;
  /** Transformation components as written in the URL (still percent-encoded), joined by `/`. */
  transformation?: string;
  version?: number;
  /** Decoded public_id including any extension (`folder/sample.jpg`); see splitDeliveryFormat. */
  publicIdWithExt: string;
  /** The raw text a URL signature covers: transformation and public_id as written, no version. */
  signedPayload: string;
  /**
   * A versionless path whose leading components were read as transformation steps, read instead as
   * folders of the public_id (`w_100_x/y`): delivery tries it when the first reading names no asset or
   * no valid transformation. Absent when there is no other reading.
   */
  folderReading?: DeliveryPath;
};

const SIGNATURE_COMPONENT = /^s--([A-Za-z0-9_-]{8}|[A-Za-z0-9_-]{32})--$/;
const VERSION_COMPONENT = /^v(\d{1,15})$/;
/**
 * Every key of Cloudinary's transformation language (shared/spec/cloudinary-reference.md §6.2), those
 * Rendition refuses as unsupported included: only these (and `$variables`) make a URL component a
 * transformation step, so `my_photos` is a folder and `c_fill` a step, as on Cloudinary.
 */
export const TRANSFORMATION_KEYS: ReadonlySet<string> = new Set([
  'a',
  'ac',
  'af',
  'ar',
  'b',
  'bo',
  'br',
  'c',
  'co',
  'cs',
  'd',
  'dl',
  'dn',
  'dpr',
  'du',
  'e',
  'eo',
  'f',
  'fl',
  'fn',
  'fps',
  'g',
  'h',
  'if',
  'ki',
  'l',
  'o',
  'p',
  'pg',
  'q',
  'r',
  'so',
  'sp',
  't',
  'u',
  'vc',
  'vs',
  'w',
  'x',
  'y',
  'z',
]);

/** Whether one `,` parameter starts like a transformation parameter: a known key or a `$variable`, then `_`. */
function startsLikeParameter(parameter: string): boolean {
  const underscore = parameter.indexOf('_');
  if (underscore <= 0) return false;
  const key = parameter.slice(0, underscore);
  return TRANSFORMATION_KEYS.has(key) || /^\$[A-Za-z][A-Za-z0-9]*$/.test(key);
}

/**
 * Whether a component before the public_id is a transformation step: one of its `,` parameters
 * (percent-decoded) starts like one. A step with a well-formed parameter and a broken one
 * (`w_100,,,h_100`, `w_100,x`) is a malformed transformation, refused by checkTransformationComponent,
 * not a folder of the public_id.
 */
function isTransformationComponent(segment: string): boolean {
  return decodeSegment(segment).split(',').some(startsLikeParameter);
}

/**
 * The grammar of one step, `key_value[,key_value…]`, checked before any asset is looked up: a
 * malformed transformation is a 400 whether or not the asset exists. The text is the one
 * @rendition/transform gives for the same component; the parameters themselves are checked there.
 */
function checkTransformationComponent(segment: string): void {
  const decoded = decodeSegment(segment);
  for (const parameter of decoded.split(',')) {
    const underscore = parameter.indexOf('_');
    if (underscore <= 0 || underscore === parameter.length - 1) throw new ApiError(400, `Invalid transformation component - ${decoded}`);
  }
}

function decodeSegment(segment: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    throw new ApiError(400, `Invalid URL path component ${quoteValue(segment)}: bad percent-encoding`);
  }
  return decoded;
}

function checkPathElements(decoded: string, original: string): void {
  for (const element of decoded.split('/')) {
    if (element === '.' || element === '..' || element === '' || element.includes('\0')) {
      throw new ApiError(400, `Invalid URL path ${quoteValue(original)}: '.', '..' and empty path elements are not allowed`);
    }
  }
}

/**
 * Parses the path of a delivery request, `/<cloud>/<rt>/<type>/...`. The version component divides
 * transformation from public_id when present; without one, leading components that look like
 * transformation steps are transformations (Cloudinary's rule, and the reason the SDK inserts `v1`
 * before public_ids with folders). The last component is always part of the public_id.
 * Unknown resource or delivery types are 404: nothing can exist at such a path.
 * An empty component (`upload//x.png`, a trailing `/`) is a 400: the SDK never writes one (it
 * collapses `//`), an empty step is an empty transformation and an empty folder an impossible
 * public_id, and one resource should have one URL (caches, signatures) rather than endless aliases.
 * A component that looks like a transformation step but is malformed (`w_100,,,h_100`) is a 400 too.
 * With `cloudName`, the path has no cloud component (a host serving one cloud, like the SDK's
 * private_cdn / secure_distribution URLs).
 */
export function parseDeliveryPath(path: string, options: { cloudName?: string } = {}): DeliveryPath {
  const pathOnly = path.replace(/[?#].*$/s, '');
  // A fetch URL's source is a whole remote URL, `//` included: it has a grammar of its own.
  const fetchPath = parseFetchDeliveryPath(pathOnly, options);
  if (fetchPath !== undefined) return fetchPath;
  const components = pathOnly.replace(/^\//, '').split('/');
  const segments = components.filter((segment) => segment !== '');
  for (const segment of segments) checkPathElements(decodeSegment(segment), pathOnly);
  if (options.cloudName !== undefined) segments.unshift(encodeURIComponent(options.cloudName));
  const [cloudSegment, resourceType, type, ...rest] = segments;
  if (cloudSegment === undefined || resourceType === undefined || type === undefined || rest.length === 0) {
    throw new ApiError(404, `Resource not found - ${quoteValue(pathOnly)}`);
  }
  if (!isResourceType(resourceType)) throw new ApiError(404, `Invalid resource type ${quoteValue(resourceType)}`);
  if (!isDeliveryType(type)) throw new ApiError(404, `Invalid delivery type ${quoteValue(type)}`);
  if (components.includes('')) {
    throw new ApiError(400, `Invalid URL path ${quoteValue(pathOnly)}: '.', '..' and empty path elements are not allowed`);
  }

  let signature: string | undefined;
  const signatureMatch = rest[0] === undefined ? null : SIGNATURE_COMPONENT.exec(rest[0]);
  if (signatureMatch && rest.length > 1) {
    signature = signatureMatch[1];
    rest.shift();
  }

  let transformationSegments: string[];
  let version: number | undefined;
  let idSegments: string[];
  const versionIndex = rest.findIndex((segment, index) => index < rest.length - 1 && VERSION_COMPONENT.test(segment));
  if (versionIndex >= 0) {
    transformationSegments = rest.slice(0, versionIndex);
    version = Number(rest[versionIndex]?.slice(1));
    idSegments = rest.slice(versionIndex + 1);
  } else {
    let count = 0;
    while (count < rest.length - 1 && isTransformationComponent(rest[count] ?? '')) count++;
    transformationSegments = rest.slice(0, count);
    idSegments = rest.slice(count);
  }

  for (const segment of transformationSegments) checkTransformationComponent(segment);
  const publicIdWithExt = idSegments.map(decodeSegment).join('/');
  checkPathElements(publicIdWithExt, pathOnly);
  const transformation = transformationSegments.join('/');
  const rawSource = idSegments.join('/');
  const result: DeliveryPath = {
    cloudName: decodeSegment(cloudSegment),
    resourceType,
    type,
    publicIdWithExt,
    signedPayload: transformation === '' ? rawSource : `${transformation}/${rawSource}`,
  };
  if (signature !== undefined) result.signature = signature;
  if (transformation !== '') result.transformation = transformation;
  if (version !== undefined) result.version = version;
  if (version === undefined && transformation !== '') {
    const wholeId = rest.map(decodeSegment).join('/');
    const folderReading: DeliveryPath = { ...result, publicIdWithExt: wholeId, signedPayload: rest.join('/') };
    delete folderReading.transformation;
    result.folderReading = folderReading;
  }
  return result;
}

const EXTENSION = /\.([A-Za-z0-9]{2,5})$/;

/**
 * Splits a delivered name into public_id and requested format. Raw assets keep their extension in the
 * public_id, so nothing is split. An image public_id may itself contain a dot, so callers that miss
 * on the split id may retry with the whole name.
 */
export function splitDeliveryFormat(publicIdWithExt: string, resourceType: ResourceType): { publicId: string; format?: string } {
  if (resourceType === 'raw') return { publicId: publicIdWithExt };
  const lastElement = publicIdWithExt.slice(publicIdWithExt.lastIndexOf('/') + 1);
  const match = EXTENSION.exec(lastElement);
  if (!match || match.index === 0 || match[1] === undefined) return { publicId: publicIdWithExt };
  return {
    publicId: publicIdWithExt.slice(0, publicIdWithExt.length - match[0].length),
    format: match[1].toLowerCase(),
  };
}

/**
 * `/<cloud>/<rt>/fetch/[s--sig--/][<steps>/][v<version>/]<remote url>` (docs/fetch-delivery.md); undefined
 * for any other type. The steps are transformation components up to the first component that starts
 * with `http:` or `https:`; everything from there on, `/` included, is the remote URL as written (what
 * a signature covers), percent-decoded once into the public_id (decodeFetchSource). The request's own
 * query string is not part of it: Cloudinary ignores it too, so a remote URL's `?` must be written `%3F`.
 */
function parseFetchDeliveryPath(pathOnly: string, options: { cloudName?: string }): DeliveryPath | undefined {
  const match = options.cloudName === undefined ? /^\/?([^/]+)\/([^/]+)\/fetch\/(.*)$/s.exec(pathOnly) : /^\/?()([^/]+)\/fetch\/(.*)$/s.exec(pathOnly);
  if (match === null) return undefined;
  const [, cloudSegment = '', resourceType = '', rest = ''] = match;
  if (!isResourceType(resourceType)) throw new ApiError(404, `Invalid resource type ${quoteValue(resourceType)}`);
  const components = rest.split('/');
  let index = 0;
  let signature: string | undefined;
  const signatureMatch = SIGNATURE_COMPONENT.exec(components[0] ?? '');
  if (signatureMatch && components.length > 1) {
    signature = signatureMatch[1];
    index = 1;
  }
  const steps: string[] = [];
  let version: number | undefined;
  for (; index < components.length; index++) {
    const component = components[index] ?? '';
    if (FETCH_SOURCE_START.test(component)) break;
    if (VERSION_COMPONENT.test(component)) {
      version = Number(component.slice(1));
      index++;
      break;
    }
    if (component === '') throw new ApiError(400, `Invalid URL path ${quoteValue(pathOnly)}: '.', '..' and empty path elements are not allowed`);
    if (!isTransformationComponent(component)) break;
    checkTransformationComponent(component);
    steps.push(component);
  }
  const source = components.slice(index).join('/');
  if (!FETCH_SOURCE_START.test(source)) {
    throw new ApiError(400, `Invalid fetch URL ${quoteValue(decodeURIComponentOr(source), 200)}: expected an absolute http or https URL`);
  }
  const transformation = steps.join('/');
  const result: DeliveryPath = {
    cloudName: options.cloudName ?? decodeSegment(cloudSegment),
    resourceType,
    type: 'fetch',
    publicIdWithExt: decodeFetchSource(source),
    signedPayload: transformation === '' ? source : `${transformation}/${source}`,
  };
  if (signature !== undefined) result.signature = signature;
  if (transformation !== '') result.transformation = transformation;
  if (version !== undefined) result.version = version;
  return result;
}

function decodeURIComponentOr(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
