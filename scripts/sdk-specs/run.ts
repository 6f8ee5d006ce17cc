// The official Node SDK's own integration specs (cloudinary_npm, mocha) run against a throwaway
// Rendition: docs/sdk-specs.md. Started by run.sh; everything it makes (the scratch copy of the SDK,
// the database, the queue prefix, the storage directory) is removed at the end, however it ends.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync, type WriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { dropDatabase } from '@rendition/catalog';
import { createTestDatabaseUrl, deleteRedisPrefix, freePort, makeSelfSignedCert } from '@rendition/testing';
import { STOPPED_EARLY, formatSummary, parseExcused, summarize, unmatchedExcuses, type SpecRecord } from './results.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');

/** The suites of issue items 7 and 8: the Admin API, structured metadata, folders, config, search and the Upload API. */
const DEFAULT_SPECS = [
  'test/integration/api/admin/api_spec.js',
  'test/integration/api/admin/structured_metadata_spec.js',
  'test/integration/api/admin/folders_api_spec.js',
  'test/integration/api/admin/config_spec.js',
  'test/integration/api/search/search_spec.js',
  'test/integration/api/search/search_folders_spec.js',
  'test/integration/api/uploader/uploader_spec.js',
];
/** What the specs load besides themselves: the SDK (they require `../cloudinary` and `lib/…`) and the test helpers and fixtures. */
const SUPPORT_PATHS = ['cloudinary.js', 'package.json', 'lib', 'test/setup.js', 'test/spechelper.js', 'test/testUtils', 'test/.resources'];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    repo: { type: 'string', default: process.env.SDK_SPECS_REPO ?? '/work/.mirror/cloudinary+cloudinary_npm/repo' },
    ref: { type: 'string', default: process.env.SDK_SPECS_REF ?? 'HEAD' },
    out: { type: 'string', default: process.env.SDK_SPECS_OUT ?? join(ROOT, 'tmp/sdk-specs/results.json') },
    protocol: { type: 'string', default: process.env.SDK_SPECS_PROTOCOL ?? 'https' },
    retries: { type: 'string', default: process.env.SDK_SPECS_RETRIES ?? '0' },
    'spec-timeout': { type: 'string', default: process.env.SDK_SPECS_SPEC_TIMEOUT_S ?? '1200' },
    keep: { type: 'boolean', default: process.env.SDK_SPECS_KEEP === '1' },
  },
});
const specs = positionals.length > 0 ? positionals : DEFAULT_SPECS;
if (values.protocol !== 'https' && values.protocol !== 'http') throw new Error(`--protocol must be https or http, not ${values.protocol}`);
const outFile = resolve(values.out);
const outDir = dirname(outFile);
const logFile = join(outDir, 'cluster.log');

const log = (message: string) => process.stdout.write(`[sdk-specs] ${message}\n`);

// ---------------------------------------------------------------------------------------------
// Clean-up: whatever was started is stopped, in reverse order, once, also on Ctrl-C.

const closers: Array<{ what: string; close: () => Promise<unknown> }> = [];
let cleaning: Promise<void> | undefined;
let currentChild: ChildProcess | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const { what, close } of closers.reverse()) {
      try {
        await close();
      } catch (error) {
        console.error(`[sdk-specs] clean-up of ${what} failed:`, error);
      }
    }
  })();
  return cleaning;
}
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    currentChild?.kill('SIGKILL');
    setTimeout(() => process.exit(code), 60_000).unref();
    void cleanUp().finally(() => process.exit(code));
  });
}

// ---------------------------------------------------------------------------------------------
// The SDK's files, out of its git repository (a bare mirror works: nothing is checked out).

interface TreeEntry {
  sha: string;
  path: string;
}

