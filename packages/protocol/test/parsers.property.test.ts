import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { check, namedProperty, registerProperties, returnsOrRefuses, type NamedProperty } from '@rendition/testing';
import { encodeContext, parseContext } from '../src/context.ts';
import { buildDeliveryUrl, deliveryStringToSign, parseDeliveryPath, splitDeliveryFormat } from '../src/delivery-url.ts';
import { composePublicId, normalizeFolder, publicIdFromFilename, validatePublicId } from '../src/public-id.ts';
import { fromJsonBody, normalizeParams, readBoolean, readList, readString, storableText, type RawParams } from '../src/request-params.ts';
import { checkRequestTimestamp } from '../src/request-timestamp.ts';
import { DELIVERY_TYPES, RESOURCE_TYPES } from '../src/resource-types.ts';
import { signParams, stringToSign, urlSignature, verifyParamsSignature, verifyUrlSignature } from '../src/signature.ts';
import { MAX_TAG_LENGTH, parseTags } from '../src/tags.ts';
import { parseUploadRequest } from '../src/upload-request.ts';

// Property tests of the request-parameter parsers: whatever a client sends, each parser returns or
// throws the project's ApiError with a 4xx status (never a TypeError, RangeError or other uncaught
// exception), answers quickly, and the round trips hold (sign → verify, encode → parse, build → parse).
// PROPERTY_RUNS sets the runs per property (npm test: a few hundred); bench/property-fuzz.ts runs the
// same properties 100,000 times each (PROPERTY_SEED replays a run).

// ---------------------------------------------------------------------------------------------
// Arbitraries: hostile text, parameter names and values as clients (and attackers) send them.

/** Fragments that parsers treat specially, or that broke parsers elsewhere. */
const TOKENS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '..',
  '.',
  '/',
  '//',
  '\\',
  '%',
  '%2e',
  '%2F',
  '%00',
  '%zz',
  '%E0%A4',
  '%C0%AE',
  '=',
  '|',
  '\\=',
  '\\|',
  ',',
  ', ',
  '[]',
  '{',
  '}',
  '{"a":1}',
  '["a","b"]',
  '"',
  "'",
  '\u0000',
  '\u0007',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u200b',
  '\u200f',
  '\u202e',
  '\u2028',
  '\ufeff',
  '\ud800',
  '\udfff',
  '😀',
  '👩‍👩‍👧',
  'é',
  'ﬀ',
  'İ',
  'v1',
  'v123',
  's--abcdefgh--',
  'w_100',
  'c_fill',
  '_',
  '?',
  '#',
  '&',
  '+',
  ' ',
  '\t',
  '\r\n',
  '\n',
  'true',
  'false',
  'TRUE',
  '1',
  '0',
  '-1',
  '1e309',
  'NaN',
  'null',
  'undefined',
  'http://',
  'https://example.com/a.png',
  'javascript:alert(1)',
  'data:image/png;base64,',
  'file:///etc/passwd',
  'ftp://x',
  'image',
  'upload',
  'private',
  'authenticated',
  'jpg',
  'png',
  'svg',
  'x'.repeat(256),
  '/'.repeat(300),
  ','.repeat(300),
];

const token = fc.constantFrom(...TOKENS);
const anyChars = fc.string({ unit: 'binary', maxLength: 12 });

/** Short hostile text: tokens and arbitrary code points (lone surrogates included) glued together. */
export const hostileText = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.oneof(token, anyChars), { maxLength: 12 }).map((parts) => parts.join('')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 64 }) },
);

/** Mostly short, sometimes thousands of characters (repeated fragments: where quadratic work shows). */
export const longText = fc.oneof(
  { weight: 4, arbitrary: hostileText },
  {
    weight: 1,
    arbitrary: fc
      .tuple(hostileText, fc.integer({ min: 1, max: 5000 }), hostileText)
      .map(([unit, times, tail]) => unit.repeat(times).slice(0, 20_000) + tail),
  },
);

