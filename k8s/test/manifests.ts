// What the k8s tests share: the rendered trees, the pods and containers in them, the environment a
// Rendition container gets, and validation against the schemas of kubernetes-models and
// @kubernetes-models/keda (KEDA's CRDs).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { kustomize, objectId, readObjects, type K8sObject } from './kustomize.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const K8S_DIR = join(ROOT, 'k8s');

/** What operators deploy (the overlays) and the layer under them. */
export const TREES = { base: 'k8s/base', dev: 'k8s/overlays/dev', production: 'k8s/overlays/production' } as const;
export type TreeName = keyof typeof TREES;

export function render(tree: TreeName): K8sObject[] {
  return kustomize(join(ROOT, TREES[tree]));
}

/** Secrets an overlay leaves to the operator (production never applies credentials): the examples of their shape. */
export const EXAMPLE_SECRETS: Partial<Record<TreeName, string>> = { production: 'k8s/overlays/production/secrets.example.yaml' };

/** The rendered tree plus the Secrets the operator creates next to it: what the pods see once deployed. */
export function deployed(tree: TreeName): K8sObject[] {
  const examples = EXAMPLE_SECRETS[tree];
  return [...render(tree), ...(examples ? readObjects(join(ROOT, examples)) : [])];
}

export type Env = Record<string, string>;

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: Array<{
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
  }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string }; prefix?: string }>;
  ports?: Array<{ name?: string; containerPort: number; protocol?: string }>;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    runAsNonRoot?: boolean;
    capabilities?: { drop?: string[] };
  };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number }; exec?: unknown; httpGet?: unknown } };
}

export interface Probe {
  httpGet?: { path: string; port: number | string };
  exec?: { command: string[] };
  tcpSocket?: { port: number | string };
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Array<{ name: string; emptyDir?: { sizeLimit?: string; medium?: string } }>;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; runAsGroup?: number; fsGroup?: number };
  terminationGracePeriodSeconds?: number;
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
}

export const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'Job']);

export function isWorkload(object: K8sObject): boolean {
  return WORKLOAD_KINDS.has(object.kind);
}

export function podTemplate(object: K8sObject): { metadata?: { labels?: Record<string, string> }; spec: PodSpec } {
  const spec = object.spec as { template?: { metadata?: { labels?: Record<string, string> }; spec: PodSpec } } | undefined;
  if (!spec?.template) throw new Error(`${objectId(object)} has no pod template`);
  return spec.template;
}

export function podLabels(object: K8sObject): Record<string, string> {
  return podTemplate(object).metadata?.labels ?? {};
}

/** A pod of Rendition's own image (API, workers, migration), as opposed to the dev overlay's services. */
export function isRenditionWorkload(object: K8sObject): boolean {
  return isWorkload(object) && podLabels(object)['app.kubernetes.io/name'] === 'rendition';
}

export function component(object: K8sObject): string {
  return podLabels(object)['app.kubernetes.io/component'] ?? '';
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((object) => object.kind === kind && object.metadata.name === name);
}

export function get(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = find(objects, kind, name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
}

export function ofKind(objects: K8sObject[], kind: string): K8sObject[] {
  return objects.filter((object) => object.kind === kind);
}

/** A Secret's values: stringData over base64 data, as the API server merges them. */
export function secretValues(secret: K8sObject): Env {
  const data = (secret.data ?? {}) as Env;
  const decoded = Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
  return { ...decoded, ...((secret.stringData ?? {}) as Env) };
}

export function configMapValues(configMap: K8sObject): Env {
  return { ...((configMap.data ?? {}) as Env) };
}

/** Where each variable of a container comes from, for the messages of the checks. */
export interface ResolvedEnv {
  env: Env;
  sources: Record<string, string>;
}

/** The environment the container's process sees: envFrom in order, then env (which wins), as the kubelet builds it. */
export function containerEnv(objects: K8sObject[], container: Container): ResolvedEnv {
  const env: Env = {};
  const sources: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    if (from.prefix) throw new Error(`container ${container.name}: envFrom with a prefix`);
    const [kind, name] = from.configMapRef ? ['ConfigMap', from.configMapRef.name] : ['Secret', from.secretRef?.name ?? ''];
    const source = get(objects, kind, name);
    const values = kind === 'ConfigMap' ? configMapValues(source) : secretValues(source);
    for (const [key, value] of Object.entries(values)) {
      env[key] = value;
      sources[key] = `${kind} ${name}`;
    }
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) {
      env[variable.name] = variable.value;
    } else if (variable.valueFrom?.secretKeyRef) {
      const { name, key } = variable.valueFrom.secretKeyRef;
      const value = secretValues(get(objects, 'Secret', name))[key];
      if (value === undefined) throw new Error(`container ${container.name}: ${variable.name} names the missing key ${key} of Secret ${name}`);
      env[variable.name] = value;
    } else if (variable.valueFrom?.configMapKeyRef) {
      const { name, key } = variable.valueFrom.configMapKeyRef;
      const value = configMapValues(get(objects, 'ConfigMap', name))[key];
      if (value === undefined) throw new Error(`container ${container.name}: ${variable.name} names the missing key ${key} of ConfigMap ${name}`);
      env[variable.name] = value;
    } else {
      env[variable.name] = '';
    }
    sources[variable.name] = 'env';
  }
  return { env, sources };
}