function git(args: string[], input?: string): Buffer {
  const result = spawnSync('git', [`--git-dir=${values.repo}`, ...args], { input, maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr.toString()}`);
  return result.stdout;
}

/** Copies the blobs the mirror has; returns the paths of those it lacks (large fixtures are often left out of mirrors). */
async function extractSdk(scratch: string, paths: string[]): Promise<string[]> {
  const entries: TreeEntry[] = git(['ls-tree', '-r', '-z', values.ref, '--', ...paths])
    .toString('utf8')
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const [meta, path] = line.split('\t') as [string, string];
      return { sha: meta.split(' ')[2]!, path };
    });
  const missingSpecs = specs.filter((spec) => !entries.some((entry) => entry.path === spec));
  if (missingSpecs.length > 0) throw new Error(`not in ${values.repo} at ${values.ref}: ${missingSpecs.join(', ')}`);
  // One `cat-file --batch` answers every blob: `<sha> blob <size>\n<bytes>\n`, or `<sha> missing\n`.
  const batch = git(['cat-file', '--batch'], `${entries.map((entry) => entry.sha).join('\n')}\n`);
  const missing: string[] = [];
  let offset = 0;
  for (const entry of entries) {
    const headerEnd = batch.indexOf(0x0a, offset);
    const header = batch.subarray(offset, headerEnd).toString('utf8');
    offset = headerEnd + 1;
    if (header.endsWith(' missing')) {
      missing.push(entry.path);
      continue;
    }
    const size = Number(header.split(' ')[2]);
    const target = join(scratch, entry.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, batch.subarray(offset, offset + size));
    offset += size + 1;
  }
  return missing;
}

// ---------------------------------------------------------------------------------------------
// Fixtures the mirror lacks, made of the same kind and of a size that makes the chunked-upload
// specs send several parts (their chunk sizes are 6 and 7 MB). Their MD5s differ from the originals',
// which is why the specs that compare etags are excused (docs/sdk-specs.md).

function runTool(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr?.toString() ?? result.error}`);
}

async function makeFixture(scratch: string, path: string): Promise<void> {
  const target = join(scratch, path);
  await mkdir(dirname(target), { recursive: true });
  if (/\.(jpe?g)$/i.test(path)) {
    // A noisy picture does not compress: about 9.5 MB at this size.
    const noise = 'nullsrc=s=3600x2700,geq=lum=mod(X*7+Y*13+X*Y\\,255):cb=128:cr=128,noise=alls=60:allf=t';
    runTool('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', noise, '-frames:v', '1', '-q:v', '1', '-fflags', '+bitexact', target]);
  } else if (/\.(mp4|mov|webm)$/i.test(path)) {
    const source = 'testsrc2=size=1920x1080:rate=30:duration=6';
    runTool('ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', source, '-f', 'lavfi', '-i', 'sine=frequency=440:duration=6'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '10M', '-maxrate', '10M', '-bufsize', '20M', '-pix_fmt', 'yuv420p'],
      ...['-c:a', 'aac', '-shortest', '-movflags', '+faststart', '-fflags', '+bitexact', target],
    ]);
  } else {
    // A raw file (the Mobipocket book): a PalmDB header naming the type, then 8 MB of text.
    const header = Buffer.alloc(78);
    header.write(path.split('/').pop()!.slice(0, 31), 0, 'latin1');
    header.write('BOOKMOBI', 60, 'latin1');
    const line = Buffer.from('Shall I compare thee to a summer’s day? Thou art more lovely and more temperate.\n');
    await writeFile(target, Buffer.concat([header, ...Array.from({ length: Math.ceil(8_000_000 / line.length) }, () => line)]));
  }
}

// ---------------------------------------------------------------------------------------------
// The specs' npm dependencies: the packages their files require, at the versions the SDK's
// package.json declares, installed once per set into a cache shared by runs.

const BUILTIN = new Set(builtinModules);

