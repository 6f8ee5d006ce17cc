import {
  deleteNamedTransformation,
  findNamedTransformation,
  listNamedTransformations,
  saveNamedTransformation,
  type CatalogDb,
} from '@rendition/catalog';
import { ApiError } from '@rendition/protocol';
import { canonicalString, parseTransformation } from '@rendition/transform';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

function checkedName(name: string | undefined): string {
  if (!name) throw new ApiError(400, 'Missing required parameter - name');
  const bare = name.replace(/^t_/, '');
  if (!NAME.test(bare)) throw new ApiError(400, `Invalid transformation name ${name}`);
  return bare;
}

/** Admin API `transformations`: named transformations, used in URLs and eager lists as `t_<name>`. */
export async function createNamedTransformation(db: CatalogDb, cloudName: string, name: string | undefined, definition: string | undefined) {
  const bare = checkedName(name);
  if (await findNamedTransformation(db, cloudName, bare)) throw new ApiError(409, `Transformation ${bare} already exists`);
  await saveNamedTransformation(db, cloudName, bare, validDefinition(definition));
  return { message: 'created' };
}

export async function updateNamedTransformation(db: CatalogDb, cloudName: string, name: string | undefined, definition: string | undefined) {
  const bare = checkedName(name);
  if (!(await findNamedTransformation(db, cloudName, bare))) throw new ApiError(404, `Transformation ${bare} not found`);
  await saveNamedTransformation(db, cloudName, bare, validDefinition(definition));
  return { message: 'updated' };
}

export async function removeNamedTransformation(db: CatalogDb, cloudName: string, name: string | undefined) {
  const bare = checkedName(name);
  if (!(await deleteNamedTransformation(db, cloudName, bare))) throw new ApiError(404, `Transformation ${bare} not found`);
  return { message: 'deleted' };
}

export async function describeNamedTransformation(db: CatalogDb, cloudName: string, name: string | undefined) {
  const bare = checkedName(name);
  const definition = await findNamedTransformation(db, cloudName, bare);
  if (definition === undefined) throw new ApiError(404, `Transformation ${bare} not found`);
  return { name: `t_${bare}`, allowed_for_strict: false, used: false, named: true, info: [definition] };
}

export async function listNamed(db: CatalogDb, cloudName: string) {
  const rows = await listNamedTransformations(db, cloudName);
  return { transformations: rows.map((row) => ({ name: `t_${row.name}`, allowed_for_strict: false, used: false, named: true })) };
}

function validDefinition(definition: string | undefined): string {
  if (!definition) throw new ApiError(400, 'Missing required parameter - transformation');
  return canonicalString(parseTransformation(definition));
}
