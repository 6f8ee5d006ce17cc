import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp, { type SharpOptions } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type CloudinarySdk, type WebhookReceiver } from '@rendition/testing';
import { sdkRefusal } from './support/sdk-refusal.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// Analysis on upload and the eval / on_success scripts (issue 14) through the official Node SDK:
// the fields' shapes (wave 2 §5), eval's SDK test string (§6.1), on_success's canonical string (§6.2).

type Result = Record<string, unknown> & { public_id: string; version: number };

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
let receiver: WebhookReceiver;
let work: string;
/** 241×51, as the SDK's logo.png: 70 % black, 30 % white. */
let logo: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rendition-analysis-e2e-'));
  logo = join(work, 'logo.png');
  const black = await sharp({ create: { width: 241, height: 51, channels: 3, background: '#000000' } })
    .composite([{ input: { create: { width: 72, height: 51, channels: 3, background: '#ffffff' } }, left: 169, top: 0 }])
    .png()
    .toBuffer();
  await writeFile(logo, black);
  receiver = await startWebhookReceiver();
  cluster = await startTestCluster({ SSRF_ALLOW: '127.0.0.1/32' });
  cloudinary = sdkFor(cluster);
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  await receiver?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const upload = (path: string, options: Record<string, unknown>) => cloudinary.uploader.upload(path, options) as Promise<Result>;

