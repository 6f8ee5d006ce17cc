// A small, offline kustomize: renders k8s/base and the overlays for the tests without a kustomize binary.
// It implements only the forms the manifests use, and refuses anything else, so an overlay that grows a
// field it does not know fails loudly instead of rendering differently from `kubectl kustomize`:
//
//   resources   files (one or more YAML documents) and directories holding a kustomization.yaml
//   namespace   set on every namespaced object; a Namespace object is renamed to it (as kustomize does)
//   images      name → newName / newTag / digest, on every container and init container
//   patches     `path:` files of strategic-merge documents (several per file), applied to the object of
//               the same kind and name, or with `target:` (kind, name as an anchored regex, group,
//               version) to every object it matches; a document with a top-level `$patch: delete`
//               removes the object (one per file: kustomize 5.5 crashes on several); JSON 6902 patches
//               (a YAML list of operations: add, replace, remove) need a target
//
// Strategic merge follows Kubernetes' patch strategies for the lists the manifests patch (containers
// and env by name, volumeMounts by mountPath, ports by containerPort/port, …): items of the patch come
// first, merged with the original of the same key, then the originals the patch does not name, which is
// the order kustomize (kyaml) produces. Objects of other API groups (keda.sh) are merged as JSON merge
// patches: lists are replaced. manifests.test.ts compares the result with `kubectl kustomize` where
// kubectl is installed.
import { readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface PatchTarget {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
}

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  resources?: string[];
  namespace?: string;
  images?: Array<{ name: string; newName?: string; newTag?: string; digest?: string }>;
  patches?: Array<{ path: string; target?: PatchTarget }>;
}

const KUSTOMIZATION_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'images', 'patches']);
const TARGET_FIELDS = new Set(['group', 'version', 'kind', 'name']);
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
]);

/** API groups whose objects take Kubernetes' strategic merge (their lists have merge keys); others take JSON merge. */
const STRATEGIC_GROUPS = new Set(['', 'apps', 'batch', 'autoscaling', 'policy', 'networking.k8s.io', 'rbac.authorization.k8s.io']);

/** The merge key of the lists the manifests patch (Kubernetes' patchMergeKey); a list not named here is replaced. */
const MERGE_KEYS: Record<string, (item: JsonObject) => string> = {
  containers: () => 'name',
  initContainers: () => 'name',
  env: () => 'name',
  volumes: () => 'name',
  volumeMounts: () => 'mountPath',
  imagePullSecrets: () => 'name',
  topologySpreadConstraints: () => 'topologyKey',
  // A container's ports merge on containerPort, a Service's on port.
  ports: (item) => ('containerPort' in item ? 'containerPort' : 'port'),
};

/** Renders the kustomization in `dir` (a folder holding kustomization.yaml). */
export function kustomize(dir: string): K8sObject[] {
  const file = join(dir, 'kustomization.yaml');
  const kustomization = readYaml(file)[0] as Kustomization | undefined;
  if (!kustomization || typeof kustomization !== 'object') throw new Error(`${file}: empty kustomization`);
  for (const field of Object.keys(kustomization)) {
    if (!KUSTOMIZATION_FIELDS.has(field)) throw new Error(`${file}: \`${field}\` is not supported by the offline assembler (k8s/test/kustomize.ts)`);
  }

  let objects: K8sObject[] = [];
  for (const entry of kustomization.resources ?? []) {
    const path = resolve(dir, entry);
    objects.push(...(statSync(path).isDirectory() ? kustomize(path) : readObjects(path)));
  }
  assertUnique(objects, file);

  for (const patch of kustomization.patches ?? []) {
    const path = resolve(dir, patch.path);
    if (patch.target) {
      for (const field of Object.keys(patch.target)) {
        if (!TARGET_FIELDS.has(field)) throw new Error(`${file}: patch target field \`${field}\` is not supported`);
      }
    }
    for (const document of readYaml(path)) objects = applyPatch(objects, document, patch.target, relative(dir, path));
  }

  if (kustomization.namespace !== undefined) {
    const namespace = kustomization.namespace;
    objects = objects.map((object) => {
      if (object.kind === 'Namespace') return { ...object, metadata: { ...object.metadata, name: namespace } };
      if (CLUSTER_SCOPED.has(object.kind)) return object;
      return { ...object, metadata: { ...object.metadata, namespace } };
    });
  }

  for (const image of kustomization.images ?? []) objects = objects.map((object) => setImage(object, image) as K8sObject);
  assertUnique(objects, file);
  return objects;
}

