import { it } from 'vitest';
import { createJobQueues } from '@rendition/jobs';
import { startRedisServer } from '@rendition/testing';

const until = async (check: () => boolean) => { while (!check()) await new Promise((r) => setTimeout(r, 10)); };
const timed = async (label: string, work: () => Promise<unknown>) => {
  const t = performance.now();
  const r = await Promise.race([work().then((v) => `ok ${String(v)}`, (e: Error) => `err ${e.message}`), new Promise((r) => setTimeout(() => r('HANG'), 3000))]);
  console.log(label, r, Math.round(performance.now() - t), 'ms');
};
it('probe', async () => {
  const redis = await startRedisServer();
  const warm = createJobQueues({ redisUrl: redis.url, prefix: 'probe-a' });
  const cold = createJobQueues({ redisUrl: redis.url, prefix: 'probe-b' });
  await until(() => warm.isConnected() && cold.isConnected());
  await warm.isQueued('derive', 'x');
  await redis.stop();
  await until(() => !warm.isConnected());
  await timed('warm isQueued', () => warm.isQueued('derive', 'y'));
  await timed('cold isQueued', () => cold.isQueued('derive', 'y'));
  await timed('warm enqueue notify', () => warm.enqueue('notify', { v: 1, deliveryId: 'msg_x' }, 'msg_x'));
  const never = createJobQueues({ redisUrl: 'redis://127.0.0.1:1', prefix: 'probe-c' });
  await timed('never isQueued', () => never.isQueued('derive', 'y'));
  await timed('never enqueue', () => never.enqueue('notify', { v: 1, deliveryId: 'msg_x' }, 'msg_x'));
  await redis.close();
}, 30000);