/** Every parameter parseUploadRequest reads, and some it does not. */
const UPLOAD_KEYS = [
  'type',
  'public_id',
  'folder',
  'public_id_prefix',
  'asset_folder',
  'display_name',
  'use_filename',
  'unique_filename',
  'filename_override',
  'use_filename_as_display_name',
  'use_asset_folder_as_public_id_prefix',
  'unique_display_name',
  'discard_original_filename',
  'overwrite',
  'invalidate',
  'backup',
  'tags',
  'context',
  'metadata',
  'clear_invalid',
  'format',
  'allowed_formats',
  'async',
  'notification_url',
  'eager',
  'eager_async',
  'eager_notification_url',
  'transformation',
  'moderation',
  'raw_convert',
  'upload_preset',
  'callback',
  'return_delete_token',
  'access_mode',
  'file',
  'api_key',
  'timestamp',
  'signature',
  'resource_type',
  'cloud_name',
  '__proto__',
  'constructor',
  'toString',
  '',
];

const paramName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...UPLOAD_KEYS) },
  { weight: 2, arbitrary: fc.constantFrom(...UPLOAD_KEYS).map((key) => `${key}[]`) },
  { weight: 1, arbitrary: hostileText },
);

const plausibleValue = fc.oneof(
  fc.constantFrom('true', 'false', '1', '0', 'yes', ' TRUE ', 'upload', 'private', 'authenticated', 'public', 'jpg', 'PNG', 'webp', 'heic'),
  fc.constantFrom('a=b|c=d', 'a\\=b=c\\|d', '{"alt":"x"}', '{"__proto__":{"polluted":"yes"}}', '[1,2]', 'k=["a","b"]', '|||', '=='),
  fc.constantFrom('https://example.com/hook', 'http://[::1]:80/x', 'ftp://x/y', 'https://', '//example.com', 'https://a b', 'http://%zz'),
  fc.constantFrom('shoes, red ,,  , blue', 'a,a,a', 'folder/sub', '/folder/', 'v1/x', 'a/../b', ' lead', 'trail '),
);

export const paramValue = fc.oneof({ weight: 3, arbitrary: plausibleValue }, { weight: 3, arbitrary: hostileText }, { weight: 1, arbitrary: longText });

/** Fields as they arrive from multipart or urlencoded bodies: ordered, repeated, `x[]` lists. */
export const fieldList = fc.array(fc.tuple(paramName, paramValue), { maxLength: 25 });

/** Many values under one list name: what bounds on tags and lists have to cope with. */
const bulkList = fc
  .tuple(fc.constantFrom('tags', 'tags[]', 'allowed_formats', 'allowed_formats[]'), fc.integer({ min: 0, max: 1500 }), plausibleValue)
  .map(([name, count, value]): Array<[string, string]> => Array.from({ length: count }, (_, index) => [name, `${value}${index}`]));

export const rawParams: fc.Arbitrary<RawParams> = fc
  .oneof({ weight: 5, arbitrary: fieldList }, { weight: 1, arbitrary: bulkList })
  // Only storable text gets past normalizeParams (see its own property), so the parsers after it see that.
  .map((fields) => normalizeParams(fields.map(([name, value]): [string, string] => [storableText(name), storableText(value)])));

/** JSON bodies as a JSON parser hands them over: any value, hostile keys, and deep nesting. */
function nested(depth: number, leaf: unknown, asObject: boolean): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = asObject ? { a: value } : [value];
  return value;
}

const jsonKey = fc.oneof(fc.constantFrom(...UPLOAD_KEYS), hostileText);
const jsonLeaf = fc.oneof(fc.jsonValue({ maxDepth: 3 }), hostileText);
export const jsonBody: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.tuple(jsonKey, jsonLeaf), { maxLength: 12 }).map((entries) => Object.fromEntries(entries)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...UPLOAD_KEYS), fc.integer({ min: 1, max: 20_000 }), jsonLeaf, fc.boolean())
      .map(([key, depth, leaf, asObject]) => {
        const body = { [key]: nested(depth, leaf, asObject) };
        // Printed short in a counterexample: the nesting itself would be tens of thousands of characters.
        const shape = `{ ${JSON.stringify(key)}: ${asObject ? '{"a": …}' : '[…]'} nested ${depth} deep around ${fc.stringify(leaf)} }`;
        Object.defineProperty(body, fc.toStringMethod, { value: () => shape, enumerable: false });
        return body;
      }),
  },
);

