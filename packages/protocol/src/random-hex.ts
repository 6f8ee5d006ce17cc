import { randomBytes } from 'node:crypto';

/** Bytes drawn from the CSPRNG at once: one system call serves many ids. */
const POOL_BYTES = 4096;

let pool = Buffer.alloc(0);
let offset = 0;

/**
 * `bytes` random bytes as hex, for the ids an accepted upload needs (batch id, asset id). Drawn from a
 * pool refilled from `randomBytes` (as Node's randomUUID caches its entropy): the profile of the intake
 * showed one system call per id costing more than the rest of building the job. Each byte is used once.
 */
export function randomHex(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes < 1) throw new RangeError(`randomHex takes a positive whole number of bytes, not ${bytes}`);
  if (bytes > POOL_BYTES) return randomBytes(bytes).toString('hex');
  if (offset + bytes > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex;
}
