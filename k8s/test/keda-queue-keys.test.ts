// The keys the workers' ScaledObjects read are where this code, with the BullMQ version of the lock
// file, puts its jobs. Against the local Redis (TEST_REDIS_URL) under a prefix of its own: each queue
// gets one job through the project's own producer (createJobQueues().enqueue) and each trigger's key is
// measured the way KEDA's redis scaler measures it. A BullMQ upgrade that moves waiting jobs elsewhere
// (another key, a sorted set of priorities) fails here, not in production as a queue nobody scales for.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@rendition/config';
import {
  createJobQueues,
  createRedisConnection,
  JOBS,
  QUEUE_NAMES,
  type JobKind,
  type JobPayload,
  type JobQueues,
  type QueueName,
} from '@rendition/jobs';
import { createLogger } from '@rendition/logging';
import { deleteRedisPrefix, TEST_REDIS_URL, until } from '@rendition/testing';
import { startWorkerPool } from '../../apps/worker/src/worker-pool.ts';
import { containerEnv, ofKind, podTemplate, render } from './manifests.ts';

/**
 * What KEDA's redis scaler evaluates for a trigger's listName (pkg/scalers/redis_scaler.go): the length
 * of the key by its type — ZCARD of a sorted set, SCARD of a set, HLEN of a hash, LLEN of a list, 0 for
 * a missing key.
 */
const KEDA_LENGTH_SCRIPT = `
local lengthOf = { zset = 'ZCARD', set = 'SCARD', hash = 'HLEN', list = 'LLEN', none = 'LLEN' }
local command = lengthOf[redis.call('TYPE', KEYS[1]).ok]
if not command then return redis.error_reply('unsupported key type') end
return redis.call(command, KEYS[1])
`;

const HEX32 = 'a'.repeat(32);
const BATCH = 'b'.repeat(64);

/** One job of a kind of each queue, as producers make them. */
type Sample = { [K in JobKind]: { kind: K; payload: JobPayload<K> } }[JobKind];
const derivePayload = { v: 1, cloudName: 'demo', assetId: HEX32, versionId: HEX32, transformation: 'w_10', format: 'jpg' } as const;
const SAMPLES: Record<QueueName, Sample> = {
  ingest: {
    kind: 'ingest',
    payload: {
      v: 1,
      jobId: randomUUID(),
      batchId: BATCH,
      cloudName: 'demo',
      apiKey: '123',
      source: { kind: 'staged', key: 'staging/x' },
      newAssetId: HEX32,
      request: {
        resourceType: 'image',
        type: 'upload',
        publicId: 'sample',
        publicIdGenerated: false,
        originalFilename: null,
        assetFolder: '',
        displayName: null,
        overwrite: true,
        tags: [],
        context: {},
        metadata: {},
        format: null,
        allowedFormats: [],
        accessMode: 'public',
      },
      eager: [],
      eagerAsync: false,
      eagerInIngest: false,
      returnDeleteToken: false,
      backup: false,
      incoming: null,
      rawConvert: null,
      analysis: { colors: false, phash: false, qualityAnalysis: false, accessibilityAnalysis: false, mediaMetadata: false },
      evalScript: null,
      onSuccess: null,
      moderation: null,
    },
  },
  derive: { kind: 'derive', payload: derivePayload },
  notify: { kind: 'notify', payload: { v: 1, deliveryId: 'msg_k8s' } },
  documents: {
    kind: 'convert',
    payload: {
      v: 1,
      jobId: randomUUID(),
      batchId: BATCH,
      cloudName: 'demo',
      apiKey: '123',
      assetId: HEX32,
      versionId: HEX32,
      conversion: 'extract_text',
    },
  },
  video: { kind: 'derive-video', payload: { ...derivePayload, format: 'mp4' } },
  moderate: {
    kind: 'moderate',
    payload: { v: 1, jobId: randomUUID(), batchId: BATCH, cloudName: 'demo', apiKey: '123', assetId: HEX32, versionId: HEX32, moderation: 'aws_rek' },
  },
  archive: {
    kind: 'archive',
    payload: {
      v: 1,
      jobId: randomUUID(),
      batchId: BATCH,
      cloudName: 'demo',
      apiKey: '123',
      request: {
        targetFormat: 'zip',
        assets: [{ assetId: HEX32, versionId: HEX32, publicId: 'sample' }],
        transformations: [],
        naming: { flattenFolders: false, flattenTransformations: false, useOriginalFilename: false, skipTransformationName: false },
        allowMissing: false,
        keepDerived: false,
        limits: { maxFiles: 10, maxBytes: 1_000_000, deriveWaitMs: 1_000, maxSyncVideoBytes: 1_000_000 },
        target: { kind: 'download', uploadId: randomUUID() },
      },
    },
  },
  purge: { kind: 'purge', payload: { v: 1, jobId: randomUUID(), cloudName: 'demo', assets: [{ assetId: HEX32, keys: ['a/b'], sweep: false }] } },
};

interface Trigger {
  scaledObject: string;
  listName: string;
  queue: QueueName;
  state: string;
}

/** Every redis trigger of the base's ScaledObjects, with the queue prefix the manifests configure. */
function manifestTriggers(): { prefix: string; triggers: Trigger[] } {
  const objects = render('base');
  const deployment = ofKind(objects, 'Deployment').find((object) => object.metadata.name === 'rendition-worker-image')!;
  const prefix = loadConfig(containerEnv(objects, podTemplate(deployment).spec.containers[0]!).env).queuePrefix;
  const triggers = ofKind(objects, 'ScaledObject').flatMap((scaled) =>
    (scaled.spec as { triggers: Array<{ metadata: { listName: string } }> }).triggers.map(({ metadata: { listName } }) => {
      const [, queue, state] = /^[^:]+:([^:]+):([^:]+)$/.exec(listName)!;
      return { scaledObject: scaled.metadata.name, listName, queue: queue as QueueName, state: state! };
    }),
  );
  return { prefix, triggers };
}

