// ESLint: typescript-eslint's syntax-only recommended rules, plus the architecture's import boundaries,
// generated from the layer map in scripts/layers.ts (the one place the layers are written down).
// The boundaries use core rules matched on import specifiers, so nothing is resolved and the whole
// repository lints in seconds:
//   @typescript-eslint/no-restricted-imports   static imports and re-exports (type-only ones too)
//   no-restricted-syntax                      import('x'), require('x'), createRequire(...)('x')
//   no-restricted-properties                  process.env outside packages/config/src
//   rendition/workspace-relative-imports      a relative import may not leave its workspace
import path from 'node:path';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import { IO_MODULES, OWNED_MODULES, PROCESS_ENV_READERS, TEST_AND_TOOLING_FILES, WORKSPACES, layerAllows, sideForbids } from './scripts/layers.ts';

const ROOT = import.meta.dirname;
const SOURCE_FILES = ['**/*.{ts,mts,cts,js,mjs,cjs}'];
const names = Object.keys(WORKSPACES);
const folderOf = (name) => (WORKSPACES[name].layer === 'app' ? `apps/${name}` : `packages/${name}`);
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A regex source matching a module specifier and its subpaths (`@scope/*`: the whole scope; `node:x`: also `x`). */
function moduleSource(spec) {
  if (spec.endsWith('/*')) return `${escape(spec.slice(0, -1))}.+`;
  if (spec.startsWith('node:')) return `(?:node:)?${escape(spec.slice(5))}(?:/.*)?`;
  return `${escape(spec)}(?:/.*)?`;
}
const anyOf = (sources) => `^(?:${sources.join('|')})$`;
const workspaceSource = (list) => `@rendition/(?:${list.map(escape).join('|')})(?:/.*)?`;

/** The restricted groups (regex + message) for files of workspace `name`; undefined: a workspace not in the map. */
function restrictionsFor(name) {
  const me = WORKSPACES[name];
  const groups = [];
  const add = (sources, message) => {
    if (sources.length > 0) groups.push({ regex: anyOf(sources), message });
  };

  // other workspaces, grouped by why they are refused
  const others = names.filter((other) => other !== name);
  const apps = others.filter((other) => WORKSPACES[other].layer === 'app' && !layerAllows(name, other));
  add(
    apps.length ? [workspaceSource(apps)] : [],
    me?.layer === 'app' ? 'Apps do not import each other; only cli composes api and worker.' : 'A package never imports an app.',
  );
  add(
    others.includes('testing') && me?.layer !== 'test-support' ? [workspaceSource(['testing'])] : [],
    '@rendition/testing is test-only: import it from test files (*.test.ts, test/, e2e/, bench/) only.',
  );
  if (me) {
    const refused = others.filter((other) => !['app', 'test-support'].includes(WORKSPACES[other].layer) && !layerAllows(name, other));
    const allowed = others.filter((other) => layerAllows(name, other));
    add(
      refused.length ? [workspaceSource(refused)] : [],
      `@rendition/${name} is ${/^[aeiou]/.test(me.layer) ? 'an' : 'a'} ${me.layer} workspace; it may import ${allowed.length ? allowed.map((other) => `@rendition/${other}`).join(', ') : 'no @rendition package'} (scripts/layers.ts).`,
    );
    const workerSide = others.filter((other) => layerAllows(name, other) && sideForbids(name, other));
    add(
      workerSide.length ? [workspaceSource(workerSide)] : [],
      `@rendition/${name} runs in the API process, which never loads media code: worker-side workspaces (${workerSide.join(', ')}) are off limits.`,
    );
  }
  add(
    [`@rendition/(?!(?:${names.map(escape).join('|')})(?:/|$)).+`],
    'This @rendition workspace is not in the layer map: add it to scripts/layers.ts.',
  );

  // third-party and built-in modules
  const restrictedModules = new Set();
  for (const { modules, owners, why } of OWNED_MODULES) {
    if (owners.includes(name) || me?.layer === 'test-support') continue;
    modules.forEach((spec) => restrictedModules.add(spec));
    add(modules.map(moduleSource), `${modules.join(', ')}: ${why}.`);
  }
  if (me?.layer === 'pure') {
    add(
      IO_MODULES.filter((spec) => !restrictedModules.has(spec)).map(moduleSource),
      `@rendition/${name} is pure: it does no I/O (no file system, network, database, queue or media modules).`,
    );
  }
  return groups;
}

