import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '@rendition/storage/s3';
import { fixturePath, makeSelfSignedCert, startS3Server, type CloudinarySdk, type S3Server } from '@rendition/testing';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

type UploadResult = Record<string, unknown> & { public_id: string; version: number; signature: string; secure_url: string; url: string; etag: string };

const JPEG = fixturePath('images/2569067123_aca715a2ee_o.jpg');
const PNG = fixturePath('images/embedgravitybird.png');
const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
let httpsSource: Server;
let httpsSourceUrl: string;
let s3: S3Server;

beforeAll(async () => {
  const cert = makeSelfSignedCert();
  const caFile = join(tmpdir(), `rendition-test-ca-${process.pid}.pem`);
  writeFileSync(caFile, cert.cert);
  httpsSource = createServer({ key: cert.key, cert: cert.cert }, (request, response) => {
    if (request.url === '/photos/bird.png') {
      response.writeHead(200, { 'content-type': 'image/png' }).end(readFileSync(PNG));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => httpsSource.listen(0, '127.0.0.1', resolve));
  const address = httpsSource.address();
  httpsSourceUrl = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  s3 = await startS3Server({ buckets: ['sources'] });
  const client = createS3Client(s3);
  await client.send(new PutObjectCommand({ Bucket: 'sources', Key: 'in/sample.jpg', Body: readFileSync(JPEG) }));
  client.destroy();

  cluster = await startTestCluster({
    SSRF_ALLOW: '127.0.0.1/32',
    REMOTE_FETCH_CA_FILE: caFile,
    S3_SOURCE_BUCKETS: 'sources',
    S3_ENDPOINT: s3.endpoint,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
  });
  // The SDK picks http or https from upload_prefix when it is first loaded, so configure it first.
  cloudinary = sdkFor(cluster);
});

afterAll(async () => {
  await cluster?.stop();
  await s3?.stop();
  await new Promise((resolve) => httpsSource?.close(resolve));
});

async function expectServes(result: UploadResult, expected: Buffer, contentType: string): Promise<void> {
  expect(cloudinary.utils.verify_api_response_signature(result.public_id, result.version, result.signature)).toBe(true);
  for (const url of [result.secure_url, result.url]) {
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(contentType);
    expect(response.headers.get('etag')).toBe(`"${result.etag}"`);
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.equals(expected)).toBe(true);
  }
  expect(result.etag).toBe(md5(expected));
}

describe('the official cloudinary SDK against Rendition', () => {
  it('uploads a local image path and serves exactly its bytes', async () => {
    const result = (await cloudinary.uploader.upload(JPEG, { tags: ['sdk', 'photo'], context: 'alt=A bird|caption=x' })) as UploadResult;
    expect(result).toMatchObject({
      width: 2725,
      height: 2225,
      format: 'jpg',
      resource_type: 'image',
      type: 'upload',
      pages: 1,
      tags: ['sdk', 'photo'],
      context: { custom: { alt: 'A bird', caption: 'x' } },
      placeholder: false,
      original_filename: '2569067123_aca715a2ee_o',
      api_key: cluster.credentials.apiKey,
      bytes: readFileSync(JPEG).length,
    });
    expect(result.public_id).toMatch(/^[a-z0-9]{20}$/);
    expect(result.asset_id).toMatch(/^[0-9a-f]{32}$/);
    expect(result.version_id).toMatch(/^[0-9a-f]{32}$/);
    expect(result.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(result.secure_url).toBe(`${cluster.baseUrl}/demo/image/upload/v${result.version}/${result.public_id}.jpg`);
    await expectServes(result, readFileSync(JPEG), 'image/jpeg');
  });

  it('uploads from an https URL', async () => {
    const result = (await cloudinary.uploader.upload(`${httpsSourceUrl}/photos/bird.png`, { public_id: 'remote/bird' })) as UploadResult;
    expect(result).toMatchObject({ public_id: 'remote/bird', width: 576, height: 384, format: 'png', original_filename: 'bird' });
    await expectServes(result, readFileSync(PNG), 'image/png');
  });

  it('uploads a data URI', async () => {
    const bytes = readFileSync(PNG);
    const result = (await cloudinary.uploader.upload(`data:image/png;base64,${bytes.toString('base64')}`, {
      public_id: 'from-data-uri',
    })) as UploadResult;
    expect(result).toMatchObject({ public_id: 'from-data-uri', width: 576, height: 384, format: 'png' });
    await expectServes(result, bytes, 'image/png');
  });

  it('uploads with upload_stream', async () => {
    const bytes = readFileSync(JPEG);
    const result = await new Promise<UploadResult>((resolve, reject) => {
      const stream = cloudinary.uploader.upload_stream({ folder: 'streams' }, (error, value) =>
        error ? reject(new Error(JSON.stringify(error))) : resolve(value as UploadResult),
      );
      stream.end(bytes);
    });
    expect(result.public_id).toMatch(/^streams\/[a-z0-9]{20}$/);
    expect(result).toMatchObject({ asset_folder: 'streams', original_filename: 'file', format: 'jpg' });
    await expectServes(result, bytes, 'image/jpeg');
  });

  it('uploads an object from an allowed s3:// bucket', async () => {
    const result = (await cloudinary.uploader.upload('s3://sources/in/sample.jpg', { public_id: 'from-s3' })) as UploadResult;
    expect(result).toMatchObject({ public_id: 'from-s3', width: 2725, height: 2225, original_filename: 'sample' });
    await expectServes(result, readFileSync(JPEG), 'image/jpeg');
  });

  it('uploads a raw file, keeping its extension in the public_id', async () => {
    const path = join(tmpdir(), `notes-${process.pid}.txt`);
    const text = Buffer.from('plain text, stored as it came\n');
    writeFileSync(path, text);
    const result = (await cloudinary.uploader.upload(path, { resource_type: 'raw', use_filename: true, unique_filename: false })) as UploadResult;
    expect(result.public_id).toBe(`notes-${process.pid}.txt`);
    expect(result.resource_type).toBe('raw');
    expect(result).not.toHaveProperty('width');
    expect(result).not.toHaveProperty('format');
    expect(result.secure_url).toBe(`${cluster.baseUrl}/demo/raw/upload/v${result.version}/notes-${process.pid}.txt`);
    await expectServes(result, text, 'text/plain');
  });

  it('detects the resource type from the bytes with resource_type auto', async () => {
    const renamed = join(tmpdir(), `looks-like-${process.pid}.txt`);
    writeFileSync(renamed, readFileSync(PNG));
    const result = (await cloudinary.uploader.upload(renamed, { resource_type: 'auto' })) as UploadResult;
    expect(result).toMatchObject({ resource_type: 'image', format: 'png', width: 576 });
  });

  it('reports a bad upload as the SDK expects an error', async () => {
    await expect(cloudinary.uploader.upload(`data:image/png;base64,${Buffer.from('not a png').toString('base64')}`)).rejects.toMatchObject({
      http_code: 400,
      message: 'Invalid image file',
    });
  });
});
