import { randomBytes } from 'node:crypto';
import multipart from '@fastify/multipart';
import Fastify from 'fastify';
import sharp from 'sharp';
import { request } from 'undici';

/**
 * The floor of eager-throughput: the least any service must do for the bench's client. A bare
 * Fastify with the same multipart parser takes the upload into memory, answers `pending`, and, at
 * most `concurrency` at a time, runs the same sharp resize and encode (strict decoding, as
 * Rendition's) and POSTs a minimal eager notification to the upload's eager_notification_url. No
 * auth, storage, database, queue, signature or retry: what it loses against raw sharp is what HTTP
 * in, HTTP out and the client cost on this machine.
 */
export async function startBareEagerServer(options: {
  concurrency: number;
  maxUploadBytes: number;
  derive(input: Buffer): Promise<{ width: number; height: number; size: number }>;
}): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  await app.register(multipart, { limits: { fileSize: options.maxUploadBytes, files: 1, fields: 1_000 }, throwFileSizeLimit: true });
  const waiting: Array<() => Promise<void>> = [];
  let running = 0;
  const next = (): void => {
    while (running < options.concurrency && waiting.length > 0) {
      const work = waiting.shift() as () => Promise<void>;
      running += 1;
      void work().finally(() => {
        running -= 1;
        next();
      });
    }
  };
  app.post('/v1_1/:cloud/:resourceType/upload', async (req) => {
    let file: Buffer | undefined;
    let notify: string | undefined;
    for await (const part of req.parts()) {
      if (part.type === 'file') file = await part.toBuffer();
      else if (part.fieldname === 'eager_notification_url') notify = String(part.value);
    }
    if (!file || !notify) throw new Error('file and eager_notification_url are required');
    const input = file;
    const url = notify;
    waiting.push(async () => {
      const out = await options.derive(input);
      const body = JSON.stringify({ notification_type: 'eager', eager: [{ width: out.width, height: out.height, bytes: out.size, format: 'jpg' }] });
      const answer = await request(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      await answer.body.dump();
    });
    next();
    return { status: 'pending', batch_id: randomBytes(32).toString('hex') };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address !== 'object') throw new Error('bare eager server has no port');
  return { baseUrl: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}

/** sharp as the bare server runs it, for callers that pass it as `derive`. */
export function sharpDerive(width: number, height: number): (input: Buffer) => Promise<{ width: number; height: number; size: number }> {
  return async (input) => {
    const { info } = await sharp(input, { failOn: 'error' }).resize(width, height).jpeg({ quality: 80 }).toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, size: info.size };
  };
}