describe('analysis on upload', () => {
  it('answers colors, predominant, phash, quality_analysis and accessibility_analysis in their shapes', async () => {
    const result = await upload(logo, { public_id: 'logo', colors: true, phash: true, quality_analysis: true, accessibility_analysis: true });
    const colors = result.colors as Array<[string, number]>;
    expect(colors.map(([hex]) => hex)).toEqual(['#000000', '#FFFFFF']);
    expect(colors[0]![1]).toBeCloseTo(70.1, 0);
    expect(colors[1]![1]).toBeCloseTo(29.9, 0);
    const predominant = result.predominant as { google: Array<[string, number]>; cloudinary: Array<[string, number]> };
    expect(predominant.google.map(([name]) => name)).toEqual(['black', 'white']);
    expect(result.grayscale).toBe(true);
    expect(result.semi_transparent).toBe(false);
    expect(result.phash).toMatch(/^[0-9a-f]{16}$/);
    expect(typeof (result.quality_analysis as Record<string, unknown>).focus).toBe('number');
    expect(typeof result.quality_score).toBe('number');
    const accessibility = result.accessibility_analysis as Record<string, Record<string, unknown>>;
    expect(accessibility.colorblind_accessibility_analysis).toMatchObject({ distinct_edges: expect.any(Number), distinct_colors: expect.any(Number) });
    expect(typeof accessibility.colorblind_accessibility_score).toBe('number');
  });

  it('answers image_metadata (media_metadata) as a map of strings', async () => {
    const result = await upload(logo, { public_id: 'logo-meta', media_metadata: true });
    const metadata = result.image_metadata as Record<string, unknown>;
    expect(Object.keys(metadata).length).toBeGreaterThan(0);
    for (const value of Object.values(metadata)) expect(typeof value).toBe('string');
  });

  it('carries the analyses in an async upload notification', async () => {
    const accepted = await upload(logo, { public_id: 'logo-async', phash: true, async: true, notification_url: `${receiver.url}/async` });
    expect(accepted.status).toBe('pending');
    const [webhook] = await receiver.waitFor(1, { path: '/async', timeoutMs: 30_000 });
    const body = JSON.parse(webhook!.body) as Record<string, unknown>;
    expect(body).toMatchObject({ notification_type: 'upload', public_id: 'logo-async' });
    expect(body.phash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('refuses a truncated JPEG with colors asked (the analysis decode is the verification) and stores nothing', async () => {
    const noise: SharpOptions = {
      create: { width: 400, height: 300, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 50 } },
    };
    const jpeg = await sharp(noise).jpeg().toBuffer();
    const cut = join(work, 'cut.jpg');
    await writeFile(cut, jpeg.subarray(0, Math.floor(jpeg.length / 2)));
    const error = await sdkRefusal(upload(cut, { public_id: 'cut', colors: true }));
    expect(error.http_code).toBe(400);
    expect((await sdkRefusal(cloudinary.api.resource('cut'))).http_code).toBe(404);
  });

  it('works on explicit too', async () => {
    const result = (await cloudinary.uploader.explicit('logo', { type: 'upload', colors: true })) as Result;
    expect((result.colors as Array<[string, number]>).map(([hex]) => hex)).toEqual(['#000000', '#FFFFFF']);
  });
});

describe('eval', () => {
  it("runs the SDK's own test string: quality_analysis computed and the width in context", async () => {
    const evalText =
      'if (resource_info["width"] < 450) { upload_options["quality_analysis"] = true }; upload_options["context"] = "width=" + resource_info["width"]';
    const result = await upload(logo, { public_id: 'logo-eval', eval: evalText });
    expect((result.context as { custom: Record<string, string> }).custom.width).toBe('241');
    expect(typeof (result.quality_analysis as Record<string, unknown>).focus).toBe('number');
  });

  it('fills ${resource_info.…} placeholders in what it assigns, and sets tags', async () => {
    const result = await upload(logo, { public_id: 'logo-tags', eval: 'upload_options.tags = "w${resource_info.width},h${resource_info.height}"' });
    expect(result.tags).toEqual(['w241', 'h51']);
  });

  it('refuses with a 400 a script that throws, loops for ever, recurses without end or sets a forbidden option, and keeps working', async () => {
    for (const script of [
      'throw new Error("boom")',
      'while (true) {}',
      'function f() { return f() + 1 } f()',
      'upload_options.resource_type = "raw"',
    ]) {
      const error = await sdkRefusal(upload(logo, { public_id: 'logo-bad', eval: script }));
      expect(error.http_code, script).toBe(400);
      expect(error.message, script).toMatch(/^Eval/);
    }
    const after = await upload(logo, { public_id: 'logo-after', eval: 'upload_options.tags = "fine"' });
    expect(after.tags).toEqual(['fine']);
  });

  it('runs a longer script stored as a raw authenticated asset (#RESOURCE_REF)', async () => {
    const script = join(work, 'tagger.js');
    await writeFile(script, `// ${'padding '.repeat(600)}\nupload_options.tags = "from_ref," + resource_info.width;`);
    await cloudinary.uploader.upload(script, { resource_type: 'raw', type: 'authenticated', public_id: '_system/tagger.js' });
    const result = await upload(logo, { public_id: 'logo-ref', eval: '#RESOURCE_REF:_system/tagger.js' });
    expect(result.tags).toEqual(['from_ref', '241']);
  });

  it('refuses a script longer than 4095 characters', async () => {
    const error = await sdkRefusal(upload(logo, { public_id: 'logo-long', eval: `// ${'x'.repeat(4100)}` }));
    expect(error.http_code).toBe(400);
  });
});

describe('on_success', () => {
  it('replaces the tags once the upload is stored; the answer carries hook_execution and the Admin API the new tags', async () => {
    const result = await upload(logo, { public_id: 'logo-hook', tags: 'before', on_success: 'current_asset.update({tags: ["autocaption"]});' });
    expect(result.tags).toEqual(['before']);
    expect(result.hook_execution).toEqual({ status: 'success' });
    const resource = (await cloudinary.api.resource('logo-hook')) as Record<string, unknown>;
    expect(resource.tags).toEqual(['autocaption']);
  });

  it('reports a failing script in hook_execution without failing the upload', async () => {
    const result = await upload(logo, { public_id: 'logo-hook-bad', on_success: 'throw new Error("nope")' });
    expect(result.hook_execution).toMatchObject({ status: 'failure' });
    expect(result.public_id).toBe('logo-hook-bad');
  });
});