/** The rule settings enforcing `groups` on static imports, dynamic imports and require calls. */
function boundaryRules(groups, { envImport }) {
  const patterns = groups.map(({ regex, message }) => ({ regex, message, caseSensitive: true }));
  if (envImport)
    patterns.push({
      regex: '^(?:node:)?process$',
      importNames: ['env'],
      message: 'Only @rendition/config reads the environment.',
      caseSensitive: true,
    });
  // esquery regex literals end at the first slash, so slashes are written as \x2F
  const literal = (regex) => `/${regex.replaceAll('/', '\\x2F')}/`;
  const calls = groups.flatMap(({ regex, message }) => [
    { selector: `ImportExpression[source.value=${literal(regex)}]`, message },
    { selector: `CallExpression[callee.name='require'][arguments.0.value=${literal(regex)}]`, message },
    { selector: `CallExpression[callee.callee.name='createRequire'][arguments.0.value=${literal(regex)}]`, message },
  ]);
  return {
    '@typescript-eslint/no-restricted-imports': ['error', { patterns }],
    'no-restricted-syntax': ['error', ...calls],
  };
}

/** A relative import may not reach outside its own workspace: go through @rendition/<name> instead. */
const workspaceRelativeImports = {
  meta: {
    type: 'problem',
    docs: { description: 'A relative import stays inside its workspace (packages/<name> or apps/<name>).' },
    schema: [],
    messages: { outside: "'{{source}}' leaves {{workspace}}: import the other workspace through its @rendition/ name." },
  },
  create(context) {
    const relative = path.relative(ROOT, context.filename).split(path.sep).join('/');
    const match = /^(?:packages|apps)\/[^/]+/.exec(relative);
    if (!match) return {};
    const workspace = match[0];
    const root = path.join(ROOT, workspace) + path.sep;
    const check = (node) => {
      const source = node.source;
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string' || !source.value.startsWith('.')) return;
      if (!path.resolve(path.dirname(context.filename), source.value).startsWith(root)) {
        context.report({ node: source, messageId: 'outside', data: { source: source.value, workspace } });
      }
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

export default defineConfig(
  { ignores: ['**/node_modules/**', '.tools/**', 'data/**', 'coverage/**', 'tmp/**'] },
  { files: SOURCE_FILES, ...js.configs.recommended },
  tseslint.configs.recommended.map((config) => ({ files: SOURCE_FILES, ...config })),
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    files: SOURCE_FILES,
    plugins: { rendition: { rules: { 'workspace-relative-imports': workspaceRelativeImports } } },
    rules: {
      // the code's convention: a leading _ marks a binding left unused on purpose ({ a: _a, ...rest }, (_options) => ...)
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },

  // Import boundaries. Flat config replaces (does not merge) a rule's options per matching block, so each
  // workspace gets one block with its complete list; the first block covers workspaces not in the map.
  {
    files: ['packages/*/**', 'apps/*/**'].map((folder) => `${folder}/*.{ts,mts,cts,js,mjs,cjs}`),
    ignores: [...TEST_AND_TOOLING_FILES],
    rules: { ...boundaryRules(restrictionsFor(undefined), { envImport: true }), 'rendition/workspace-relative-imports': 'error' },
  },
  names.map((name) => ({
    files: [`${folderOf(name)}/**/*.{ts,mts,cts,js,mjs,cjs}`],
    ignores: [...TEST_AND_TOOLING_FILES],
    rules: {
      ...boundaryRules(restrictionsFor(name), { envImport: name !== 'config' && name !== 'testing' }),
      'rendition/workspace-relative-imports': 'error',
    },
  })),
  {
    files: SOURCE_FILES,
    ignores: [...TEST_AND_TOOLING_FILES, ...PROCESS_ENV_READERS.map(({ files }) => files)],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Only @rendition/config reads the environment (scripts/layers.ts lists the exceptions).' },
      ],
    },
  },
);
