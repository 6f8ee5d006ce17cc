import { fork } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { s3rverMultipartMiddleware } from './s3rver-multipart.ts';

// s3rver ships no types; this is the slice of its API used here.
interface S3rverOptions {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}
interface S3rverInstance {
  /** Koa's middleware stack; s3rver's router is its last entry. */
  middleware: unknown[];
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: S3rverOptions) => S3rverInstance;

export interface S3Server {
  endpoint: string;
  region: 'us-east-1';
  accessKeyId: 'S3RVER';
  secretAccessKey: 'S3RVER';
  forcePathStyle: true;
  stop(): Promise<void>;
}

interface ChildArguments {
  directory: string;
  buckets: string[];
}

const STOP_GRACE_MS = 5_000;
const CHILD_MARKER = '--rendition-s3rver-child';

/**
 * An S3-protocol server on loopback for integration tests, backed by a fresh temp directory.
 *
 * s3rver runs in a child process because it encrypts ListObjectsV2 continuation tokens with DES,
 * which Node's OpenSSL 3 only offers with --openssl-legacy-provider: in-process, every truncated
 * listing would fail with InternalError. Buckets are created through s3rver's own store, so this
 * helper needs no S3 client.
 */
export async function startS3Server(options: { buckets: string[] }): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'rendition-s3rver-'));
  const args: ChildArguments = { directory, buckets: options.buckets };
  // The real path: Node refuses to strip types from a file reached through node_modules.
  const child = fork(realpathSync(fileURLToPath(import.meta.url)), [CHILD_MARKER, JSON.stringify(args)], {
    // Type stripping is on by default from Node 23.6; the flag keeps Node 22 working too.
    execArgv: ['--openssl-legacy-provider', '--experimental-strip-types', '--disable-warning=ExperimentalWarning'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      child.once('message', (message) => resolve((message as { port: number }).port));
      child.once('error', reject);
      child.once('exit', (code, signal) => reject(new Error(`s3rver exited (${signal ?? code}) before it listened`)));
    });
  } catch (error) {
    child.kill('SIGKILL');
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    // s3rver's one built-in account; it checks signatures against this pair.
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        // Disconnecting is the child's cue to close; a hung one is killed after the grace period.
        child.disconnect();
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}

async function runChild(args: ChildArguments): Promise<void> {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: args.directory,
    configureBuckets: args.buckets.map((name) => ({ name })),
  });
  // Abort, ListMultipartUploads, ListParts and UploadPartCopy, which s3rver lacks (s3rver-multipart.ts).
  server.middleware.splice(-1, 0, s3rverMultipartMiddleware(args.directory));
  const address = await server.run();
  // The parent going away, deliberately or not, ends the server.
  process.once('disconnect', () => {
    server.close().finally(() => process.exit(0));
  });
  process.send?.({ port: address.port });
}

if (process.argv[2] === CHILD_MARKER && process.argv[3] !== undefined) {
  await runChild(JSON.parse(process.argv[3]) as ChildArguments);
}
