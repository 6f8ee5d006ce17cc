import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { fixturePath } from '@rendition/testing';
import { multipartBody } from './multipart.ts';
import type { Arrivals } from './webhook-arrivals.ts';

/**
 * The async + eager workload of eager-throughput and scaling: sharp's own benchmark, its 2725x2225
 * JPEG resized to 720x588, JPEG quality 80, as one eager transformation of each upload.
 */
export const EAGER_SOURCE = fixturePath('images/2569067123_aca715a2ee_o.jpg');
export const EAGER_WIDTH = 720;
export const EAGER_HEIGHT = 588;
export const EAGER = `c_fill,w_${EAGER_WIDTH},h_${EAGER_HEIGHT},q_80`;

export interface UploadRun {
  start: number;
  acceptedAll: number;
  lastArrival: number;
  /** Upload sent -> its notification read, in ms, for every upload that got a correct one. */
  delivered: number[];
  failures: string[];
}

/** Correct eager notifications per second, from the first upload sent to the last notification read. */
export function derivationsPerSecond(run: UploadRun): number {
  return run.delivered.length / ((run.lastArrival - run.start) / 1000);
}

/**
 * Sends `count` multipart uploads of `photo` (`async=true`, `eager=EAGER`, `eager_async=true`) by
 * `concurrency` loops, each sending its next upload once the previous one is accepted, and waits for
 * every eager notification (or `timeoutMs` after the last upload was accepted). Each upload has an
 * eager_notification_url of its own, `<receiverUrl>/<prefix>/<i>`; each notification is checked
 * (`notification_type: "eager"`, one 720x588 `jpg` item).
 */
export async function uploadAll(options: {
  count: number;
  concurrency: number;
  timeoutMs: number;
  prefix: string;
  uploadUrl: string;
  auth: string;
  receiverUrl: string;
  photo: Buffer;
  arrivals: Arrivals;
}): Promise<UploadRun> {
  const { count, concurrency, timeoutMs, prefix, uploadUrl, auth, receiverUrl, photo, arrivals } = options;
  const failures: string[] = [];
  const delivered: number[] = [];
  const notified: Array<Promise<void>> = [];
  let lastArrival = 0;
  let next = 0;
  const start = performance.now();

  const one = async (i: number): Promise<void> => {
    const path = `/${prefix}/${i}`;
    const { body, contentType } = multipartBody(
      [
        ['async', 'true'],
        ['eager', EAGER],
        ['eager_async', 'true'],
        ['eager_notification_url', `${receiverUrl}${path}`],
      ],
      { name: 'file', filename: 'photo.jpg', type: 'image/jpeg', bytes: photo },
    );
    const arrival = new Promise<{ at: number; body: string }>((resolve) => arrivals.set(path, (at, text) => resolve({ at, body: text })));
    const sent = performance.now();
    const response = await request(uploadUrl, { method: 'POST', headers: { 'content-type': contentType, authorization: auth }, body });
    const answer = await response.body.text();
    if (response.statusCode !== 200 || !answer.includes('"status":"pending"')) {
      arrivals.delete(path);
      throw new Error(`upload ${path}: HTTP ${response.statusCode}: ${answer.slice(0, 200)}`);
    }
    notified.push(
      arrival.then(({ at, body: text }) => {
        arrivals.delete(path);
        const payload = JSON.parse(text) as { notification_type?: string; eager?: Array<{ width?: number; height?: number; format?: string }> };
        const item = payload.eager?.[0];
        if (
          payload.notification_type !== 'eager' ||
          payload.eager?.length !== 1 ||
          item?.width !== EAGER_WIDTH ||
          item.height !== EAGER_HEIGHT ||
          item.format !== 'jpg'
        ) {
          failures.push(`unexpected notification on ${path}: ${text.slice(0, 300)}`);
          return;
        }
        delivered.push(at - sent);
        lastArrival = Math.max(lastArrival, at);
      }),
    );
  };
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        await one(next++).catch((error: unknown) => {
          failures.push(error instanceof Error ? error.message : String(error));
        });
      }
    }),
  );
  const acceptedAll = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const outcome = await Promise.race([Promise.all(notified), timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    const missing = [...arrivals.keys()].filter((path) => path.startsWith(`/${prefix}/`));
    failures.push(`${missing.length} eager notification(s) not received within ${timeoutMs / 1000} s (first: ${missing[0]})`);
    for (const path of missing) arrivals.delete(path);
  }
  return { start, acceptedAll, lastArrival, delivered, failures };
}
