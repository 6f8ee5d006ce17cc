import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '@rendition/testing';
import { buildRequest, GOOD_ID, loadCorpus, send, verdict, type CorpusCase, type CorpusTarget, type Outcome } from './support/bad-input-corpus.ts';
import { startClusterProcess, type ClusterProcess } from './support/cluster-process.ts';
import { basicAuthHeader } from './support/signed-form.ts';

// The bad-input corpus (e2e/corpus/, format in its README): every case is sent, byte for byte, to one
// Rendition started as `rendition start` in a child process (API and workers, production defaults
// for every limit), and every answer must be a success or a 4xx carrying Cloudinary's JSON error
// (`{"error":{"message":…}}`; a delivery error may carry it in X-Cld-Error alone): never a 5xx, never
// a hang (no answer within CASE_TIMEOUT_MS), never a dropped connection. Afterwards the process must
// still be alive, answer /healthz, take a good upload, and its peak RSS must have stayed under
// PEAK_RSS_BOUND. Five cases are in flight at a time (vitest's maxConcurrency); the decompression
// bombs that decode run one after the other (their `after` chain), so the peak measures one bomb.

const CASE_TIMEOUT_MS = 15_000;
/**
 * Peak resident memory of the cluster process over the whole run (VmHWM). An idle cluster holds
 * about 190 MB; the corpus's decompression bombs decode, within MAX_IMAGE_PIXELS, to up to 400 MB
 * of pixels each (one at a time), and five cases are in flight. Past this bound, some input made
 * the process hold far more than one image's worth of pixels (an entity or metadata bomb expanded,
 * a buffer grew without limit).
 */
const PEAK_RSS_BOUND = 1536 * 1024 * 1024;

const cases = loadCorpus();
const PNG = readFileSync(fixturePath('images/embedgravitybird.png'));

let cluster: ClusterProcess;
let target: CorpusTarget;
let memoryAtStart: { rss: number; peak: number };
const results = new Map<string, { outcome: Outcome; failure?: string }>();
const done = new Map<string, { promise: Promise<void>; resolve: () => void }>();
for (const item of cases) {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((ready) => (resolve = ready));
  done.set(item.id, { promise, resolve });
}

async function uploadGood(publicId: string): Promise<Response> {
  const form = new FormData();
  form.append('public_id', publicId);
  form.append('file', new Blob([PNG], { type: 'image/png' }), 'bird.png');
  return fetch(`${cluster.baseUrl}/v1_1/${cluster.cloud}/image/upload`, {
    method: 'POST',
    headers: { authorization: basicAuthHeader(cluster.credentials) },
    body: form,
    signal: AbortSignal.timeout(CASE_TIMEOUT_MS),
  });
}

beforeAll(async () => {
  cluster = await startClusterProcess({
    // Bounded waits, so that work stuck behind a bad input answers (and is judged) within the case timeout.
    SYNC_UPLOAD_TIMEOUT_MS: '12000',
    DERIVE_WAIT_TIMEOUT_MS: '12000',
    REMOTE_FETCH_TIMEOUT_MS: '3000',
    IMAGE_TIMEOUT_SECONDS: '10',
  });
  target = { host: cluster.host, port: cluster.port, cloud: cluster.cloud, credentials: cluster.credentials };
  const control = await uploadGood(GOOD_ID);
  if (control.status !== 200) throw new Error(`the control upload failed: ${control.status} ${await control.text()}`);
  memoryAtStart = await cluster.memory();
}, 90_000);