function requiredPackages(files: string[]): Set<string> {
  const names = new Set<string>();
  for (const file of files) {
    for (const match of readFileSync(file, 'utf8').matchAll(/\brequire\(\s*['"]([^'"./][^'"]*)['"]\s*\)/g)) {
      const specifier = match[1]!;
      const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
      if (!BUILTIN.has(name) && !name.startsWith('node:')) names.add(name);
    }
  }
  return names;
}

async function installDependencies(scratch: string, files: string[]): Promise<void> {
  const manifest = JSON.parse(await readFile(join(scratch, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const declared = { ...manifest.devDependencies, ...manifest.dependencies };
  const wanted: Record<string, string> = {};
  // mocha runs the files rather than being required by them.
  for (const name of [...requiredPackages(files), 'mocha']) {
    const range = declared[name];
    if (range === undefined) throw new Error(`the specs require ${name}, which the SDK's package.json does not declare`);
    wanted[name] = range;
  }
  const install = async (dependencies: Record<string, string>): Promise<string> => {
    const sorted = Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b)));
    const key = createHash('sha1').update(JSON.stringify(sorted)).digest('hex').slice(0, 12);
    const dir = join(process.env.SDK_SPECS_DEPS_DIR ?? join(tmpdir(), 'rendition-sdk-specs-deps'), key);
    if (existsSync(join(dir, 'node_modules', '.installed'))) return dir;
    log(`installing ${Object.keys(sorted).join(', ')} into ${dir}`);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'package.json'), `${JSON.stringify({ private: true, dependencies: sorted }, null, 2)}\n`);
    const npm = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', '--ignore-scripts', '--loglevel=error'], {
      cwd: dir,
      stdio: 'inherit',
      env: { ...process.env, npm_config_nodedir: '', npm_config_update_notifier: 'false' },
    });
    if (npm.status !== 0) throw new Error(`npm install failed in ${dir}`);
    await writeFile(join(dir, 'node_modules', '.installed'), '');
    return dir;
  };
  let dir = await install(wanted);
  // npm installs a missing peer at its newest version (jsdom-global's jsdom); the SDK pins some of them.
  const peers: Record<string, string> = {};
  for (const name of Object.keys(wanted)) {
    const installed = JSON.parse(await readFile(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as {
      peerDependencies?: Record<string, string>;
    };
    for (const peer of Object.keys(installed.peerDependencies ?? {})) {
      const range = declared[peer];
      if (range !== undefined && wanted[peer] === undefined) peers[peer] = range;
    }
  }
  if (Object.keys(peers).length > 0) dir = await install({ ...wanted, ...peers });
  await symlink(join(dir, 'node_modules'), join(scratch, 'node_modules'), 'dir');
}

// ---------------------------------------------------------------------------------------------
// The cluster, through the command operators run (`rendition start`), and a TLS front for it.

/** `rendition start`, the command operators run; resolves with the CLOUDINARY_URL it prints once it is ready. */
function startCluster(env: Record<string, string>, logStream: WriteStream): { child: ChildProcess; ready: Promise<string> } {
  const child = spawn(process.execPath, [join(ROOT, 'apps/cli/bin/rendition.mjs'), 'start'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(logStream, { end: false });
  child.stderr.pipe(logStream, { end: false });
  const ready = new Promise<string>((resolvePromise, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`rendition start printed no CLOUDINARY_URL within 90 s (see ${logFile})`)), 90_000);
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const match = /CLOUDINARY_URL=(\S+)/.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolvePromise(match[1]!);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`rendition start exited (${code ?? signal}) before it was ready (see ${logFile})`));
    });
  });
  return { child, ready };
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolvePromise) => child.once('exit', () => resolvePromise()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Cloudinary's API is https, and some specs depend on it: they spy on `https.request`, or expect an
 * `http.Agent` to be refused. Rendition serves plain HTTP (docs/operations.md: put TLS in front), so
 * the run puts this in front, with a throwaway certificate the specs' Node trusts (NODE_EXTRA_CA_CERTS).
 */
function startTlsFront(key: string, cert: string, port: number, targetPort: number): Promise<HttpsServer> {
  const server = createHttpsServer({ key, cert }, (request, response) => {
    const upstream = httpRequest(
      { host: '127.0.0.1', port: targetPort, method: request.method, path: request.url, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', (error) => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: `TLS front: ${error.message}` } }));
    });
    request.pipe(upstream);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolvePromise(server));
  });
}

/** Runs a child to its end; the spec bound kills it (its record up to then stays). */
function runChild(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<number> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, args, { cwd: options.cwd, env: options.env, stdio: 'inherit' });
    currentChild = child;
    const timer = setTimeout(() => {
      log(`past ${options.timeoutMs / 1000} s: stopping ${args.join(' ')}`);
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      currentChild = undefined;
      resolvePromise(code ?? (signal ? 128 : 1));
    });
  });
}