/** Every YAML document of a file, as plain data (null documents dropped). */
export function readYaml(path: string): unknown[] {
  const documents = parseAllDocuments(readFileSync(path, 'utf8'));
  const list = Array.isArray(documents) ? documents : [documents];
  return list.flatMap((document) => {
    if (document.errors.length > 0) throw new Error(`${path}: ${document.errors.map((error) => error.message).join('; ')}`);
    const value: unknown = document.toJS();
    return value === null || value === undefined ? [] : [value];
  });
}

export function readObjects(path: string): K8sObject[] {
  return readYaml(path).map((value) => {
    const object = value as Partial<K8sObject>;
    if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string' || typeof object.metadata?.name !== 'string') {
      throw new Error(`${path}: a document without apiVersion, kind and metadata.name`);
    }
    return object as K8sObject;
  });
}

export function objectId(object: K8sObject): string {
  return `${object.apiVersion}/${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

function assertUnique(objects: K8sObject[], where: string): void {
  const seen = new Set<string>();
  for (const object of objects) {
    const id = objectId(object);
    if (seen.has(id)) throw new Error(`${where}: ${id} is defined twice`);
    seen.add(id);
  }
}

function groupVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function matchesTarget(object: K8sObject, target: PatchTarget): boolean {
  const { group, version } = groupVersion(object.apiVersion);
  if (target.kind !== undefined && target.kind !== object.kind) return false;
  if (target.group !== undefined && target.group !== group) return false;
  if (target.version !== undefined && target.version !== version) return false;
  if (target.name !== undefined && !new RegExp(`^(?:${target.name})$`).test(object.metadata.name)) return false;
  return true;
}

function applyPatch(objects: K8sObject[], document: unknown, target: PatchTarget | undefined, where: string): K8sObject[] {
  if (Array.isArray(document)) {
    if (!target) throw new Error(`${where}: a JSON 6902 patch needs a target`);
    const matched = objects.filter((object) => matchesTarget(object, target));
    if (matched.length === 0) throw new Error(`${where}: the target matches no object`);
    return objects.map((object) => (matched.includes(object) ? (applyJson6902(object, document as JsonObject[], where) as K8sObject) : object));
  }
  const patch = document as K8sObject;
  const matched = target
    ? objects.filter((object) => matchesTarget(object, target))
    : objects.filter((object) => object.kind === patch.kind && object.apiVersion === patch.apiVersion && object.metadata.name === patch.metadata?.name);
  if (matched.length === 0) throw new Error(`${where}: no object matches the patch of ${patch.kind} ${patch.metadata?.name}`);
  const directive = (patch as unknown as JsonObject).$patch;
  if (directive !== undefined) {
    if (directive !== 'delete') throw new Error(`${where}: $patch: ${String(directive)} is not supported`);
    return objects.filter((object) => !matched.includes(object));
  }
  return objects.map((object) => {
    if (!matched.includes(object)) return object;
    const strategic = STRATEGIC_GROUPS.has(groupVersion(object.apiVersion).group);
    // With a target the patch's own name is ignored: the object keeps its name (and kind).
    const body = { ...(patch as unknown as JsonObject), metadata: { ...(patch.metadata as unknown as JsonObject), name: object.metadata.name } };
    return merge(object as unknown as Json, body, strategic, undefined, where) as unknown as K8sObject;
  });
}

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

function merge(original: Json | undefined, patch: Json, strategic: boolean, field: string | undefined, where: string): Json {
  if (isObject(patch)) {
    const base: JsonObject = isObject(original) ? { ...original } : {};
    for (const [key, value] of Object.entries(patch)) {
      if (key.startsWith('$')) throw new Error(`${where}: the patch directive ${key} is not supported`);
      if (value === null) delete base[key];
      else base[key] = merge(base[key], value, strategic, key, where);
    }
    return base;
  }
  if (Array.isArray(patch) && strategic && field !== undefined && MERGE_KEYS[field] && Array.isArray(original)) {
    const keyOf = (item: Json): string => {
      if (!isObject(item)) throw new Error(`${where}: ${field} holds a non-object`);
      return MERGE_KEYS[field]!(item);
    };
    const used = new Set<Json>();
    const merged = patch.map((item) => {
      const key = keyOf(item);
      const match = original.find((candidate) => isObject(candidate) && isObject(item) && candidate[key] === item[key]);
      if (match === undefined) return item;
      used.add(match);
      return merge(match, item, strategic, undefined, where);
    });
    return [...merged, ...original.filter((item) => !used.has(item))];
  }
  return patch;
}

function applyJson6902(object: K8sObject, operations: JsonObject[], where: string): Json {
  const document = structuredClone(object) as unknown as Json;
  for (const operation of operations) {
    const { op, path, value } = operation;
    if (typeof path !== 'string' || !path.startsWith('/')) throw new Error(`${where}: bad path ${JSON.stringify(path)}`);
    const tokens = path
      .slice(1)
      .split('/')
      .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = tokens.pop()!;
    let parent: Json = document;
    for (const token of tokens) {
      const next: Json | undefined = Array.isArray(parent) ? parent[Number(token)] : isObject(parent) ? parent[token] : undefined;
      if (next === undefined) throw new Error(`${where}: ${path} does not exist`);
      parent = next;
    }
    if (op === 'add' || op === 'replace') {
      if (value === undefined) throw new Error(`${where}: ${op} ${path} without a value`);
      if (Array.isArray(parent)) {
        const index = last === '-' ? parent.length : Number(last);
        if (op === 'add') parent.splice(index, 0, value);
        else parent[index] = value;
      } else if (isObject(parent)) {
        if (op === 'replace' && !(last in parent)) throw new Error(`${where}: replace ${path}: no such member`);
        parent[last] = value;
      } else throw new Error(`${where}: ${path}: the parent is a scalar`);
    } else if (op === 'remove') {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else if (isObject(parent) && last in parent) delete parent[last];
      else throw new Error(`${where}: remove ${path}: no such member`);
    } else {
      throw new Error(`${where}: the JSON 6902 operation ${String(op)} is not supported`);
    }
  }
  return document;
}

/** name[:tag][@digest], where a colon before the last slash belongs to a registry's port. */
function parseImage(reference: string): { name: string; tag?: string; digest?: string } {
  const [withTag = '', digest] = reference.split('@');
  const colon = withTag.lastIndexOf(':');
  const tagged = colon > withTag.lastIndexOf('/');
  return {
    name: tagged ? withTag.slice(0, colon) : withTag,
    ...(tagged ? { tag: withTag.slice(colon + 1) } : {}),
    ...(digest ? { digest } : {}),
  };
}

function setImage(value: unknown, image: { name: string; newName?: string; newTag?: string; digest?: string }): unknown {
  if (Array.isArray(value)) return value.map((item) => setImage(item, image));
  if (!isObject(value)) return value;
  const result: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if ((key === 'containers' || key === 'initContainers') && Array.isArray(child)) {
      result[key] = child.map((container) => {
        if (!isObject(container) || typeof container.image !== 'string') return container;
        const current = parseImage(container.image);
        if (current.name !== image.name) return container;
        const name = image.newName ?? current.name;
        const digest = image.digest ?? (image.newTag === undefined ? current.digest : undefined);
        const tag = image.digest === undefined ? (image.newTag ?? current.tag) : undefined;
        return { ...container, image: `${name}${tag === undefined ? '' : `:${tag}`}${digest === undefined ? '' : `@${digest}`}` };
      });
    } else {
      result[key] = setImage(child, image) as Json;
    }
  }
  return result;
}