describe('the keys the ScaledObjects read', () => {
  const { prefix: manifestPrefix, triggers } = manifestTriggers();
  const prefix = `k8s-keda-${randomUUID()}`;
  /** The trigger's key under this test's prefix instead of the deployment's. */
  const keyOf = (trigger: Trigger) => `${prefix}${trigger.listName.slice(manifestPrefix.length)}`;
  const redis = createRedisConnection(TEST_REDIS_URL, 'worker');
  let queues: JobQueues;
  const kedaLength = async (key: string) => Number(await redis.eval(KEDA_LENGTH_SCRIPT, 1, key));
  const lengths = async (filter: (trigger: Trigger) => boolean) =>
    Object.fromEntries(
      await Promise.all(triggers.filter(filter).map(async (trigger) => [trigger.listName, await kedaLength(keyOf(trigger))] as const)),
    );

  beforeAll(async () => {
    queues = createJobQueues({ redisUrl: TEST_REDIS_URL, prefix });
    await until(() => queues.isConnected(), 5_000, 'the producer connection to Redis');
  });

  afterAll(async () => {
    await queues?.close();
    await deleteRedisPrefix(TEST_REDIS_URL, prefix);
    redis.disconnect();
  });

  it('cover every queue, with the prefix of QUEUE_PREFIX', () => {
    expect(manifestPrefix).toBe('rendition');
    expect(new Set(triggers.filter((trigger) => trigger.state === 'wait').map((trigger) => trigger.queue))).toEqual(new Set(QUEUE_NAMES));
  });

  it('no job kind is added with a priority or a delay of its own, which would put it beside the waiting list', () => {
    // A priority puts a job in the sorted set <prefix>:<queue>:prioritized, which no trigger reads: give
    // that queue's ScaledObject a trigger on it (KEDA counts a sorted set with ZCARD) before adding one.
    for (const kind of Object.keys(JOBS) as JobKind[]) {
      const options = JOBS[kind].options as { priority?: number; delay?: number };
      expect({ kind, priority: options.priority, delay: options.delay }).toEqual({ kind, priority: undefined, delay: undefined });
    }
  });

  it('count a job the producer enqueues on the waiting trigger of its queue, and on no other', async () => {
    for (const queue of QUEUE_NAMES) {
      const sample = SAMPLES[queue];
      expect(JOBS[sample.kind].queue).toBe(queue);
      const jobId = randomUUID();
      await queues.enqueue(sample.kind, sample.payload as never, jobId);
      const waiting = triggers.filter((trigger) => trigger.queue === queue && trigger.state === 'wait');
      expect(waiting.length, `queue ${queue}`).toBeGreaterThan(0);
      for (const trigger of waiting) expect(await redis.lrange(keyOf(trigger), 0, -1), `${trigger.scaledObject} ${trigger.listName}`).toContain(jobId);
    }
    const counts = await lengths(() => true);
    expect(counts).toEqual(Object.fromEntries(triggers.map((trigger) => [trigger.listName, trigger.state === 'wait' ? 1 : 0])));
  });

  it('count a delayed job (a retry, a scheduled redelivery) on the delayed trigger, not as waiting', async () => {
    const delayed = triggers.find((trigger) => trigger.state === 'delayed')!;
    const wait = triggers.find((trigger) => trigger.queue === delayed.queue && trigger.state === 'wait')!;
    const before = await kedaLength(keyOf(wait));
    const jobId = randomUUID();
    await queues.enqueue(SAMPLES[delayed.queue].kind, SAMPLES[delayed.queue].payload as never, jobId, { delayMs: 60_000 });
    expect(await redis.zrange(keyOf(delayed), '0', '-1')).toContain(jobId);
    expect(await kedaLength(keyOf(delayed))).toBe(1);
    expect(await kedaLength(keyOf(wait))).toBe(before);
  });

  it('count a job a worker is running on the active trigger of its queue', async () => {
    const active = triggers.find((trigger) => trigger.queue === 'notify' && trigger.state === 'active')!;
    const wait = triggers.find((trigger) => trigger.queue === 'notify' && trigger.state === 'wait')!;
    await queues.enqueue('notify', { v: 1, deliveryId: 'msg_k8s_active' }, randomUUID());
    const waitingBefore = await kedaLength(keyOf(wait));
    let release: () => void = () => {};
    const running = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    const pool = startWorkerPool({
      redisUrl: TEST_REDIS_URL,
      prefix,
      queues: [{ name: 'notify', concurrency: 1 }],
      handlers: {
        notify: {
          async handle() {
            started = true;
            await running;
          },
        },
      },
      logger: createLogger({ level: 'silent' }),
    });
    try {
      // Concurrency 1: the worker holds one job, whatever else waits.
      await until(() => started, 10_000, 'the worker to take a notify job');
      expect(await kedaLength(keyOf(active))).toBe(1);
      expect(await kedaLength(keyOf(wait))).toBe(waitingBefore - 1);
      release();
      await until(async () => (await kedaLength(keyOf(active))) === 0, 10_000, 'the active list to empty');
    } finally {
      release();
      await pool.close(5_000);
    }
  });
});
