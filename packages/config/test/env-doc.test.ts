import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ENV_BLOCK_END,
  ENV_BLOCK_START,
  NO_DEFAULT,
  extractEnvBlock,
  renderDefault,
  renderEnvDoc,
  renderEnvTable,
  replaceEnvBlock,
} from '../src/env-doc.ts';
import { ENV_VARIABLES, type EnvName } from '../src/env-variables.ts';

const repoFile = (path: string): string => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const REGENERATE = 'stale: run `npm run docs:env` and commit the result';

describe('committed docs are fresh', () => {
  it('docs/env.md is exactly what the current ENV_VARIABLES render', () => {
    const path = repoFile('docs/env.md');
    expect(existsSync(path), 'docs/env.md is missing: run `npm run docs:env`').toBe(true);
    const committed = readFileSync(path, 'utf8');
    expect(committed.includes(`\n${renderEnvTable()}\n`), `docs/env.md table is ${REGENERATE}`).toBe(true);
    expect(committed, `docs/env.md is ${REGENERATE}`).toBe(renderEnvDoc());
  });

  it('README.md, when it has the env markers, holds the current table between them', () => {
    const path = repoFile('README.md');
    const readme = existsSync(path) ? readFileSync(path, 'utf8') : '';
    const block = extractEnvBlock(readme);
    if (block === undefined) return; // no README or no markers: nothing to keep fresh
    expect(block, `README.md env table is ${REGENERATE}`).toBe(renderEnvTable());
  });
});

describe('renderEnvTable', () => {
  const table = renderEnvTable();
  const rows = table.split('\n');

  it('has a header and one row per variable, in declaration order', () => {
    expect(rows[0]).toBe('| Variable | Default | Meaning |');
    expect(rows[1]).toBe('| --- | --- | --- |');
    expect(rows.slice(2).map((row) => /^\| `([A-Z0-9_]+)` \|/.exec(row)?.[1])).toEqual(Object.keys(ENV_VARIABLES));
  });

  it('gives every row exactly three cells', () => {
    for (const row of rows) expect(row.replace(/\\\|/g, '').split('|').length, row).toBe(5);
  });

  it.each<[EnvName, string]>([
    ['PORT', '`8080`'],
    ['HOST', '`0.0.0.0`'],
    ['STORAGE_URL', '`file://./data`'],
    ['S3_FORCE_PATH_STYLE', '`true`'],
    ['SSRF_ALLOW', 'empty'],
    ['S3_SOURCE_BUCKETS', 'empty'],
    ['MAX_UPLOAD_BYTES', '`104857600` (100 MiB)'],
    ['MAX_IMAGE_PIXELS', '`100000000`'],
    ['LOG_LEVEL', '`info`'],
    ['PUBLIC_BASE_URL', '`http://127.0.0.1:$PORT`'],
    ['SECURE_BASE_URL', '`$PUBLIC_BASE_URL`'],
    ['WORKER_QUEUES', 'all queues'],
    ['S3_ENDPOINT', NO_DEFAULT],
    ['S3_ACCESS_KEY_ID', NO_DEFAULT],
    ['REMOTE_FETCH_CA_FILE', NO_DEFAULT],
  ])('%s defaults to %s', (name, want) => {
    expect(renderDefault(name, ENV_VARIABLES[name])).toBe(want);
    expect(table).toContain(`| \`${name}\` | ${want} | ${ENV_VARIABLES[name].description.replace(/\|/g, '\\|')} |`);
  });

  it('renders defaults of any schema shape and escapes pipes', () => {
    const table = renderEnvTable({
      A_FLAG: {
        schema: z
          .enum(['true', 'false'])
          .transform((v) => v === 'true')
          .default(false),
        description: 'a | b',
      },
      B_LIST: {
        schema: z
          .string()
          .transform((v) => v.split(','))
          .default(['x', 'y']),
        description: 'list',
      },
      C_OPT: { schema: z.string().default('d').optional(), description: 'line one\nline two' },
      D_NONE: { schema: z.string(), description: 'none' },
    });
    expect(table.split('\n').slice(2)).toEqual([
      '| `A_FLAG` | `false` | a \\| b |',
      '| `B_LIST` | `x,y` | list |',
      '| `C_OPT` | `d` | line one line two |',
      `| \`D_NONE\` | ${NO_DEFAULT} | none |`,
    ]);
  });
});

describe('replaceEnvBlock', () => {
  const table = '| Variable | Default | Meaning |\n| --- | --- | --- |';

  it('replaces only what lies between the markers', () => {
    const readme = `# Title\n\nIntro.\n\n${ENV_BLOCK_START}\nold table\nmore\n${ENV_BLOCK_END}\n\n## After\n`;
    expect(replaceEnvBlock(readme, table)).toBe(`# Title\n\nIntro.\n\n${ENV_BLOCK_START}\n${table}\n${ENV_BLOCK_END}\n\n## After\n`);
  });

  it('is idempotent and round-trips through extractEnvBlock', () => {
    const once = replaceEnvBlock(`a ${ENV_BLOCK_START}${ENV_BLOCK_END} b`, table)!;
    expect(replaceEnvBlock(once, table)).toBe(once);
    expect(extractEnvBlock(once)).toBe(table);
  });

  it.each([
    ['no markers', '# Title\n'],
    ['only the start marker', `${ENV_BLOCK_START}\n`],
    ['only the end marker', `${ENV_BLOCK_END}\n`],
    ['markers out of order', `${ENV_BLOCK_END}\n${ENV_BLOCK_START}\n`],
  ])('leaves text with %s alone', (_what, text) => {
    expect(replaceEnvBlock(text, table)).toBeUndefined();
    expect(extractEnvBlock(text)).toBeUndefined();
  });
});
