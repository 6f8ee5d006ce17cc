import {
  deleteStreamingProfile,
  findStreamingProfile,
  insertStreamingProfile,
  listStreamingProfiles,
  replaceStreamingProfile,
  saveStreamingProfile,
  type CatalogDb,
} from '@rendition/catalog';
import { ApiError, invalidParameter, quoteValue, readString, type RawParams } from '@rendition/protocol';
import { canonicalString, parseTransformation, PREDEFINED_STREAMING_PROFILES, predefinedStreamingProfile } from '@rendition/transform';
import { optionValue, TRANSFORMATION_OPTION_NAMES } from './transformation-options.ts';

/**
 * The Admin API's streaming profiles (`cloudinary.v2.api.list_streaming_profiles`, `get_streaming_profile`,
 * `create_streaming_profile`, `update_streaming_profile`, `delete_streaming_profile`): the predefined
 * ladders of `@rendition/transform`, and a cloud's own profiles and overrides of the predefined ones
 * (catalog's `streaming_profiles`). A representation is stored as its canonical transformation string
 * and answered parsed into objects with the SDKs' option names, as Cloudinary answers it.
 */

/** A profile's name: what `sp_<name>` can carry in a URL (no `,`, `/`, `.` or `:`). */
export const STREAMING_PROFILE_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** The most representations one profile may have: each is a rendition a derive job transcodes. */
export const MAX_STREAMING_PROFILE_REPRESENTATIONS = 16;

/** A profile as a request sees it: a custom one, a predefined one, or a predefined one the cloud overrode. */
interface EffectiveProfile {
  name: string;
  displayName: string | null;
  predefined: boolean;
  representations: string[];
}

const notFound = (name: string) => new ApiError(404, `Streaming profile ${quoteValue(name)} not found`);

async function effectiveProfile(db: CatalogDb, cloudName: string, name: string): Promise<EffectiveProfile | undefined> {
  if (!STREAMING_PROFILE_NAME_PATTERN.test(name)) return undefined;
  const builtIn = predefinedStreamingProfile(name);
  const stored = await findStreamingProfile(db, cloudName, name);
  if (stored) {
    return {
      name,
      displayName: stored.displayName ?? builtIn?.displayName ?? null,
      predefined: builtIn !== undefined,
      representations: stored.representations,
    };
  }
  return builtIn && { name, displayName: builtIn.displayName, predefined: true, representations: [...builtIn.representations] };
}

export async function createStreamingProfile(db: CatalogDb, cloudName: string, params: RawParams): Promise<Record<string, unknown>> {
  const name = readString(params, 'name');
  if (name === undefined) throw new ApiError(400, 'Missing required parameter - name');
  if (!STREAMING_PROFILE_NAME_PATTERN.test(name)) {
    throw invalidParameter('name', name, 'a streaming profile name is 1 to 64 letters, digits, _ or -');
  }
  const text = readString(params, 'representations');
  if (text === undefined) throw new ApiError(400, 'Missing required parameter - representations');
  const representations = readRepresentations(text);
  const displayName = readString(params, 'display_name') ?? null;
  const exists = new ApiError(409, `Streaming profile ${name} already exists`);
  if (predefinedStreamingProfile(name)) throw exists;
  if (!(await insertStreamingProfile(db, cloudName, { name, displayName, representations }))) throw exists;
  return { message: 'created', data: profileView({ name, displayName, predefined: false, representations }) };
}

/**
 * Changes what is given of a custom profile; for a predefined one, makes (or changes) the cloud's
 * override of it, which a delete removes again.
 */
export async function updateStreamingProfile(db: CatalogDb, cloudName: string, name: string, params: RawParams): Promise<Record<string, unknown>> {
  const valid = STREAMING_PROFILE_NAME_PATTERN.test(name);
  const builtIn = valid ? predefinedStreamingProfile(name) : undefined;
  const stored = valid ? await findStreamingProfile(db, cloudName, name) : undefined;
  if (!builtIn && !stored) throw notFound(name);
  const text = readString(params, 'representations');
  const givenName = readString(params, 'display_name');
  if (text === undefined && givenName === undefined) throw new ApiError(400, 'Missing required parameter - representations');
  const representations = text === undefined ? (stored?.representations ?? [...(builtIn?.representations ?? [])]) : readRepresentations(text);
  // An override keeps no display name of its own unless one is given: the predefined one shows through.
  const displayName = givenName ?? stored?.displayName ?? null;
  if (builtIn) {
    await saveStreamingProfile(db, cloudName, { name, displayName, representations });
  } else if (!(await replaceStreamingProfile(db, cloudName, { name, displayName, representations }))) {
    throw notFound(name);
  }
  const view = { name, displayName: displayName ?? builtIn?.displayName ?? null, predefined: builtIn !== undefined, representations };
  return { message: 'updated', data: profileView(view) };
}

