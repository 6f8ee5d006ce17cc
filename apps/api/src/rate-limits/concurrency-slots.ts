import { randomUUID } from 'node:crypto';
import type { RedisClient } from './redis-client.ts';

/**
 * Requests in progress per key, across every API replica: a Redis sorted set per key whose members
 * are the requests holding a slot, each scored with the time its slot lapses. Taking a slot is one
 * atomic script (drop lapsed slots, count, add when under the limit); giving it back removes the
 * member. A replica renews its slots while their requests run (every SLOT_TTL_MS / 4), so a slot whose
 * replica died without giving it back lapses within SLOT_TTL_MS, however busy the key stays. Times
 * are Redis's own (TIME), so replicas' clocks do not matter.
 */
export const SLOT_TTL_MS = 60_000;

const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local held = redis.call('ZCARD', KEYS[1])
if held >= tonumber(ARGV[1]) then return {0, held} end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, held + 1}
`;

const RENEW = `
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

interface SlotCommands {
  renditionSlotAcquire(key: string, limit: number, token: string, ttlMs: number): Promise<[number, number]>;
  renditionSlotRenew(key: string, token: string, ttlMs: number): Promise<number>;
}

export interface Slot {
  /** Gives the slot back (once; later calls do nothing). Never rejects. */
  release(): Promise<void>;
}

export type SlotOutcome = { granted: true; slot: Slot; held: number } | { granted: false; held: number };

export interface ConcurrencySlots {
  acquire(key: string, limit: number): Promise<SlotOutcome>;
  /** Slots this process holds now. */
  heldHere(): number;
  /** Stops renewing (the slots still held lapse on their own). */
  close(): void;
}

export function createConcurrencySlots(redis: RedisClient, options: { ttlMs?: number; onError?: (error: unknown) => void } = {}): ConcurrencySlots {
  const ttlMs = options.ttlMs ?? SLOT_TTL_MS;
  redis.defineCommand('renditionSlotAcquire', { numberOfKeys: 1, lua: ACQUIRE });
  redis.defineCommand('renditionSlotRenew', { numberOfKeys: 1, lua: RENEW });
  const commands = redis as unknown as SlotCommands;
  /** Token → key of every slot this process holds. */
  const held = new Map<string, string>();

  const renewal = setInterval(
    () => {
      for (const [token, key] of held) commands.renditionSlotRenew(key, token, ttlMs).catch((error: unknown) => options.onError?.(error));
    },
    Math.max(10, Math.floor(ttlMs / 4)),
  );
  renewal.unref();

  return {
    async acquire(key, limit) {
      const token = randomUUID();
      const [granted, count] = await commands.renditionSlotAcquire(key, limit, token, ttlMs);
      if (granted !== 1) return { granted: false, held: count };
      held.set(token, key);
      let released = false;
      return {
        granted: true,
        held: count,
        slot: {
          async release() {
            if (released) return;
            released = true;
            held.delete(token);
            // Redis unreachable: the slot lapses on its own within ttlMs, no longer renewed.
            await redis.zrem(key, token).catch((error: unknown) => options.onError?.(error));
          },
        },
      };
    },
    heldHere: () => held.size,
    close() {
      clearInterval(renewal);
    },
  };
}
