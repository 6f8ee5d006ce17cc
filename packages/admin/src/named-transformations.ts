import {
  deleteNamedTransformation,
  findImplicitTransformation,
  findNamedTransformationRecord,
  forgetImplicitTransformation,
  listDerivedOfTransformation,
  listTransformations,
  saveNamedTransformationRecord,
  setImplicitAllowedForStrict,
  type CatalogDb,
} from '@rendition/catalog';
import { ApiError, assetUrls, readBoolean, readString, type RawParams } from '@rendition/protocol';
import { canonicalString, parseTransformation, transformationInfo } from '@rendition/transform';
import { derivedId, urlOptions, type AdminCaller, type AdminReadDependencies, type Json } from './resource-items.ts';
import { encodeNameCursor, maxResultsParameter, nameCursorParameter } from './listing-params.ts';

// The Admin API's `transformations` endpoints (docs/compatibility.md "Named and implicit transformations"):
// named transformations (`t_<name>` in URLs and eager lists) and implicit ones, the canonical texts the
// cloud's derivatives were made with. `transformation=` names either: a stored name first, else a text.

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Deletes derivatives by their Admin API ids (at most 100 a call): the route wires the Admin delete in. */
export type DeleteDerivatives = (derivedIds: string[]) => Promise<void>;

function checkedName(name: string | undefined): string {
  if (!name) throw new ApiError(400, 'Missing required parameter - name');
  const bare = name.replace(/^t_/, '');
  if (!NAME.test(bare)) throw new ApiError(400, `Invalid transformation name ${name}`);
  return bare;
}

function required(text: string | undefined): string {
  if (!text) throw new ApiError(400, 'Missing required parameter - transformation');
  return text;
}

/**
 * A definition's trailing output extension, as an eager item writes it: `c_scale,w_102/` → ''
 * (Cloudinary's `extension: 'none'`), `w_100/jpg` → 'jpg'; null when it names none.
 */
function splitExtension(text: string): { transformation: string; extension: string | null } {
  const cut = text.lastIndexOf('/');
  if (cut < 0) return { transformation: text, extension: null };
  const last = text.slice(cut + 1);
  if (last === '' || /^[a-z0-9]+$/i.test(last)) return { transformation: text.slice(0, cut), extension: last };
  return { transformation: text, extension: null };
}

function canonicalDefinition(definition: string | undefined): { transformation: string; extension: string | null } {
  const { transformation, extension } = splitExtension(required(definition));
  if (transformation === '') throw new ApiError(400, 'Missing required parameter - transformation');
  return { transformation: canonicalString(parseTransformation(transformation)), extension };
}

/** A `transformation=` that is no stored name: its canonical text, or a 404 when it is a name-like word that parses as none. */
function implicitText(text: string): string {
  const { transformation } = splitExtension(text);
  try {
    return canonicalString(parseTransformation(transformation));
  } catch (error) {
    if (NAME.test(text.replace(/^t_/, ''))) throw new ApiError(404, `Transformation ${text.replace(/^t_/, '')} not found`);
    throw error;
  }
}

/** The stored named transformation `text` names (`name` or `t_name`), if any. */
async function namedOf(db: CatalogDb, cloudName: string, text: string) {
  const bare = text.replace(/^t_/, '');
  return NAME.test(bare) ? findNamedTransformationRecord(db, cloudName, bare) : undefined;
}

export async function createNamedTransformation(db: CatalogDb, cloudName: string, params: RawParams) {
  const bare = checkedName(readString(params, 'name'));
  if (await findNamedTransformationRecord(db, cloudName, bare)) throw new ApiError(409, `Transformation ${bare} already exists`);
  const definition = canonicalDefinition(readString(params, 'transformation'));
  await saveNamedTransformationRecord(db, cloudName, { name: bare, ...definition, allowedForStrict: readBoolean(params, 'allowed_for_strict', true) });
  return { message: 'created' };
}

/** `update_transformation`: `unsafe_update` redefines a named one; `allowed_for_strict` sets the flag of either kind. */
export async function updateTransformation(db: CatalogDb, cloudName: string, params: RawParams) {
  const text = required(readString(params, 'transformation'));
  const unsafe = readString(params, 'unsafe_update');
  const allowed = readString(params, 'allowed_for_strict') === undefined ? undefined : readBoolean(params, 'allowed_for_strict', false);
  const named = await namedOf(db, cloudName, text);
  if (named) {
    if (unsafe === undefined && allowed === undefined) throw new ApiError(400, 'Missing required parameter - unsafe_update or allowed_for_strict');
    await saveNamedTransformationRecord(db, cloudName, {
      name: named.name,
      ...(unsafe === undefined ? {} : canonicalDefinition(unsafe)),
      ...(allowed === undefined ? {} : { allowedForStrict: allowed }),
    });
    return { message: 'updated' };
  }
  const canonical = implicitText(text);
  if (unsafe !== undefined) throw new ApiError(400, `unsafe_update applies to named transformations only, not ${text}`);
  if (allowed === undefined) throw new ApiError(400, 'Missing required parameter - allowed_for_strict');
  await setImplicitAllowedForStrict(db, cloudName, canonical, allowed);
  return { message: 'updated' };
}

