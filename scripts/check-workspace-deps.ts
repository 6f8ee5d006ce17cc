// Checks that every workspace's package.json declares the @rendition/* workspaces it imports:
//   imports from runtime files (src/, not *.test.ts, not under a test/ folder) → "dependencies"
//   imports from every other file of the workspace (tests, test helpers, scripts) → "devDependencies"
// each as "@rendition/<name>": "*", exactly those and no others. Also fails on a workspace that is not
// in the layer map (scripts/layers.ts) and on an import of a @rendition name that is no workspace.
// Reports, without failing, third-party imports declared nowhere (neither in the workspace's own
// package.json nor in the root's) and runtime imports only the root's devDependencies provide (the
// Docker image installs with --omit=dev).
//
// Usage: node scripts/check-workspace-deps.ts [--fix]      (also `npm run deps:check`)
// --fix rewrites the @rendition entries of the package.json files (other keys keep their order;
// dependency lists are sorted, as npm writes them); run `npm install` afterwards for the lockfile.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORKSPACES } from './layers.ts';

const SCOPE = '@rendition/';
const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'] as const;
const SOURCE_FILE = /\.[cm]?[jt]sx?$/;
const SKIPPED_FOLDERS = new Set(['node_modules', 'data', 'coverage', 'tmp']);

type Deps = Record<string, string>;
interface PackageJson {
  name?: string;
  workspaces?: string[];
  dependencies?: Deps;
  devDependencies?: Deps;
  peerDependencies?: Deps;
  optionalDependencies?: Deps;
  [key: string]: unknown;
}
interface Workspace {
  dir: string; // relative to the root, with forward slashes
  folderName: string;
  manifestPath: string;
  manifest: PackageJson;
  text: string;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fix = process.argv.includes('--fix');
const posix = (path: string) => path.split(sep).join('/');
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as PackageJson;

// ---------------------------------------------------------------------------------------------
// Finding the workspaces and their files

function findWorkspaces(rootManifest: PackageJson): Workspace[] {
  const found: Workspace[] = [];
  for (const pattern of rootManifest.workspaces ?? []) {
    const dirs = pattern.endsWith('/*')
      ? readdirSync(join(root, pattern.slice(0, -2)), { withFileTypes: true })
          .filter((entry) => entry.isDirectory())
          .map((entry) => `${pattern.slice(0, -2)}/${entry.name}`)
      : [pattern];
    for (const dir of dirs) {
      const manifestPath = join(root, dir, 'package.json');
      if (!existsSync(manifestPath)) continue;
      const text = readFileSync(manifestPath, 'utf8');
      found.push({ dir, folderName: dir.split('/').pop()!, manifestPath, manifest: JSON.parse(text) as PackageJson, text });
    }
  }
  return found.sort((a, b) => a.dir.localeCompare(b.dir));
}

function listSourceFiles(dir: string, skip: ReadonlySet<string> = new Set()): string[] {
  const files: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && !SKIPPED_FOLDERS.has(entry.name) && !skip.has(posix(relative(root, path)))) walk(path);
      } else if (entry.isFile() && SOURCE_FILE.test(entry.name)) {
        files.push(path);
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return files.sort();
}

/** Runtime code: under src/, not a test file, not inside a test folder. Everything else is dev-only. */
function isRuntimeFile(workspaceRelative: string): boolean {
  const parts = workspaceRelative.split('/');
  if (parts[0] !== 'src') return false;
  if (/\.(test|spec)\.[cm]?[jt]sx?$/.test(workspaceRelative)) return false;
  return !parts.slice(0, -1).some((part) => part === 'test' || part === 'tests' || part === '__tests__');
}

// ---------------------------------------------------------------------------------------------
// Reading the module specifiers a file imports

/**
 * The source with comments blanked out (strings, template literals and regex literals kept), so
 * specifiers mentioned in comments do not count. Line breaks are kept.
 */
