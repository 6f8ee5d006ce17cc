import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createJobQueues } from '@rendition/jobs';

describe('the producer side without Redis', () => {
  it('fails at once, even for a queue it has never used, instead of waiting for Redis', async () => {
    // Nothing listens on port 1: the connection never becomes ready.
    const queues = createJobQueues({ redisUrl: 'redis://127.0.0.1:1', prefix: `test-${randomUUID()}` });
    try {
      const started = Date.now();
      await expect(queues.isQueued('derive', randomUUID())).rejects.toThrow(/Redis is not connected/);
      await expect(queues.enqueue('notify', { v: 1, deliveryId: 'msg_abc' }, randomUUID())).rejects.toThrow(/Redis is not connected/);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(queues.isConnected()).toBe(false);
    } finally {
      await queues.close();
    }
  });
});
