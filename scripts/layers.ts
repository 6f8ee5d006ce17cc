// The architecture's layers, written once (docs/ARCHITECTURE "Layout" and its dependency rules).
// eslint.config.js turns this map into import rules; scripts/check-workspace-deps.ts checks that every
// workspace is listed here. A workspace is named by its folder: packages/<name> or apps/<name>, whose
// package name is @rendition/<name>. Names listed here that do not exist (yet) cost nothing.
//
//   apps → domain packages → adapters → pure packages; pure packages do no I/O.
//   API side (apps/api and the domain packages it calls) never loads a media library: it imports
//   no worker-side workspace (media, ingest, derive, apps/worker) and no media module (sharp, ...).
//   A package never imports an app; only cli imports api and worker.
//   @rendition/testing is test-only. Test files, bench/, scripts/ and e2e/ may import anything.

export type Layer = 'pure' | 'adapter' | 'domain' | 'app' | 'test-support';
export type Side = 'api' | 'worker';

export interface Workspace {
  readonly layer: Layer;
  /** 'api': must not import worker-side workspaces nor media modules; 'worker': only worker-side code may import it. */
  readonly side?: Side;
  /** Workspaces this one may import beyond what its layer allows. */
  readonly alsoImports?: readonly string[];
  readonly note?: string;
}

export const WORKSPACES: Readonly<Record<string, Workspace>> = {
  // pure: Cloudinary's wire format and the transformation language; no I/O, nothing of ours but each other
  protocol: { layer: 'pure' },
  transform: { layer: 'pure', alsoImports: ['protocol'] },

  // adapters: one outside system each; import pure packages, config and logging, never each other
  config: { layer: 'adapter' },
  logging: { layer: 'adapter' },
  metrics: { layer: 'adapter', note: 'Prometheus instruments (prom-client); shared like logging so any package may record' },
  catalog: { layer: 'adapter' },
  storage: { layer: 'adapter' },
  net: { layer: 'adapter' },
  media: { layer: 'adapter', side: 'worker' },
  scripting: { layer: 'adapter', side: 'worker', note: 'eval and on_success in a QuickJS sandbox' },
  scratch: { layer: 'adapter' },
  classifiers: { layer: 'adapter', side: 'worker', note: 'moderation models (nsfwjs on TensorFlow.js WASM), behind ImageClassifier' },
  jobs: { layer: 'adapter', alsoImports: ['catalog'], note: 'the outbox relay reads the catalog' },

  // domain: services; import adapters, pure packages and each other
  webhooks: { layer: 'domain', side: 'api' },
  batches: { layer: 'domain', side: 'api' },
  intake: { layer: 'domain', side: 'api' },
  derivations: { layer: 'domain', side: 'api' },
  assets: { layer: 'domain', side: 'api' },
  admin: { layer: 'domain', side: 'api' },
  archives: { layer: 'domain', side: 'api', note: 'generate_archive: selection, the archive job (streams storage to storage; no media library)' },
  ingest: { layer: 'domain', side: 'worker' },
  derive: { layer: 'domain', side: 'worker' },
  convert: { layer: 'domain', side: 'worker', note: 'raw_convert: extract_text and office-to-PDF jobs' },
  moderate: { layer: 'domain', side: 'worker', note: 'moderation jobs: duplicate detection and the classifier' },

  // apps: composition roots
  api: { layer: 'app', side: 'api' },
  worker: { layer: 'app', side: 'worker' },
  cli: { layer: 'app', alsoImports: ['api', 'worker'] },

  // test helpers: imported by test files only; may themselves import any package (not apps) and any module
  testing: { layer: 'test-support' },
};

/** Which layers each layer may import (besides itself where listed, and `alsoImports`). */
export const LAYER_MAY_IMPORT: Readonly<Record<Layer, readonly Layer[]>> = {
  pure: [],
  adapter: ['pure'],
  domain: ['pure', 'adapter', 'domain'],
  app: ['pure', 'adapter', 'domain'],
  'test-support': ['pure', 'adapter', 'domain'],
};

/** Adapters every adapter may import. */
export const SHARED_ADAPTERS: readonly string[] = ['config', 'logging', 'metrics'];