// ---------------------------------------------------------------------------------------------
// The properties.

/** Object.prototype's own names, to see that no parser wrote onto it. */
const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype).sort();

function prototypeUntouched(): void {
  check(isDeepStrictEqual(Object.getOwnPropertyNames(Object.prototype).sort(), PROTOTYPE_NAMES), () => 'Object.prototype was modified');
}

function isRawParams(params: RawParams): boolean {
  return (
    Object.getPrototypeOf(params) === null &&
    Object.values(params).every((value) => typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string')))
  );
}

const CLOUD_NAME = fc.stringMatching(/^[a-z0-9_-]{1,20}$/);

/** A public_id the validator accepts, built from hostile path elements. */
const validPublicId = fc
  .array(fc.oneof(hostileText, fc.stringMatching(/^[A-Za-z0-9_. -]{1,12}$/)), { minLength: 1, maxLength: 4 })
  .map((elements) => elements.join('/'))
  .filter((id) => {
    try {
      validatePublicId(id);
      return true;
    } catch {
      return false;
    }
  });

/** Transformation text of the shape delivery URLs carry (the transform package owns its meaning). */
const transformationText = fc
  .array(
    fc
      .array(fc.tuple(fc.constantFrom('w', 'h', 'c', 'g', 'e', 'q', 'a', 'x', 'bo'), fc.stringMatching(/^[a-z0-9:.]{1,8}$/)), {
        minLength: 1,
        maxLength: 4,
      })
      .map((params) => params.map(([key, value]) => `${key}_${value}`).join(',')),
    { minLength: 1, maxLength: 3 },
  )
  .map((components) => components.join('/'));

export const protocolProperties: NamedProperty[] = [
  namedProperty('normalizeParams: any fields → null-prototype RawParams, Object.prototype untouched', () =>
    fc.property(fieldList, (fields) => {
      const outcome = returnsOrRefuses('normalizeParams', () => normalizeParams(fields));
      // A NUL or a lone surrogate cannot be stored or carried in a URL: refused (a 400), and only that.
      const storable = fields.every(([name, value]) => storableText(name) === name && storableText(value) === value);
      if (storable) check('value' in outcome && isRawParams(outcome.value), () => 'normalizeParams refused storable text');
      else check('refused' in outcome, () => 'normalizeParams accepted a NUL or a lone surrogate');
      prototypeUntouched();
    }),
  ),
  namedProperty('fromJsonBody: any JSON value → RawParams or ApiError', () =>
    fc.property(jsonBody, (body) => {
      const outcome = returnsOrRefuses('fromJsonBody', () => fromJsonBody(body));
      if ('value' in outcome) check(isRawParams(outcome.value), () => 'fromJsonBody returned something other than RawParams');
      prototypeUntouched();
    }),
  ),
  namedProperty('readString / readBoolean / readList: any params and name → value or ApiError', () =>
    fc.property(rawParams, paramName, fc.boolean(), (params, name, fallback) => {
      returnsOrRefuses('readString', () => readString(params, name));
      returnsOrRefuses('readBoolean', () => readBoolean(params, name, fallback));
      const list = returnsOrRefuses('readList', () => readList(params, name));
      check('value' in list && list.value.every((item) => item !== '' && item === item.trim()), () => 'readList kept an empty or untrimmed item');
    }),
  ),
  namedProperty('parseUploadRequest: any params → a typed request or ApiError', () =>
    fc.property(rawParams, fc.constantFrom('image', 'video', 'raw', 'auto'), (params, resourceType) => {
      const outcome = returnsOrRefuses('parseUploadRequest', () => parseUploadRequest(params, resourceType));
      if (!('value' in outcome)) return;
      const request = outcome.value;
      if (request.publicId !== undefined) returnsOrRefuses('validatePublicId', () => validatePublicId(request.publicId ?? ''));
      check(request.tags.length <= 1000, () => `${request.tags.length} tags accepted`);
      check(Object.getPrototypeOf(request.context) === null, () => 'context map has a prototype');
      prototypeUntouched();
    }),
  ),
  namedProperty('parseContext: any text → a null-prototype map without empty keys', () =>
    fc.property(longText, (text) => {
      const outcome = returnsOrRefuses('parseContext', () => parseContext(text));
      check('value' in outcome, () => 'parseContext refused');
      if ('value' in outcome) {
        check(Object.getPrototypeOf(outcome.value) === null, () => 'context map has a prototype');
        check(!Object.keys(outcome.value).includes(''), () => 'context map has an empty key');
      }
      prototypeUntouched();
    }),
  ),
  namedProperty('context round trip: parseContext(encodeContext(map)) equals map', () =>
    fc.property(
      // Keys are not escaped by the SDK's encoding, so they must not hold `=`, `|` or `\`, nor open a JSON
      // object. A value ending in `\` followed by another pair reads as an escaped `|`: the wire format
      // cannot carry it (the SDK has the same ambiguity), so such values are left out.
      fc.dictionary(
        hostileText.filter((key) => key !== '' && !/[=|\\]/.test(key) && !key.trimStart().startsWith('{')),
        hostileText.filter((value) => !value.endsWith('\\')),
        { maxKeys: 8 },
      ),
      (map) => {
        const encoded = encodeContext(map);
        const outcome = returnsOrRefuses('parseContext', () => parseContext(encoded));
        check('value' in outcome && isDeepStrictEqual({ ...outcome.value }, { ...map }), () => `encoded as ${JSON.stringify(encoded)}`);
      },
    ),
  ),
  namedProperty('parseTags: any params → unique, trimmed, bounded tags or ApiError', () =>
    fc.property(rawParams, fc.constantFrom('tags', 'tag'), (params, name) => {
      const outcome = returnsOrRefuses('parseTags', () => parseTags(params, name));
      if (!('value' in outcome)) return;
      const tags = outcome.value;
      check(new Set(tags).size === tags.length, () => 'duplicate tags');
      check(
        tags.every((tag) => tag !== '' && tag === tag.trim() && [...tag].length <= MAX_TAG_LENGTH),
        () => 'an empty, untrimmed or over-long tag was accepted',
      );
    }),
  ),
  namedProperty('validatePublicId / normalizeFolder: any text → the id (valid again) or ApiError', () =>
    fc.property(longText, (text) => {
      const id = returnsOrRefuses('validatePublicId', () => validatePublicId(text));
      if ('value' in id) check(id.value === text, () => 'validatePublicId changed the id');
      const folder = returnsOrRefuses('normalizeFolder', () => normalizeFolder(text));
      if ('value' in folder && folder.value !== undefined) {
        const again = returnsOrRefuses('validatePublicId(folder)', () => validatePublicId(folder.value ?? ''));
        check('value' in again, () => `folder ${JSON.stringify(folder.value)} is not a valid public_id path`);
      }
    }),
  ),
  namedProperty('publicIdFromFilename: any file name → a public_id validatePublicId accepts', () =>
    fc.property(longText, fc.boolean(), (filename, unique) => {
      const outcome = returnsOrRefuses('publicIdFromFilename', () => publicIdFromFilename(filename, { unique }));
      check('value' in outcome, () => 'publicIdFromFilename refused');
      if ('value' in outcome) {
        const valid = returnsOrRefuses('validatePublicId', () => validatePublicId(outcome.value));
        check('value' in valid, () => `derived ${JSON.stringify(outcome.value)}, which validatePublicId refuses`);
      }
    }),
  ),
  namedProperty('composePublicId: valid parts → an id, refused only for length', () =>
    fc.property(fc.option(validPublicId), fc.option(validPublicId), validPublicId, (folder, prefix, id) => {
      const composed = returnsOrRefuses('composePublicId', () =>
        composePublicId({ folder: folder ?? undefined, publicIdPrefix: prefix ?? undefined, id }),
      );
      if (!('value' in composed)) throw new Error('composePublicId refused');
      const valid = returnsOrRefuses('validatePublicId', () => validatePublicId(composed.value));
      if ('refused' in valid) check(/longer than/.test(valid.refused.message), () => `composed id refused: ${valid.refused.message}`);
    }),
  ),
  namedProperty('stringToSign: any params → text independent of field order, without unsigned keys or empty values', () =>
    fc.property(rawParams, fc.constantFrom(1 as const, 2 as const), fc.integer(), (params, version, seed) => {
      const entries = Object.entries(params);
      const shuffled = entries.map((entry, index) => ({ entry, key: (index * 7919 + seed) % (entries.length + 1) }));
      shuffled.sort((a, b) => a.key - b.key);
      const reordered = Object.assign(Object.create(null) as RawParams, Object.fromEntries(shuffled.map(({ entry }) => entry)));
      const text = returnsOrRefuses('stringToSign', () => stringToSign(params, version));
      const again = returnsOrRefuses('stringToSign', () => stringToSign(reordered, version));
      check('value' in text && 'value' in again && text.value === again.value, () => 'the string to sign depends on field order');
      const signable = Object.create(null) as RawParams;
      for (const [key, value] of entries) {
        if (['file', 'api_key', 'signature', 'cloud_name', 'resource_type'].includes(key)) continue;
        if ((Array.isArray(value) ? value.join(',') : value) !== '') signable[key] = value;
      }
      const trimmed = returnsOrRefuses('stringToSign', () => stringToSign(signable, version));
      check('value' in text && 'value' in trimmed && text.value === trimmed.value, () => 'unsigned keys or empty values changed the string to sign');
    }),
  ),
  namedProperty(
    'signatures: a version 2 signature (or a version 1 one where the texts agree) verifies; other signature text is refused without throwing',
    () =>
      fc.property(
        rawParams,
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.constantFrom('sha1' as const, 'sha256' as const),
        fc.constantFrom(1 as const, 2 as const),
        fc.oneof(fc.string({ unit: 'binary', maxLength: 70 }), fc.stringMatching(/^[0-9a-fA-F]{40}$|^[0-9a-f]{64}$/)),
        (params, secret, algorithm, version, forged) => {
          const signature = returnsOrRefuses('signParams', () => signParams(params, secret, { algorithm, version }));
          if (!('value' in signature)) throw new Error('signParams refused');
          const verdict = returnsOrRefuses('verifyParamsSignature', () => verifyParamsSignature(params, signature.value, secret));
          const upper = returnsOrRefuses('verifyParamsSignature', () => verifyParamsSignature(params, signature.value.toUpperCase(), secret));
          // Must verify: a version 2 signature, or a version 1 one whose text is the version 2 text (no `&`).
          // Not asserted either way: version 1 signatures over `&`, and keys holding `=` (both ambiguous).
          const unambiguous = !Object.keys(params).some((key) => key.includes('='));
          if (unambiguous && (version === 2 || stringToSign(params, 1) === stringToSign(params, 2))) {
            check('value' in verdict && verdict.value.ok, () => 'a correct signature was refused');
            check('value' in upper && upper.value.ok, () => 'an upper-case hex signature was refused');
          }
          const other = returnsOrRefuses('verifyParamsSignature', () => verifyParamsSignature(params, forged, secret));
          if ('value' in other && other.value.ok)
            check(forged.toLowerCase() === signature.value.toLowerCase(), () => 'a forged signature was accepted');
        },
      ),
  ),
  namedProperty('checkRequestTimestamp: any text → unix seconds within the window or ApiError', () =>
    fc.property(
      fc.oneof(hostileText, fc.integer({ min: -1e6, max: 1e13 }).map(String)),
      fc.integer({ min: 1_600_000_000, max: 2_000_000_000 }),
      (text, now) => {
        const outcome = returnsOrRefuses('checkRequestTimestamp', () => checkRequestTimestamp(text, now));
        if ('value' in outcome) check(Number.isSafeInteger(outcome.value) && Math.abs(outcome.value - now) <= 3600, () => `accepted ${outcome.value}`);
      },
    ),
  ),
  namedProperty('parseDeliveryPath / splitDeliveryFormat: any path → a parsed path or ApiError', () =>
    fc.property(
      fc.oneof(
        longText,
        fc
          .array(
            fc.oneof(
              hostileText,
              fc.constantFrom('demo', 'image', 'video', 'raw', 'upload', 'private', 'fetch', 'https:', '', 'v1', 's--abcdefgh--', 'w_100,c_fill'),
            ),
            {
              maxLength: 10,
            },
          )
          .map((segments) => `/${segments.join('/')}`),
      ),
      fc.option(CLOUD_NAME),
      (path, cloudName) => {
        const outcome = returnsOrRefuses('parseDeliveryPath', () => parseDeliveryPath(path, cloudName === null ? {} : { cloudName }));
        if (!('value' in outcome)) return;
        const parsed = outcome.value;
        if (parsed.type === 'fetch') {
          const remote = URL.parse(parsed.publicIdWithExt);
          check(remote !== null && /^https?:$/.test(remote.protocol), () => `fetch source ${JSON.stringify(parsed.publicIdWithExt)} is no http(s) URL`);
          return;
        }
        check(
          parsed.publicIdWithExt.split('/').every((element) => element !== '' && element !== '.' && element !== '..' && !element.includes('\0')),
          () => `public_id ${JSON.stringify(parsed.publicIdWithExt)} has a forbidden path element`,
        );
        returnsOrRefuses('splitDeliveryFormat', () => splitDeliveryFormat(parsed.publicIdWithExt, parsed.resourceType));
      },
    ),
  ),
  namedProperty('delivery URL round trip: parseDeliveryPath(buildDeliveryUrl(parts)) gives the parts back, and the URL signature verifies', () =>
    fc.property(
      fc.record({
        cloudName: CLOUD_NAME,
        resourceType: fc.constantFrom(...RESOURCE_TYPES),
        // A fetched asset's public_id is a remote URL: its round trip is in src/fetch-url.test.ts.
        type: fc.constantFrom(...DELIVERY_TYPES.filter((type) => type !== 'fetch')),
        version: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }).filter((version) => String(version).length <= 15),
        publicId: validPublicId,
        format: fc.option(fc.constantFrom('jpg', 'png', 'webp', 'avif', 'gif')),
        transformation: fc.option(transformationText),
        secret: fc.string({ minLength: 1, maxLength: 30 }),
        long: fc.boolean(),
      }),
      (parts) => {
        const transformation = parts.transformation ?? undefined;
        const format = parts.format ?? undefined;
        const toSign = deliveryStringToSign({ publicId: parts.publicId, format, resourceType: parts.resourceType, transformation });
        const signature = urlSignature(toSign, parts.secret, { long: parts.long });
        const url = buildDeliveryUrl({ ...parts, baseUrl: 'http://h', transformation, format, signature });
        const outcome = returnsOrRefuses('parseDeliveryPath', () => parseDeliveryPath(url.slice('http://h'.length)));
        if (!('value' in outcome)) throw new Error(`${url} was refused: ${outcome.refused.message}`);
        const parsed = outcome.value;
        const expectedId = parts.resourceType === 'raw' || format === undefined ? parts.publicId : `${parts.publicId}.${format}`;
        check(
          parsed.cloudName === parts.cloudName &&
            parsed.resourceType === parts.resourceType &&
            parsed.type === parts.type &&
            parsed.version === parts.version &&
            parsed.transformation === transformation &&
            parsed.signature === signature &&
            parsed.publicIdWithExt === expectedId,
          () => `${url} parsed as ${JSON.stringify(parsed)}`,
        );
        check(verifyUrlSignature(parsed.signedPayload, signature, parts.secret), () => `the signature of ${url} does not verify`);
        if (format !== undefined && parts.resourceType !== 'raw') {
          const split = splitDeliveryFormat(parsed.publicIdWithExt, parts.resourceType);
          check(split.publicId === parts.publicId && split.format === format, () => `split as ${JSON.stringify(split)}`);
        }
      },
    ),
  ),
];

registerProperties('protocol parsers under arbitrary input (fast-check)', protocolProperties, 250);
