#!/usr/bin/env node
// The entry point operators run (`node apps/cli/bin/rendition.mjs <command>`). Plain JavaScript on
// purpose, and kept this small: it fixes how the process runs before any TypeScript loads.
import module from 'node:module';

// V8 lets the young generation grow to 16 MiB semi-spaces; loading the application's modules fills
// them once and the process keeps ~50 MiB it never needs again (the API's RSS after boot: 164 MiB
// with the default, 119 MiB with 4 MiB). The size can only be chosen when the process starts, so
// the launcher replaces itself (same pid) with a Node that has it, unless one was chosen already.
const YOUNG_GENERATION = '--max-semi-space-size=4';
const chosen = (flags) => /--max-semi-space-size\b/.test(flags);
//
// glibc gives each thread that allocates (libuv's pool, V8's platform workers) its own malloc arena,
// up to 8 per core, and an arena keeps the pages it once held: a process that streams uploads on a
// few threads holds tens of MiB more than it uses. Two arenas keep that bounded (MALLOC_ARENA_MAX is
// read when the process starts, so it goes with the same re-execution; an operator's value wins).
if (!chosen(process.execArgv.join(' ')) && !chosen(process.env.NODE_OPTIONS ?? '') && typeof process.execve === 'function') {
  const env = { MALLOC_ARENA_MAX: '2', ...process.env };
  process.execve(process.execPath, [process.execPath, YOUNG_GENERATION, ...process.execArgv, process.argv[1], ...process.argv.slice(2)], env);
}

// The first TypeScript file a process loads makes Node instantiate its type-stripping compiler
// (WebAssembly, ~20 MiB of RSS for the life of the process). With the compile cache on, a process
// whose sources are all in the cache (every start after the first, or an image that ran
// `rendition warm-cache` at build time) never loads it. NODE_COMPILE_CACHE chooses the directory.
module.enableCompileCache?.();
await import('../src/main.ts');
