import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cliSource = (file: string) => fileURLToPath(new URL(`../src/${file}`, import.meta.url));

/** Every module URL a fresh Node process resolves while importing `modules` (ESM and CJS alike). */
function modulesLoadedBy(modules: string[]): string[] {
  const script = `
    import { registerHooks } from 'node:module';
    const seen = new Set();
    registerHooks({ resolve(specifier, context, next) { const resolved = next(specifier, context); seen.add(resolved.url); return resolved; } });
    for (const path of ${JSON.stringify(modules)}) await import(path);
    process.stdout.write(JSON.stringify([...seen]));
  `;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    cwd: fileURLToPath(new URL('.', import.meta.url)),
  });
  return JSON.parse(output) as string[];
}

// What only workers may load: the media adapters, the worker-side domain packages, and the media
// libraries themselves (later ffmpeg wrappers, pdf.js and tfjs join this list).
const WORKER_ONLY = [
  /\/packages\/(media|ingest|derive|scripting|classifiers|moderate)\//,
  /\/node_modules\/(sharp|@img|fluent-ffmpeg|pdfjs-dist|@tensorflow|@napi-rs|exifr|quickjs-emscripten[a-z-]*|@jitl|nsfwjs)\//,
  /\/apps\/worker\//,
];
const workerOnly = (urls: string[]) => urls.filter((url) => WORKER_ONLY.some((pattern) => pattern.test(url)));

describe('process roles', () => {
  it('an API process (the cluster module and the API role) loads no media library and no worker code', () => {
    const loaded = modulesLoadedBy([cliSource('cluster.ts'), cliSource('api-role.ts'), cliSource('services.ts')]);
    expect(loaded.some((url) => url.includes('/apps/api/src/api-server.ts'))).toBe(true);
    expect(workerOnly(loaded)).toEqual([]);
  });

  it('the worker role does load sharp (the check above can see it)', () => {
    const loaded = modulesLoadedBy([cliSource('worker-role.ts')]);
    expect(loaded.some((url) => /\/node_modules\/sharp\//.test(url))).toBe(true);
    expect(loaded.some((url) => url.includes('/packages/ingest/src/'))).toBe(true);
  });
});
