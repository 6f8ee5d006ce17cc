// Storage keys are built here and nowhere else, from ids Rendition generates. A user's public_id
// never reaches a key, so renaming an asset moves no bytes and no user string can shape a path.

export class InvalidKeyError extends Error {
  readonly key: string;

  constructor(key: string, reason: string) {
    super(`invalid storage key ${JSON.stringify(key)}: ${reason}`);
    this.name = 'InvalidKeyError';
    this.key = key;
  }
}

const ID = /^[a-z0-9][a-z0-9_-]{0,127}$/;
const FORMAT = /^[a-z0-9]{1,10}$/;
const SEGMENT = /^[A-Za-z0-9._-]+$/;
const MAX_KEY_LENGTH = 1024;

function id(kind: string, value: string): string {
  if (!ID.test(value)) throw new InvalidKeyError(value, `${kind} must match ${ID}`);
  return value;
}

/**
 * The last line of defence for both drivers: whatever built the key, it cannot climb out of the
 * store's root (fs) or prefix (S3), and it means the same thing on both.
 */
export function assertSafeKey(key: string): void {
  if (key.length === 0) throw new InvalidKeyError(key, 'empty');
  if (key.length > MAX_KEY_LENGTH) throw new InvalidKeyError(key, `longer than ${MAX_KEY_LENGTH} characters`);
  if (key.startsWith('/')) throw new InvalidKeyError(key, 'absolute');
  for (const segment of key.split('/')) {
    if (segment === '') throw new InvalidKeyError(key, 'empty segment');
    if (segment === '.' || segment === '..') throw new InvalidKeyError(key, `"${segment}" segment`);
    if (!SEGMENT.test(segment)) throw new InvalidKeyError(key, 'segments may hold only A-Z a-z 0-9 . _ -');
  }
}

/**
 * A list prefix need not end on a segment boundary ("assets/ab" matches "assets/abc/..."), so it is
 * checked as a key once a trailing slash is set aside. The empty prefix lists everything.
 */
export function assertSafePrefix(prefix: string): void {
  if (prefix === '') return;
  assertSafeKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}

/** Everything stored for one asset, all versions: what to list when the asset is destroyed. */
export function assetPrefix(assetId: string): string {
  return `assets/${id('assetId', assetId)}/`;
}

export function originalKey(assetId: string, versionId: string): string {
  return `${assetPrefix(assetId)}${id('versionId', versionId)}/original`;
}

export function derivedKey(assetId: string, versionId: string, transformationHash: string, format: string): string {
  if (!FORMAT.test(format)) throw new InvalidKeyError(format, `format must match ${FORMAT}`);
  return `${assetPrefix(assetId)}${id('versionId', versionId)}/derived/${id('transformationHash', transformationHash)}.${format}`;
}

const SET_MEMBER = /^[a-z0-9][a-z0-9_-]{0,63}\.(?:m3u8|mpd|ts|m4s|mp4|m4a|vtt)$/;

/**
 * A file of a derivative that is a set (an HLS or DASH stream: playlists and segments), stored next to
 * the derivative's own key (its master playlist). Member names are the executor's fixed names, checked
 * here all the same: they reach this function from a delivery URL's query.
 */
export function derivedSetMemberKey(derivedStorageKey: string, member: string): string {
  if (!SET_MEMBER.test(member)) throw new InvalidKeyError(member, `a set member must match ${SET_MEMBER}`);
  return `${derivedSetPrefix(derivedStorageKey)}${member}`;
}

/** Where the members of a derivative set live: listed to delete them with the derivative. */
export function derivedSetPrefix(derivedStorageKey: string): string {
  return `${derivedStorageKey}.set/`;
}

export function isDerivedSetMember(member: string): boolean {
  return SET_MEMBER.test(member);
}

export function stagingKey(uploadId: string): string {
  return `staging/${id('uploadId', uploadId)}`;
}

/** Where the parts of one chunked upload (X-Unique-Upload-Id) are assembled; `uploadId` is the catalog's session id. */
export function largeUploadKey(uploadId: string): string {
  return `large-uploads/${id('uploadId', uploadId)}`;
}