/** A Kubernetes quantity in base units (cores, bytes). */
export function quantity(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(value);
  if (!match) throw new Error(`unreadable quantity ${value}`);
  const factors: Record<string, number> = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
  return Number(match[1]) * (match[2] ? factors[match[2]]! : 1);
}

function groupVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The module of the model for an object: kubernetes-models for Kubernetes' own kinds, @kubernetes-models/keda for KEDA's. */
export function modelModule(object: K8sObject): string {
  const { group, version } = groupVersion(object.apiVersion);
  if (group === 'keda.sh') return `@kubernetes-models/keda/keda.sh/${version}/${object.kind}`;
  return group === '' ? `kubernetes-models/${version}/${object.kind}` : `kubernetes-models/${group}/${version}/${object.kind}`;
}

interface ModelClass {
  new (data: unknown): { validate(): void };
}

/** Validates one object against its JSON schema (the OpenAPI schema of Kubernetes, or KEDA's CRD). Throws with the errors. */
export async function validateWithSchema(object: K8sObject): Promise<void> {
  const specifier = modelModule(object);
  const module = (await import(specifier).catch((error: unknown) => {
    throw new Error(`${objectId(object)}: no schema for ${object.apiVersion} ${object.kind} (${specifier}): ${String(error)}`);
  })) as Record<string, ModelClass>;
  const Model = module[object.kind];
  if (!Model) throw new Error(`${specifier} exports no ${object.kind}`);
  try {
    new Model(object).validate();
  } catch (error) {
    throw new Error(`${objectId(object)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/**
 * Fields the schemas do not know. The generated validators accept unknown properties (the schemas have
 * no additionalProperties: false) while the API server's strict field validation refuses them, so each
 * object is also checked as an object literal against the models' TypeScript interfaces: TypeScript's
 * excess-property check names every field that is not in the schema, at any depth.
 */
export function unknownFields(objects: K8sObject[]): string[] {
  const specifiers = [...new Set(objects.map(modelModule))];
  const alias = (specifier: string) => `T${specifiers.indexOf(specifier)}`;
  const lines = specifiers.map((specifier) => {
    const kind = specifier.slice(specifier.lastIndexOf('/') + 1);
    return `import type { I${kind} as ${alias(specifier)} } from '${specifier}';`;
  });
  const firstObjectLine = lines.length;
  for (const [index, object] of objects.entries()) {
    lines.push(`export const o${index} = ${JSON.stringify(object)} satisfies ${alias(modelModule(object))};`);
  }
  const source = lines.join('\n');
  const fileName = join(K8S_DIR, 'test', '__rendered-manifests__.ts');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
    lib: ['lib.es2022.d.ts'],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (name, languageVersion, ...rest) =>
    name === fileName ? ts.createSourceFile(name, source, languageVersion, true) : getSourceFile(name, languageVersion, ...rest);
  host.fileExists = (name) => name === fileName || fileExists(name);
  host.readFile = (name) => (name === fileName ? source : readFile(name));
  const program = ts.createProgram([fileName], options, host);
  const file = program.getSourceFile(fileName);
  return ts.getPreEmitDiagnostics(program, file).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (!diagnostic.file || diagnostic.start === undefined) return message;
    const line = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line;
    const object = objects[line - firstObjectLine];
    return `${object ? objectId(object) : `line ${line}`}: ${message}`;
  });
}

/** Whether kubectl (with its built-in kustomize) is installed, for the comparison with the offline assembler. */
export function kubectlPath(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = join(dir, 'kubectl');
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}