/** How many times a spec that mocha stopped early is resumed from the first test it never reached. */
const RESUMES = 5;

/**
 * One spec file, resumed after an early stop: mocha 7 ends a run when a test throws after it has
 * finished, and a fixture-dependent assertion (an etag) must not hide the tests that come after it.
 */
async function runSpec(scratch: string, spec: string, env: NodeJS.ProcessEnv): Promise<SpecRecord> {
  const base = join(scratch, spec.replaceAll('/', '_'));
  const runOnce = async (attempt: number, only?: string[]): Promise<SpecRecord | undefined> => {
    const specOut = `${base}.${attempt}.json`;
    const args = [join(HERE, 'mocha-run.ts'), '--spec', spec, '--out', specOut, '--retries', values.retries];
    if (only) {
      await writeFile(`${base}.${attempt}.only.json`, JSON.stringify(only));
      args.push('--only', `${base}.${attempt}.only.json`);
    }
    await runChild(args, { cwd: scratch, env, timeoutMs: Number(values['spec-timeout']) * 1000 });
    return existsSync(specOut) ? (JSON.parse(await readFile(specOut, 'utf8')) as SpecRecord) : undefined;
  };
  log(`running ${spec}`);
  const record = (await runOnce(0)) ?? { file: spec, finished: false, tests: [], hookFailures: [] };
  for (let attempt = 1; attempt <= RESUMES; attempt += 1) {
    const unreached = record.tests.filter((test) => test.state === 'not-run' && test.error === STOPPED_EARLY);
    if (unreached.length === 0) break;
    log(`${spec}: mocha stopped early; resuming at the ${unreached.length} tests it never reached`);
    const resumed = await runOnce(
      attempt,
      unreached.map((test) => test.title),
    );
    if (!resumed) break;
    for (const test of resumed.tests) {
      const index = record.tests.findIndex(
        (candidate) => candidate.title === test.title && candidate.state === 'not-run' && candidate.error === STOPPED_EARLY,
      );
      if (index !== -1) record.tests[index] = test;
    }
    record.hookFailures.push(...resumed.hookFailures);
    record.finished = resumed.finished;
    if (resumed.tests.every((test) => test.state === 'not-run')) break;
  }
  return record;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  await mkdir(outDir, { recursive: true });
  const scratch = await mkdtemp(join(tmpdir(), 'rendition-sdk-specs-'));
  closers.push({
    what: `the scratch directory ${scratch}`,
    close: () => (values.keep ? Promise.resolve(log(`kept ${scratch}`)) : rm(scratch, { recursive: true, force: true })),
  });

  log(`copying the SDK and its specs from ${values.repo} (${values.ref}) into ${scratch}`);
  const missing = await extractSdk(scratch, [...SUPPORT_PATHS, ...specs]);
  for (const path of missing) {
    log(`making ${path} (not in the mirror)`);
    await makeFixture(scratch, path);
  }
  const sdkVersion = (JSON.parse(await readFile(join(scratch, 'package.json'), 'utf8')) as { version: string }).version;
  const jsFiles = git([
    'ls-tree',
    '-r',
    '--name-only',
    values.ref,
    '--',
    'cloudinary.js',
    'lib',
    'test/setup.js',
    'test/spechelper.js',
    'test/testUtils',
    ...specs,
  ])
    .toString('utf8')
    .split('\n')
    .filter((path) => path.endsWith('.js'))
    .map((path) => join(scratch, path));
  await installDependencies(scratch, jsFiles);

  const { key, cert } = makeSelfSignedCert();
  const caFile = join(scratch, 'rendition-ca.pem');
  await writeFile(caFile, cert);
  const apiPort = await freePort();
  const tlsPort = await freePort();
  const databaseUrl = createTestDatabaseUrl('sdk_specs');
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const queuePrefix = `rendition-sdk-specs-${randomBytes(4).toString('hex')}`;
  const secureBase = values.protocol === 'https' ? `https://127.0.0.1:${tlsPort}` : `http://127.0.0.1:${apiPort}`;
  closers.push({
    what: `the database ${databaseUrl}`,
    close: () => (values.keep ? Promise.resolve(log(`kept ${databaseUrl}`)) : dropDatabase(databaseUrl)),
  });
  closers.push({ what: `the Redis keys ${queuePrefix}:*`, close: () => deleteRedisPrefix(redisUrl, queuePrefix) });

  const logStream = createWriteStream(logFile);
  closers.push({ what: 'the cluster log', close: () => new Promise<void>((done) => logStream.end(() => done())) });
  log(`starting Rendition (node apps/cli/bin/rendition.mjs start) on port ${apiPort}; log: ${logFile}`);
  const cluster = startCluster(
    {
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      PUBLIC_BASE_URL: `http://127.0.0.1:${apiPort}`,
      SECURE_BASE_URL: secureBase,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: queuePrefix,
      STORAGE_URL: `file://${join(scratch, 'rendition-data')}`,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      SHUTDOWN_TIMEOUT_MS: '5000',
    },
    logStream,
  );
  closers.push({ what: 'the cluster', close: () => stopChild(cluster.child, 30_000) });
  const printedUrl = await cluster.ready;
  if (values.protocol === 'https') {
    const front = await startTlsFront(key, cert, tlsPort, apiPort);
    closers.push({ what: 'the TLS front', close: () => new Promise<void>((done) => front.close(() => done()).closeAllConnections()) });
  }
  // secure_distribution: the SDK's own URLs (cloudinary.url) then name Rendition's delivery, as
  // docs/transformations.md tells users to configure it; some specs compare them with answers.
  const cloudinaryUrl = `${printedUrl.replace(/upload_prefix=[^&]*/, `upload_prefix=${secureBase}`)}&secure_distribution=${new URL(secureBase).host}`;
  log(`CLOUDINARY_URL=${cloudinaryUrl.replace(/:[^:@/]+@/, ':…@')}`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CLOUDINARY_URL: cloudinaryUrl,
    NODE_EXTRA_CA_CERTS: caFile,
    // Rendition's folders are Cloudinary's dynamic folders (asset_folder apart from the public_id).
    CLD_TEST_FEATURES: process.env.CLD_TEST_FEATURES ?? 'dynamic_folders',
    // The specs suffix their ids and some titles with this (a random number otherwise): one value for
    // the whole run, as in the SDK's CI, keeps titles stable when a spec is resumed.
    TRAVIS_JOB_ID: process.env.TRAVIS_JOB_ID ?? String(100000 + Math.floor(Math.random() * 900000)),
  };

  // The SDK's own test set-up (tools/createTestCloud.js) uploads its sample as `sample`; some specs use it.
  const seed = `require('./cloudinary').v2.uploader.upload('test/.resources/sample.jpg', { public_id: 'sample' })
    .then((r) => console.log('[sdk-specs] seeded', r.public_id), (e) => { console.error(e); process.exit(1); })`;
  if ((await runChild(['-e', seed], { cwd: scratch, env, timeoutMs: 60_000 })) !== 0) throw new Error('could not upload the sample image');

  const records: SpecRecord[] = [];
  for (const spec of specs) records.push(await runSpec(scratch, spec, env));
  const excuses = parseExcused(await readFile(join(ROOT, 'docs/sdk-specs.md'), 'utf8'));
  const summaries = summarize(records, excuses);
  const report = {
    finishedAt: new Date().toISOString(),
    sdk: { repo: values.repo, ref: git(['rev-parse', values.ref]).toString().trim(), version: sdkVersion },
    rendition: spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT }).stdout.toString().trim() || null,
    protocol: values.protocol,
    specs: summaries,
  };
  await writeFile(outFile, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n${formatSummary(summaries)}`);
  for (const excuse of unmatchedExcuses(records, excuses)) log(`docs/sdk-specs.md excuses a test that did not run: ${excuse.spec}: ${excuse.title}`);
  log(`per-test results: ${outFile}`);
  const failing = summaries.some((summary) => !summary.finished || summary.counts.failed + summary.counts['not-run'] > 0);
  return failing ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error('[sdk-specs]', error instanceof Error ? error.message : error);
} finally {
  await cleanUp();
}
process.exit(code);