/**
 * Third-party and built-in modules only some workspaces may import. A trailing `/*` is a whole scope;
 * `kysely` also covers `kysely/migration`; `node:fs` also covers `fs` and `node:fs/promises`.
 */
export const OWNED_MODULES: readonly { readonly modules: readonly string[]; readonly owners: readonly string[]; readonly why: string }[] = [
  {
    modules: ['sharp', 'fluent-ffmpeg', 'pdfjs-dist', '@napi-rs/*'],
    owners: ['media'],
    why: 'only @rendition/media wraps media libraries (the API process must never load libvips)',
  },
  { modules: ['exifr'], owners: ['media'], why: 'only @rendition/media reads image metadata' },
  {
    modules: ['@tensorflow/*', 'nsfwjs'],
    owners: ['classifiers'],
    why: 'only @rendition/classifiers loads a model (the API process must never load TensorFlow.js)',
  },
  {
    modules: ['quickjs-emscripten', 'quickjs-emscripten-core', '@jitl/*'],
    owners: ['scripting'],
    why: 'only @rendition/scripting runs user scripts (eval, on_success), in its sandbox',
  },
  { modules: ['@aws-sdk/*'], owners: ['storage'], why: 'only @rendition/storage talks to S3' },
  { modules: ['yazl', 'tar-stream'], owners: ['archives'], why: 'only @rendition/archives writes archives' },
  { modules: ['pg', 'kysely'], owners: ['catalog'], why: 'only @rendition/catalog talks SQL' },
  {
    modules: ['rate-limiter-flexible'],
    owners: ['api'],
    why: 'only the API counts requests against rate limits (apps/api/src/rate-limits, in Redis, shared by every replica)',
  },
  {
    modules: ['@bull-board/*'],
    owners: ['api'],
    why: 'only @rendition/api serves the queue dashboard (/admin/queues, behind the operator credentials)',
  },
];

/** Modules that do I/O: pure packages import none of them. */
export const IO_MODULES: readonly string[] = [
  'node:fs',
  'node:net',
  'node:http',
  'node:https',
  'node:http2',
  'node:child_process',
  'node:dns',
  'node:tls',
  'node:dgram',
  'pg',
  'kysely',
  'ioredis',
  'bullmq',
  'sharp',
  'undici',
  '@aws-sdk/*',
  'fastify',
  '@fastify/*',
];

/** Files that are tests, benchmarks or tooling: they may import anything and read process.env. */
export const TEST_AND_TOOLING_FILES: readonly string[] = [
  '**/*.test.ts',
  '**/test/**',
  'e2e/**',
  'bench/**',
  'scripts/**',
  '**/scripts/**',
  '*.config.ts',
  '*.config.js',
];

/** Only packages/config/src reads process.env; these files are the stated exceptions (besides tests and tooling). */
export const PROCESS_ENV_READERS: readonly { readonly files: string; readonly why: string }[] = [
  { files: 'packages/config/src/**', why: 'the only reader of the environment' },
  { files: 'apps/cli/src/main.ts', why: 'the composition root hands process.env to loadConfig (with --queues folded in)' },
  {
    files: 'apps/cli/bin/rendition.mjs',
    why: 'the launcher reads NODE_OPTIONS (a V8 flag chosen there wins) and passes the environment on when it re-executes Node',
  },
  { files: 'packages/testing/**', why: 'test helpers read TEST_* variables (test-only package)' },
];

/** Whether workspace `from` may import workspace `to` as far as layers go (sides are separate). */
export function layerAllows(from: string, to: string): boolean {
  const source = WORKSPACES[from];
  const target = WORKSPACES[to];
  if (!source || !target || from === to) return from === to;
  if (source.alsoImports?.includes(to)) return true;
  if (target.layer === 'test-support') return false;
  if (source.layer === 'adapter' && target.layer === 'adapter') return SHARED_ADAPTERS.includes(to);
  return LAYER_MAY_IMPORT[source.layer].includes(target.layer);
}

/** Whether a side rule forbids `from` importing `to`: API-side code never imports worker-side code. */
export function sideForbids(from: string, to: string): boolean {
  return WORKSPACES[from]?.side === 'api' && WORKSPACES[to]?.side === 'worker';
}