/**
 * Deletes a custom profile, or reverts a predefined one to its original settings (a predefined
 * profile the cloud never changed is already reverted: that answers `deleted` too).
 */
export async function removeStreamingProfile(db: CatalogDb, cloudName: string, name: string): Promise<Record<string, unknown>> {
  if (!STREAMING_PROFILE_NAME_PATTERN.test(name)) throw notFound(name);
  const deleted = await deleteStreamingProfile(db, cloudName, name);
  if (!deleted && !predefinedStreamingProfile(name)) throw notFound(name);
  return { message: 'deleted' };
}

export async function describeStreamingProfile(db: CatalogDb, cloudName: string, name: string): Promise<Record<string, unknown>> {
  const profile = await effectiveProfile(db, cloudName, name);
  if (!profile) throw notFound(name);
  return { data: profileView(profile) };
}

/** The predefined profiles in their table's order (with the cloud's display names where it overrode one), then the custom ones by name. */
export async function listAllStreamingProfiles(db: CatalogDb, cloudName: string): Promise<Record<string, unknown>> {
  const stored = await listStreamingProfiles(db, cloudName);
  const byName = new Map(stored.map((profile) => [profile.name, profile]));
  const predefined = PREDEFINED_STREAMING_PROFILES.map((profile) => ({
    name: profile.name,
    display_name: byName.get(profile.name)?.displayName ?? profile.displayName,
    predefined: true,
  }));
  const custom = stored
    .filter((profile) => !predefinedStreamingProfile(profile.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((profile) => ({ name: profile.name, display_name: profile.displayName, predefined: false }));
  return { data: [...predefined, ...custom] };
}

// ---------------------------------------------------------------------------------------------
// Representations: what the SDKs send, and what Cloudinary answers.

const REPRESENTATIONS_SHAPE = 'expected a JSON array of {"transformation": "<transformation>"}';

/**
 * The SDKs send `representations` as a JSON string, `[{"transformation":"br_5m,c_limit,h_1200,w_1200"}]`
 * (they turn an object transformation into its string first). Each one is parsed as a URL's would be
 * (a bad one answers the parser's 400) and kept in canonical form.
 */
function readRepresentations(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidParameter('representations', text, REPRESENTATIONS_SHAPE);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw invalidParameter('representations', text, REPRESENTATIONS_SHAPE);
  if (parsed.length > MAX_STREAMING_PROFILE_REPRESENTATIONS) {
    throw invalidParameter('representations', text, `at most ${MAX_STREAMING_PROFILE_REPRESENTATIONS} representations`);
  }
  return parsed.map((item: unknown) => {
    const transformation = typeof item === 'object' && item !== null ? (item as Record<string, unknown>).transformation : undefined;
    if (typeof transformation !== 'string' || transformation.trim() === '') {
      throw invalidParameter('representations', text, REPRESENTATIONS_SHAPE);
    }
    const canonical = canonicalString(parseTransformation(transformation));
    if (canonical === '') throw invalidParameter('representations', text, REPRESENTATIONS_SHAPE);
    return canonical;
  });
}

/** Width and height lead, as in Cloudinary's answers; the rest keep the canonical order. */
const LEADING = ['width', 'height'];

/** One component (`br_5m,c_limit,h_1200,w_1200`) as `{width:1200,height:1200,bit_rate:"5m",crop:"limit"}`. */
function componentObject(component: string): Record<string, string | number> {
  const entries = component.split(',').map((part): [string, string | number] => {
    const separator = part.indexOf('_');
    const key = separator < 0 ? part : part.slice(0, separator);
    const value = separator < 0 ? '' : part.slice(separator + 1);
    return [TRANSFORMATION_OPTION_NAMES[key] ?? key, optionValue(value)];
  });
  const rank = (name: string) => (LEADING.includes(name) ? LEADING.indexOf(name) : LEADING.length);
  return Object.fromEntries(
    entries
      .map((entry, index) => ({ entry, index }))
      .sort((a, b) => rank(a.entry[0]) - rank(b.entry[0]) || a.index - b.index)
      .map(({ entry }) => entry),
  );
}

/** A stored (canonical) representation as Cloudinary answers it: `{transformation: [ {…}, … ]}`, one object per component. */
export function representationView(canonical: string): { transformation: Array<Record<string, string | number>> } {
  return { transformation: canonical.split('/').map(componentObject) };
}

function profileView(profile: EffectiveProfile): Record<string, unknown> {
  return {
    name: profile.name,
    display_name: profile.displayName,
    predefined: profile.predefined,
    representations: profile.representations.map(representationView),
  };
}