/** `delete_transformation`: a named one is forgotten; an implicit one loses its derivatives and its setting. */
export async function removeTransformation(db: CatalogDb, cloudName: string, params: RawParams, deleteDerivatives: DeleteDerivatives) {
  const text = required(readString(params, 'transformation'));
  const named = await namedOf(db, cloudName, text);
  if (named) {
    await deleteNamedTransformation(db, cloudName, named.name);
    return { message: 'deleted' };
  }
  const canonical = implicitText(text);
  const forgotten = await forgetImplicitTransformation(db, cloudName, canonical);
  let deleted = 0;
  for (;;) {
    const page = await listDerivedOfTransformation(db, cloudName, canonical, { limit: 100 });
    if (page.length === 0) break;
    await deleteDerivatives(page.map(({ derived }) => derivedId(derived)));
    deleted += page.length;
    // A short page was the last; a full page the delete could not remove must not loop forever.
    if (page.length < 100 || deleted > 100_000) break;
  }
  if (!forgotten && deleted === 0) throw new ApiError(404, `Transformation ${text} not found`);
  return { message: 'deleted' };
}

/** `transformation(name or text)`: its metadata; an implicit one lists its derivatives (`max_results`, `next_cursor`). */
export async function describeTransformation(deps: AdminReadDependencies, caller: AdminCaller, params: RawParams): Promise<Json> {
  const text = required(readString(params, 'transformation'));
  const named = await namedOf(deps.db, caller.cloudName, text);
  if (named) {
    return {
      name: `t_${named.name}`,
      allowed_for_strict: named.allowedForStrict,
      used: false,
      named: true,
      info: transformationInfo(named.transformation, named.extension),
      derived: [],
    };
  }
  const canonical = implicitText(text);
  const state = await findImplicitTransformation(deps.db, caller.cloudName, canonical);
  if (!state.used && state.allowedForStrict === undefined) throw new ApiError(404, `Transformation ${text} not found`);
  const limit = maxResultsParameter(params);
  const after = derivedCursor(nameCursorParameter(params));
  const page = await listDerivedOfTransformation(deps.db, caller.cloudName, canonical, { limit: limit + 1, ...(after ? { after } : {}) });
  const items = page.slice(0, limit);
  const last = page.length > limit ? items.at(-1) : undefined;
  return {
    name: canonical,
    allowed_for_strict: state.allowedForStrict ?? false,
    used: state.used,
    named: false,
    info: transformationInfo(canonical),
    derived: items.map(({ asset, derived }) => ({
      public_id: asset.publicId,
      resource_type: asset.resourceType,
      type: asset.type,
      format: derived.format,
      bytes: derived.bytes,
      id: derivedId(derived),
      ...assetUrls({ ...asset, format: derived.format }, urlOptions(deps, caller), derived.transformation),
    })),
    ...(last ? { next_cursor: encodeNameCursor(`${last.derived.assetId}\n${last.derived.format}`) } : {}),
  };
}

function derivedCursor(text: string | undefined): { assetId: string; format: string } | undefined {
  if (text === undefined) return undefined;
  const [assetId = '', format = ''] = text.split('\n');
  if (!/^[0-9a-f-]{1,64}$/i.test(assetId) || !/^[a-z0-9]{0,16}$/i.test(format)) throw new ApiError(400, 'Invalid next_cursor');
  return { assetId, format };
}

/** `transformations`: named and implicit ones by name (`named=true|false` keeps one kind), `max_results`, `next_cursor`. */
export async function listTransformationsPage(db: CatalogDb, cloudName: string, params: RawParams): Promise<Json> {
  const limit = maxResultsParameter(params);
  const after = nameCursorParameter(params);
  const namedText = readString(params, 'named');
  const named = namedText === undefined ? undefined : readBoolean(params, 'named', false);
  const rows = await listTransformations(db, cloudName, {
    limit: limit + 1,
    ...(after === undefined ? {} : { after }),
    ...(named === undefined ? {} : { named }),
  });
  const items = rows.slice(0, limit);
  const last = rows.length > limit ? items.at(-1) : undefined;
  return {
    transformations: items.map((row) => ({ name: row.name, allowed_for_strict: row.allowedForStrict, used: row.used, named: row.named })),
    ...(last ? { next_cursor: encodeNameCursor(last.name) } : {}),
  };
}
