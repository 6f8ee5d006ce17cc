import { isKnownFormat, validatePublicId } from '@rendition/protocol';
import { layerErrors } from './layer-messages.ts';
import type { LayerSource } from './layer.ts';
import { canonicalTextLayer, parseTextLayer } from './text-layer.ts';

// What follows `l_` / `u_`: the layer's source, parsed, and written back in its one canonical spelling
// (the two directions side by side, so they cannot drift apart).
//
//   l_<public_id>[.<format>]        folders separated by `:` (`l_brand:logo.png` = brand/logo as png)
//   l_text:<style>:<text>           text-layer.ts
//   l_fetch:<base64url of the URL>  an http(s) image; the SDK writes base64url without padding

/** Longest URL a fetch layer may name (the whole transformation is at most 4096 characters anyway). */
export const MAX_FETCH_URL_LENGTH = 2048;

/**
 * First elements the SDK writes for another resource type or delivery type (`Layer.toString`:
 * `[resource_type unless image, type unless upload, public_id].join(':')`). Reading them as folders would
 * show a different image than Cloudinary does, so they are refused. [GUESS] private/authenticated: the
 * SDK's layer code writes them so; the reference has no example.
 */
const UNSUPPORTED_PREFIXES: Readonly<Record<string, string>> = {
  video: 'only image layers are supported',
  audio: 'only image layers are supported',
  raw: 'only image layers are supported',
  subtitles: 'subtitle layers are not supported',
  lut: 'LUT layers are not supported',
  private: 'layers of private assets are not supported',
  authenticated: 'layers of authenticated assets are not supported',
};

const BASE64 = /^[A-Za-z0-9_+-]+={0,2}$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses the value of `l_` or `u_` (`param` is the whole `l_…` parameter, for messages). Throws ApiError(400). */
export function parseLayerSource(value: string, param: string): LayerSource {
  if (value.startsWith('text:')) {
    const { style, text } = parseTextLayer(value.slice('text:'.length));
    return { kind: 'text', style, text };
  }
  if (value.startsWith('fetch:')) return { kind: 'fetch', url: parseFetchUrl(value.slice('fetch:'.length), param) };
  const first = value.slice(0, value.indexOf(':') === -1 ? 0 : value.indexOf(':'));
  const unsupported = Object.hasOwn(UNSUPPORTED_PREFIXES, first) ? UNSUPPORTED_PREFIXES[first] : undefined;
  if (unsupported !== undefined) throw layerErrors.unsupportedSource(param, unsupported);
  return parseAsset(value, param);
}

function parseAsset(value: string, param: string): LayerSource {
  const path = value.replaceAll(':', '/');
  const dot = path.lastIndexOf('.');
  // `.png` names the format only when it is one (`l_v1.2_logo` keeps its dots) and something precedes it.
  const extension = dot > path.lastIndexOf('/') + 1 ? path.slice(dot + 1) : '';
  const format = isKnownFormat(extension) ? extension : null;
  const publicId = format === null ? path : path.slice(0, dot);
  try {
    validatePublicId(publicId);
  } catch (error) {
    throw layerErrors.invalidSource(param, error instanceof Error ? error.message : String(error));
  }
  return { kind: 'asset', publicId, resourceType: 'image', deliveryType: 'upload', format };
}

/** base64 or base64url (the SDK writes the latter), padding optional, of an absolute http(s) URL. */
function parseFetchUrl(encoded: string, param: string): string {
  const refuse = (reason: string) => layerErrors.invalidSource(param, reason);
  if (!BASE64.test(encoded)) throw refuse('the URL must be base64url-encoded');
  const bytes = Buffer.from(encoded, 'base64');
  // Re-encoding must give the same characters: no stray bits, no misplaced padding, nothing Node skipped.
  if (bytes.toString('base64url') !== encoded.replaceAll('+', '-').replace(/=+$/, '')) throw refuse('the URL must be base64url-encoded');
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw refuse('the encoded URL is not UTF-8 text');
  }
  const url = URL.parse(text);
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw refuse('the encoded text is not an http or https URL');
  }
  // One spelling per URL (`HTTP://Example.com` is `http://example.com/`), so equal URLs are one derivative.
  if (url.href.length > MAX_FETCH_URL_LENGTH) throw refuse(`the URL is longer than ${MAX_FETCH_URL_LENGTH} characters`);
  return url.href;
}

/** The canonical text of a layer source: what follows `l_` / `u_`. */
export function layerSourceText(source: LayerSource): string {
  switch (source.kind) {
    case 'text':
      return canonicalTextLayer(source.style, source.text);
    case 'fetch':
      return `fetch:${Buffer.from(source.url, 'utf8').toString('base64url')}`;
    case 'asset':
      return source.publicId.replaceAll('/', ':') + (source.format === null ? '' : `.${source.format}`);
  }
}