afterAll(async () => {
  // CORPUS_RESULTS=<file>: every case's answer, one JSON line each (status, time, error message).
  const resultsFile = process.env.CORPUS_RESULTS;
  if (resultsFile) {
    const lines = [...results].map(([id, { outcome, failure }]) => {
      const answer = outcome.kind === 'answer' ? outcome.answer : undefined;
      return JSON.stringify({
        id,
        outcome: outcome.kind,
        ms: outcome.ms,
        status: answer?.status,
        error: answer?.headers['x-cld-error'],
        body: answer && answer.status >= 400 ? answer.body.toString('utf8').slice(0, 300) : undefined,
        failure,
      });
    });
    writeFileSync(resultsFile, `${lines.join('\n')}\n`);
  }
  const failed = [...results].filter(([, result]) => result.failure !== undefined);
  if (failed.length > 0) {
    const byCause = new Map<string, string[]>();
    for (const [id, { failure }] of failed) {
      const text = failure ?? '';
      const cause = text.slice(0, Math.max(0, text.indexOf(': ')));
      byCause.set(cause, [...(byCause.get(cause) ?? []), `  ${id}: ${text.slice(cause.length + 2, cause.length + 202)}`]);
    }
    const logged = new Map<string, number>();
    for (const entry of cluster?.errors() ?? []) {
      const key = `${entry.msg}${entry.error ? ` — ${entry.error}` : ''}`.slice(0, 200);
      logged.set(key, (logged.get(key) ?? 0) + 1);
    }
    const lines = [`bad-input corpus: ${failed.length} of ${cases.length} cases broke the rule`];
    for (const [cause, items] of byCause) lines.push(`${cause} (${items.length}):`, ...items);
    if (logged.size > 0) lines.push('errors the cluster logged:', ...[...logged].map(([text, count]) => `  ${count} × ${text}`));
    console.log(lines.join('\n'));
  }
  await cluster?.stop();
}, 30_000);

function describeCase(item: CorpusCase): string {
  return `${item.id} (${item.what})`;
}

describe.concurrent(`bad-input corpus (${cases.length} cases): a success or a 4xx JSON error, never a 5xx or a hang`, () => {
  for (const item of cases) {
    it(
      item.id,
      async () => {
        try {
          if (item.after !== undefined) await done.get(item.after)?.promise;
          const exited = cluster.exit();
          if (exited) throw new Error(`the cluster process had exited before ${item.id} was sent: ${JSON.stringify(exited)}\n${cluster.stderr()}`);
          const outcome = await send(target, buildRequest(item, target), item.method, CASE_TIMEOUT_MS);
          const failure = verdict(item, outcome, CASE_TIMEOUT_MS) ?? (cluster.exit() ? `process exit: ${JSON.stringify(cluster.exit())}` : undefined);
          results.set(item.id, failure === undefined ? { outcome } : { outcome, failure });
          expect(failure, describeCase(item)).toBeUndefined();
        } finally {
          done.get(item.id)?.resolve();
        }
      },
      CASE_TIMEOUT_MS + 5_000,
    );
  }
});

describe('after the corpus', () => {
  it('the cluster process is alive and answers /healthz', async () => {
    expect(cluster.exit()).toBeUndefined();
    const health = await fetch(`${cluster.baseUrl}/healthz`, { signal: AbortSignal.timeout(CASE_TIMEOUT_MS) });
    expect(health.status).toBe(200);
    const ready = await fetch(`${cluster.baseUrl}/readyz`, { signal: AbortSignal.timeout(CASE_TIMEOUT_MS) });
    expect(ready.status).toBe(200);
  });

  it('a good upload still works and is delivered, original and derived', async () => {
    const upload = await uploadGood('corpus-good-after');
    expect(upload.status).toBe(200);
    expect(await upload.json()).toMatchObject({ public_id: 'corpus-good-after', width: 576, height: 384, format: 'png' });
    const original = await fetch(`${cluster.baseUrl}/${cluster.cloud}/image/upload/corpus-good-after.png`, {
      signal: AbortSignal.timeout(CASE_TIMEOUT_MS),
    });
    expect(original.status).toBe(200);
    expect(Buffer.from(await original.arrayBuffer()).equals(PNG)).toBe(true);
    const derived = await fetch(`${cluster.baseUrl}/${cluster.cloud}/image/upload/w_64,c_scale/corpus-good-after.jpg`, {
      signal: AbortSignal.timeout(CASE_TIMEOUT_MS),
    });
    expect(derived.status).toBe(200);
    expect(derived.headers.get('content-type')).toBe('image/jpeg');
  });

  it(`the cluster's peak RSS stayed under ${PEAK_RSS_BOUND / 1024 / 1024} MiB`, async () => {
    const memory = await cluster.memory();
    const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;
    console.log(
      `cluster RSS: ${mib(memoryAtStart.rss)} before the corpus, ${mib(memory.rss)} after; peak ${mib(memory.peak)} (bound ${mib(PEAK_RSS_BOUND)})`,
    );
    expect(memory.peak).toBeLessThan(PEAK_RSS_BOUND);
  });
});
