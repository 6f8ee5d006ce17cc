import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';

/**
 * The reference for intake: a bare Fastify with the same body parsers and limits as Rendition's
 * API, on the same route path. A multipart body is read part by part as Rendition reads it (the
 * file part streamed out, here to /dev/null; the fields collected); an urlencoded body is parsed
 * by @fastify/formbody. It answers a pending-style JSON of the same size. No auth, no database,
 * no queue, no logging (Rendition runs with LOG_LEVEL=silent in the bench too).
 */
export async function startBareServer(limits: { maxUploadBytes: number; maxDataUriBytes: number }): Promise<{ app: FastifyInstance; baseUrl: string }> {
  const textLimit = Math.ceil((limits.maxDataUriBytes * 4) / 3) + 64 * 1024;
  const app = Fastify({ logger: false, bodyLimit: textLimit, routerOptions: { maxParamLength: 2048 } });
  await app.register(formbody);
  await app.register(multipart, {
    limits: { fileSize: limits.maxUploadBytes, fieldSize: textLimit, files: 1, fields: 1_000 },
    throwFileSizeLimit: true,
  });
  app.post('/v1_1/:cloud/:resourceType/upload', async (request) => {
    const fields = await readFields(request);
    if (!fields.some(([name]) => name === 'file')) throw new Error('no file');
    return { status: 'pending', type: 'upload', resource_type: 'image', batch_id: randomBytes(32).toString('hex') };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address !== 'object') throw new Error('bare server has no port');
  return { app, baseUrl: `http://127.0.0.1:${address.port}` };
}

async function readFields(request: FastifyRequest): Promise<Array<[string, string]>> {
  const fields: Array<[string, string]> = [];
  if (!request.isMultipart()) {
    for (const [name, value] of Object.entries((request.body ?? {}) as Record<string, unknown>)) {
      for (const item of Array.isArray(value) ? value : [value]) fields.push([name, String(item)]);
    }
    return fields;
  }
  for await (const part of request.parts()) {
    if (part.type === 'field') {
      fields.push([part.fieldname, String(part.value)]);
      continue;
    }
    await pipeline(part.file, createWriteStream('/dev/null'));
    fields.push([part.fieldname, part.filename]);
  }
  return fields;
}
