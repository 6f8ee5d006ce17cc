import { randomBytes } from 'node:crypto';

/** Bytes drawn from the CSPRNG at once: one system call serves many ids. */
const POOL_BYTES = 4096;

let pool = Buffer.alloc(0);
let offset = 0;

/**
 * `count` random bytes from a pool refilled from `randomBytes` (as Node's randomUUID caches its
 * entropy): the profile of the intake showed one system call per id costing more than the rest of
 * building the job. Each byte is handed out once; the view is valid until the next call.
 */
export function takeRandomBytes(count: number): Buffer {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`random bytes are taken a positive whole number at a time, not ${count}`);
  if (count > POOL_BYTES) return randomBytes(count);
  if (offset + count > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const taken = pool.subarray(offset, offset + count);
  offset += count;
  return taken;
}

/** `bytes` random bytes as hex, for the ids an accepted upload needs (batch id, asset id). */
export function randomHex(bytes: number): string {
  return takeRandomBytes(bytes).toString('hex');
}
