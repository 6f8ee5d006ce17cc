import { hash, timingSafeEqual } from 'node:crypto';
import { findApiKey, findUploadPreset, type ApiCredentials, type CatalogDb } from '@rendition/catalog';
import {
  ApiError,
  invalidSignatureMessage,
  missingParameter,
  PRESET_NAME_PATTERN,
  readString,
  staleRequestMessage,
  unknownApiKey,
  UPLOAD_PRESET_NOT_FOUND,
  verifyParamsSignature,
  type RawParams,
} from '@rendition/protocol';

const SIGNATURE_LIFETIME_SECONDS = 3_600;
// Clocks drift; a request signed slightly "in the future" is still a fresh one.
const ALLOWED_CLOCK_SKEW_SECONDS = 300;

/** Basic credentials when the header has them, else the signed parameters. */
export async function authenticateRequest(
  db: CatalogDb,
  authorization: string | undefined,
  params: RawParams,
  cloudName: string,
): Promise<ApiCredentials> {
  if (authorization?.toLowerCase().startsWith('basic ')) return authenticateBasic(db, authorization, cloudName);
  return authenticateSignedParams(db, params, cloudName, Math.floor(Date.now() / 1000));
}

/** `Authorization: Basic base64(api_key:api_secret)`, checked before the body is read. */
export async function authenticateBasic(db: CatalogDb, header: string, cloudName: string): Promise<ApiCredentials> {
  const presented = presentedBasic(header);
  if (!presented) throw new ApiError(401, 'Invalid Basic authorization header');
  const credentials = await credentialsForCloud(db, presented.apiKey, cloudName);
  if (!timingSafeEqual(presented.secretDigest, storedSecretDigest(credentials))) throw new ApiError(401, 'api_secret mismatch');
  return credentials;
}

/**
 * A client sends the same Authorization header with every request: its key and its secret's digest
 * are worked out once (decoding and hashing were a tenth of a url upload's own work in the intake
 * profile, docs/performance.md). Bounded; emptied when full. Only the digest of a secret is kept.
 */
const presentedHeaders = new Map<string, { apiKey: string; secretDigest: Buffer } | null>();
const PRESENTED_HEADERS_MAX = 1024;

function presentedBasic(header: string): { apiKey: string; secretDigest: Buffer } | null {
  const known = presentedHeaders.get(header);
  if (known !== undefined) return known;
  const decoded = Buffer.from(header.slice('basic '.length).trim(), 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  const presented = separator <= 0 ? null : { apiKey: decoded.slice(0, separator), secretDigest: secretDigest(decoded.slice(separator + 1)) };
  if (presentedHeaders.size >= PRESENTED_HEADERS_MAX) presentedHeaders.clear();
  presentedHeaders.set(header, presented);
  return presented;
}

/** The stored secret's digest, once per credentials object (the settings cache hands out the same one until a change). */
const storedDigests = new WeakMap<ApiCredentials, Buffer>();

function storedSecretDigest(credentials: ApiCredentials): Buffer {
  let digest = storedDigests.get(credentials);
  if (!digest) {
    digest = secretDigest(credentials.apiSecret);
    storedDigests.set(credentials, digest);
  }
  return digest;
}

// Digests have equal length, so timingSafeEqual never shortcuts on a length mismatch.
function secretDigest(secret: string): Buffer {
  return hash('sha256', secret, 'buffer');
}

/** `api_key` + `timestamp` + `signature` among the parameters, as the SDKs send them. */
export async function authenticateSignedParams(
  db: CatalogDb,
  params: RawParams,
  cloudName: string,
  nowSeconds: number,
  options: { checkFreshness?: boolean } = {},
): Promise<ApiCredentials> {
  const signature = single(params, 'signature');
  const apiKey = single(params, 'api_key');
  if (!apiKey) throw new ApiError(401, missingParameter('api_key'));
  if (!signature) throw new ApiError(401, missingParameter('signature'));
  const timestampText = single(params, 'timestamp');
  if (!timestampText) throw new ApiError(401, missingParameter('timestamp'));
  if (options.checkFreshness ?? true) checkTimestamp(timestampText, nowSeconds);
  else if (!Number.isInteger(Number(timestampText))) throw new ApiError(401, `Invalid timestamp ${timestampText}`);
  const credentials = await credentialsForCloud(db, apiKey, cloudName);
  const verdict = verifyParamsSignature(params, signature, credentials.apiSecret);
  if (!verdict.ok) throw new ApiError(401, invalidSignatureMessage(signature, verdict.stringToSign));
  return credentials;
}

function checkTimestamp(timestampText: string, nowSeconds: number): void {
  const timestamp = Number(timestampText);
  if (!Number.isInteger(timestamp)) throw new ApiError(401, `Invalid timestamp ${timestampText}`);
  if (nowSeconds - timestamp > SIGNATURE_LIFETIME_SECONDS) throw new ApiError(401, staleRequestMessage(timestamp));
  if (timestamp - nowSeconds > ALLOWED_CLOCK_SKEW_SECONDS) throw new ApiError(401, `Invalid timestamp ${timestampText}: in the future`);
}

/**
 * Called before an upload without Basic credentials stores anything large (its file part, or a
 * `file` text past MAX_FIELD_BYTES): refuses what the parameters seen so far already doom, whatever
 * comes after them. An `api_key` unknown to this cloud and a stale, future or malformed `timestamp`
 * fail the signature check; an `upload_preset` that does not exist fails signed and unsigned uploads
 * alike. A signature that does not match yet may still match once later fields arrive, and a preset
 * that is not unsigned may be used by a signed request whose signature comes after the file (the Ruby
 * SDK's order), so neither is refused here. Parameters read here count from what was seen so far.
 */
export async function refuseDoomedUpload(
  db: CatalogDb,
  params: RawParams,
  cloudName: string,
  nowSeconds: number,
  options: { checkFreshness?: boolean } = {},
): Promise<void> {
  const apiKey = single(params, 'api_key');
  if (apiKey) await credentialsForCloud(db, apiKey, cloudName);
  const timestampText = single(params, 'timestamp');
  if (timestampText && (params.signature !== undefined || apiKey) && (options.checkFreshness ?? true)) checkTimestamp(timestampText, nowSeconds);
  const preset = readString(params, 'upload_preset');
  if (preset !== undefined && !(PRESET_NAME_PATTERN.test(preset) && (await findUploadPreset(db, cloudName, preset)))) {
    throw new ApiError(400, UPLOAD_PRESET_NOT_FOUND);
  }
}

async function credentialsForCloud(db: CatalogDb, apiKey: string, cloudName: string): Promise<ApiCredentials> {
  const credentials = await findApiKey(db, apiKey);
  // A key of another cloud is as unknown here as a key that does not exist.
  if (!credentials || credentials.cloudName !== cloudName) throw new ApiError(401, unknownApiKey(apiKey));
  return credentials;
}

function single(params: RawParams, name: string): string | undefined {
  const value = params[name];
  return Array.isArray(value) ? value[0] : value;
}