function withoutComments(source: string): string {
  let out = '';
  let i = 0;
  const templateDepth: number[] = []; // brace depth at which each open template's ${ started
  let braces = 0;
  let lastSignificant = ''; // previous non-space character outside comments, for regex detection
  let lastWord = '';
  const regexMayStart = () =>
    lastSignificant === '' ||
    '(,=:[!&|?{};+-*%<>~^'.includes(lastSignificant) ||
    ['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'void', 'yield', 'await'].includes(lastWord);
  const readQuoted = (quote: string) => {
    let j = i + 1;
    while (j < source.length && source[j] !== quote && source[j] !== '\n') j += source[j] === '\\' ? 2 : 1;
    out += source.slice(i, j + 1);
    i = j + 1;
  };
  const readTemplate = () => {
    // from just after ` (or after the } closing a ${...}) to the closing ` or the next ${
    let j = i;
    while (j < source.length) {
      if (source[j] === '\\') j += 2;
      else if (source[j] === '`') {
        out += source.slice(i, j + 1);
        i = j + 1;
        return;
      } else if (source[j] === '$' && source[j + 1] === '{') {
        out += source.slice(i, j + 2);
        i = j + 2;
        templateDepth.push(braces);
        braces += 1;
        return;
      } else j += 1;
    }
    out += source.slice(i);
    i = source.length;
  };
  while (i < source.length) {
    const char = source[i]!;
    const next = source[i + 1];
    if (char === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      i = end === -1 ? source.length : end;
      continue;
    }
    if (char === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const comment = source.slice(i, end === -1 ? source.length : end + 2);
      out += comment.replace(/[^\n]/g, ' ');
      i += comment.length;
      continue;
    }
    if (char === "'" || char === '"') {
      readQuoted(char);
      lastSignificant = char;
      lastWord = '';
      continue;
    }
    if (char === '`') {
      out += char;
      i += 1;
      readTemplate();
      lastSignificant = '`';
      lastWord = '';
      continue;
    }
    if (char === '/' && regexMayStart()) {
      let j = i + 1;
      let inClass = false;
      while (j < source.length && source[j] !== '\n' && (inClass || source[j] !== '/')) {
        if (source[j] === '\\') j += 1;
        else if (source[j] === '[') inClass = true;
        else if (source[j] === ']') inClass = false;
        j += 1;
      }
      out += source.slice(i, j + 1);
      i = j + 1;
      lastSignificant = '/';
      lastWord = '';
      continue;
    }
    if (char === '{') braces += 1;
    if (char === '}') {
      braces -= 1;
      if (templateDepth.length > 0 && templateDepth[templateDepth.length - 1] === braces) {
        templateDepth.pop();
        out += char;
        i += 1;
        readTemplate();
        lastSignificant = '`';
        continue;
      }
    }
    out += char;
    i += 1;
    if (/\s/.test(char)) continue;
    if (/[\w$]/.test(char)) {
      lastWord = /[\w$]/.test(lastSignificant) ? lastWord + char : char;
    } else {
      lastWord = '';
    }
    lastSignificant = char;
  }
  return out;
}

const SPECIFIER_PATTERNS = [
  // import x from 'm'; import type { X } from 'm'; export { x } from 'm'; export * from 'm' (statements start a line)
  /^[ \t]*(?:import|export)\b[^'"`;]*?\bfrom\s*(['"])([^'"\n]+)\1/gm,
  // import 'm';
  /^[ \t]*import\s*(['"])([^'"\n]+)\1/gm,
  // import('m'), require('m'), createRequire(import.meta.url)('m')
  /\b(?:import|require)\s*\(\s*(['"])([^'"\n]+)\1\s*[,)]/g,
  /\bcreateRequire\s*\([^()]*(?:\([^()]*\)[^()]*)*\)\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g,
];

function importedSpecifiers(path: string): string[] {
  const source = withoutComments(readFileSync(path, 'utf8'));
  const found = new Set<string>();
  for (const pattern of SPECIFIER_PATTERNS) {
    for (const match of source.matchAll(pattern)) found.add(match[2]!);
  }
  return [...found];
}

const builtins = new Set(builtinModules);
/** The package a bare specifier names, or undefined for relative paths, built-ins and #imports. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('#') || specifier.startsWith('node:')) return undefined;
  if (/^[a-z]+:/i.test(specifier)) return undefined; // data:, file:, bun: ...
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return builtins.has(name) ? undefined : name;
}

// ---------------------------------------------------------------------------------------------
// Checking

const rootManifest = readJson(join(root, 'package.json'));
const workspaces = findWorkspaces(rootManifest);
const workspaceNames = new Set(workspaces.map((workspace) => workspace.manifest.name ?? ''));
const declaredAtRoot = (name: string, field: (typeof DEPENDENCY_FIELDS)[number]) => rootManifest[field]?.[name] !== undefined;

let failures = 0;
let unfixable = 0; // problems --fix cannot repair
const notes: string[] = [];
const fixed: string[] = [];

/** Imports of one set of files: package name → the first file importing it, split by runtime/dev. */
function collectImports(files: string[], isRuntime: (file: string) => boolean) {
  const runtime = new Map<string, string>();
  const dev = new Map<string, string>();
  for (const file of files) {
    const target = isRuntime(file) ? runtime : dev;
    for (const specifier of importedSpecifiers(file)) {
      const name = packageOf(specifier);
      if (name !== undefined && !target.has(name)) target.set(name, posix(relative(root, file)));
    }
  }
  for (const name of runtime.keys()) dev.delete(name);
  return { runtime, dev };
}

/** The entries of `current` with the @rendition ones replaced by `wanted`, sorted like npm writes them. */
function withWorkspaceDeps(current: Deps | undefined, wanted: Set<string>): Deps | undefined {
  const entries = Object.entries(current ?? {}).filter(([name]) => !name.startsWith(SCOPE));
  for (const name of wanted) entries.push([name, '*']);
  entries.sort(([a], [b]) => a.localeCompare(b, 'en'));
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/** `manifest` with `field` set to `value` (or removed), keeping the order of the other keys. */
function setField(manifest: PackageJson, field: 'dependencies' | 'devDependencies', value: Deps | undefined): PackageJson {
  const result: PackageJson = {};
  const keys = Object.keys(manifest);
  let placed = false;
  for (const key of keys) {
    if (key === field) {
      if (value) result[key] = value;
      placed = true;
    } else {
      // a new "dependencies" goes before "devDependencies"; a new "devDependencies" right after "dependencies" (else at the end)
      if (!placed && value && field === 'dependencies' && key === 'devDependencies') {
        result[field] = value;
        placed = true;
      }
      result[key] = manifest[key];
      if (!placed && value && field === 'devDependencies' && key === 'dependencies') {
        result[field] = value;
        placed = true;
      }
    }
  }
  if (!placed && value) result[field] = value;
  return result;
}

for (const workspace of workspaces) {
  const label = `${workspace.dir}/package.json`;
  const problems: string[] = [];
  const ownName = workspace.manifest.name;
  if (WORKSPACES[workspace.folderName] === undefined) {
    problems.push(`${workspace.dir} is not in the layer map: add '${workspace.folderName}' to scripts/layers.ts`);
  }
  if (ownName !== `${SCOPE}${workspace.folderName}`) {
    problems.push(`its name is ${JSON.stringify(ownName)}; the layer map and the lint rules expect "${SCOPE}${workspace.folderName}"`);
  }

  const workspaceRoot = join(root, workspace.dir);
  const files = listSourceFiles(workspaceRoot);
  const { runtime, dev } = collectImports(files, (file) => isRuntimeFile(posix(relative(workspaceRoot, file))));

  // @rendition/* workspaces: exactly the imported ones, with "*"
  const wanted = { dependencies: new Set<string>(), devDependencies: new Set<string>() };
  for (const [field, imports] of [
    ['dependencies', runtime],
    ['devDependencies', dev],
  ] as const) {
    for (const [name, file] of imports) {
      if (!name.startsWith(SCOPE) || name === ownName) continue;
      if (!workspaceNames.has(name)) {
        problems.push(`${file} imports ${name}, which is no workspace`);
        continue;
      }
      wanted[field].add(name);
    }
  }
  let manifest = workspace.manifest;
  let fixable = 0;
  for (const field of ['dependencies', 'devDependencies'] as const) {
    const imports = field === 'dependencies' ? runtime : dev;
    const declared = Object.entries(manifest[field] ?? {}).filter(([name]) => name.startsWith(SCOPE));
    const before = fixable;
    for (const name of [...wanted[field]].sort()) {
      if (manifest[field]?.[name] === undefined) {
        problems.push(`${field}: missing "${name}": "*"  (${imports.get(name)} imports it)`);
        fixable += 1;
      }
    }
    for (const [name, range] of declared) {
      if (wanted[field].has(name)) {
        if (range !== '*') {
          problems.push(`${field}: "${name}": "${range}" should be "*"`);
          fixable += 1;
        }
        continue;
      }
      const why = runtime.has(name)
        ? 'runtime code imports it: it belongs in dependencies'
        : dev.has(name)
          ? 'only tests import it: it belongs in devDependencies'
          : 'nothing imports it';
      problems.push(`${field}: "${name}" is declared but ${why}`);
      fixable += 1;
    }
    if (fixable > before) manifest = setField(manifest, field, withWorkspaceDeps(manifest[field], wanted[field]));
  }
  unfixable += problems.length - fixable;

  // third-party packages (report only)
  for (const [imports, runtimeCode] of [
    [runtime, true],
    [dev, false],
  ] as const) {
    for (const [name, file] of imports) {
      if (name.startsWith(SCOPE)) continue;
      const own = DEPENDENCY_FIELDS.some((field) => workspace.manifest[field]?.[name] !== undefined);
      if (own || declaredAtRoot(name, 'dependencies')) continue;
      if (declaredAtRoot(name, 'devDependencies')) {
        if (runtimeCode && WORKSPACES[workspace.folderName]?.layer !== 'test-support')
          notes.push(`${file}: ${name} is declared only in the root devDependencies (absent from the --omit=dev image); declare it in ${label}`);
        continue;
      }
      notes.push(`${file}: ${name} is declared neither in ${label} nor in the root package.json`);
    }
  }

  if (problems.length > 0) {
    failures += problems.length;
    console.log(`${label}`);
    for (const problem of problems) console.log(`  ${problem}`);
  }
  if (fix && manifest !== workspace.manifest) {
    const indent = /^\{\n([ \t]+)"/.exec(workspace.text)?.[1] ?? '  ';
    writeFileSync(workspace.manifestPath, `${JSON.stringify(manifest, null, indent)}\n`);
    fixed.push(label);
  }
}

// Files outside the workspaces (e2e/, bench/, scripts/, root configs) resolve from the root package.json.
{
  const files = listSourceFiles(root, new Set(workspaces.map((workspace) => workspace.dir)));
  const { runtime, dev } = collectImports(files, () => false);
  for (const [name, file] of [...runtime, ...dev]) {
    if (name.startsWith(SCOPE)) {
      if (!workspaceNames.has(name)) notes.push(`${file}: imports ${name}, which is no workspace`);
      continue;
    }
    if (!DEPENDENCY_FIELDS.some((field) => declaredAtRoot(name, field))) notes.push(`${file}: ${name} is not declared in the root package.json`);
  }
}

if (notes.length > 0) {
  console.log(`\nThird-party imports to look at (reported, not failing):`);
  for (const note of notes) console.log(`  ${note}`);
}
if (fixed.length > 0) {
  console.log(`\nRewrote ${fixed.join(', ')}; run \`npm install\` so package-lock.json follows.`);
}
if (fix ? unfixable > 0 : failures > 0) {
  const count = fix ? unfixable : failures;
  console.log(
    `\n${count} problem(s) in workspace manifests.${fix ? ' --fix cannot repair these.' : ' `node scripts/check-workspace-deps.ts --fix` rewrites the @rendition entries.'}`,
  );
  process.exitCode = 1;
} else if (fixed.length === 0) {
  console.log(`workspace dependencies: ${workspaces.length} workspaces declare the @rendition packages they import`);
}
